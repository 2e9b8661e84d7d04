"""Statistical disclosure control for published counts. Pure functions.

A breakdown (visits by purpose, outcome, month, hour…) of a small place can point at one
person: "1 visitor asked for a private room to report a crime in March". So, before any
breakdown is published:

1. Primary suppression: every count from 1 to threshold − 1 is hidden ("fewer than 5").
   Zero is shown: it says nobody came, which identifies no one.
2. Secondary suppression: if the total is published, the hidden cells must not be
   recoverable by subtracting the shown cells from it. So while the hidden cells add up to
   less than the threshold (including a single hidden cell, whose value the subtraction
   would reveal exactly), the smallest shown non-zero cell is hidden too.
3. The total itself is hidden when it is below the threshold, and then every non-zero
   cell is hidden with it.

The threshold is settings.DISCLOSURE_THRESHOLD (5 unless configured).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

K = TypeVar("K")


@dataclass(frozen=True)
class Cell:
    value: int | None  # None when suppressed
    suppressed: bool

    def __str__(self) -> str:
        return "suppressed" if self.suppressed else f"{self.value:,}"


@dataclass(frozen=True)
class Breakdown(Generic[K]):
    cells: dict[K, Cell]
    total: Cell
    threshold: int

    @property
    def any_suppressed(self) -> bool:
        return self.total.suppressed or any(c.suppressed for c in self.cells.values())


def protect(counts: Mapping[K, int], threshold: int = 5) -> Breakdown[K]:
    """The breakdown as it may be published."""
    if threshold < 1:
        raise ValueError("threshold must be at least 1")
    total = sum(counts.values())
    hidden = {key for key, n in counts.items() if 0 < n < threshold}
    if total < threshold:
        hidden = {key for key, n in counts.items() if n > 0}
        total_cell = Cell(None, True) if total > 0 else Cell(0, False)
    else:
        total_cell = Cell(total, False)
        # Hide more until the hidden cells cannot be worked out from the total.
        while hidden and sum(counts[k] for k in hidden) < threshold:
            shown = sorted(
                (n, str(key), key) for key, n in counts.items() if n > 0 and key not in hidden
            )
            if not shown:
                break
            hidden.add(shown[0][2])
    cells = {
        key: Cell(None, True) if key in hidden else Cell(n, False) for key, n in counts.items()
    }
    return Breakdown(cells=cells, total=total_cell, threshold=threshold)


# --- Published monthly cells --------------------------------------------------------------
#
# Public figures are sums of cells that were protected one contact point and one calendar
# month at a time (see docs/usage-figures.md). A published cell is an int (exact: 0 or at
# least the threshold) or None (suppressed). Every public total, rate and breakdown is built
# from published cells only, so no combination of public outputs says more than the cells.

Published = dict[str, int | None]


def protect_month(
    visits: int, families: Mapping[str, Mapping[str, int]], singles: Mapping[str, int], k: int
) -> Published:
    """Protect one contact point's month.

    `visits` is the month's total; each family (purposes, how they heard, private room,
    source, outcome, weekday-hour) splits that total into cells and is protected against it
    (primary and secondary suppression, `protect`); `singles` are counts with no parts (the
    sessions that had a visitor), suppressed when small. Zero cells are left out."""
    published: Published = {}
    total_hidden = 0 < visits < k
    published["visits"] = None if total_hidden else visits
    if any(sum(family.values()) != visits for family in families.values()):
        # Counts that disagree (a roll-up that drifted) are published as suppressed
        # throughout: nothing is revealed, and the month is looked at again once mended.
        hidden: Published = {"visits": None if visits else 0}
        for family in families.values():
            hidden |= {key: None for key, n in family.items() if n}
        hidden |= {key: None for key, n in singles.items() if n}
        return hidden
    for family in families.values():
        guarded = protect(family, k)
        for key, cell in guarded.cells.items():
            if family[key]:
                published[key] = None if cell.suppressed else cell.value
    for key, n in singles.items():
        if n:
            published[key] = None if n < k else n
    return published


def revision_is_safe(before: Published, after: Published, k: int) -> bool:
    """May a month already published be republished with new figures?

    Only if a reader comparing the two publications learns no small number: each cell is
    unchanged, stays suppressed, or moves between two exact values by at least k. A cell
    that becomes suppressed or stops being suppressed, or moves by 1 to k − 1, holds the
    whole revision back (absent cells are zero)."""
    for key in before.keys() | after.keys():
        old, new = before.get(key, 0), after.get(key, 0)
        if old == new or (old is None and new is None):
            continue
        if old is None or new is None or abs(old - new) < k:
            return False
    return True


@dataclass(slots=True, unsafe_hash=True)  # never changed; not frozen: its init is slower
class Figure:
    """A published count: the sum of the exact cells it is made of (`shown`), and how many
    suppressed cells it also includes (`hidden`). `cap` is the most a suppressed cell can
    hold when that is public knowledge (k − 1 for counts suppressed only when small), so a
    range can be given; otherwise only a lower bound is."""

    shown: int
    hidden: int = 0
    cap: int | None = None

    @property
    def suppressed(self) -> bool:
        return self.hidden > 0

    @property
    def value(self) -> int | None:
        """The exact count, or None when it includes suppressed cells."""
        return None if self.hidden else self.shown

    @property
    def low(self) -> int:
        return self.shown + self.hidden  # a suppressed cell holds at least one

    @property
    def high(self) -> int | None:
        return self.shown + self.hidden * self.cap if self.cap is not None else None

    def __add__(self, other: Figure) -> Figure:
        cap = self.cap if self.cap == other.cap else None
        return Figure(self.shown + other.shown, self.hidden + other.hidden, cap)

    def __str__(self) -> str:
        if not self.hidden:
            return f"{self.shown:,}"
        if self.hidden == 1 and not self.shown:
            return "[c]"
        if self.high is not None:
            return f"{self.low:,}–{self.high:,}"
        return f"at least {self.low:,}"


ZERO = Figure(0)


def figure_of(cells: Iterable[int | None], cap: int | None = None) -> Figure:
    """Add published cells up."""
    shown = hidden = 0
    for cell in cells:
        if cell is None:
            hidden += 1
        else:
            shown += cell
    return Figure(shown, hidden, cap if hidden else None)


@dataclass(frozen=True)
class Span:
    """A rate worked out from published figures: exact, or the range they allow."""

    low: float
    high: float

    @property
    def exact(self) -> bool:
        return self.low == self.high

    def format(self, places: int) -> str:
        if self.exact or f"{self.low:.{places}f}" == f"{self.high:.{places}f}":
            return f"{self.low:.{places}f}"
        return f"{self.low:.{places}f}–{self.high:.{places}f}"


def rate(count: Figure, per: float, *, inverse: float | None = None) -> Span | None:
    """count ÷ per, as a Span over the values the published count allows; with `inverse`,
    inverse ÷ count instead (cost per visit). None when it cannot be bounded."""
    if per <= 0:
        return None
    high = count.high if count.suppressed else count.shown
    if high is None:
        return None
    if inverse is not None:
        if count.low == 0:
            return None
        return Span(inverse / high, inverse / count.low)
    return Span(count.low / per, high / per)


@dataclass(frozen=True)
class Table(Generic[K]):
    """A published breakdown: one Figure per key, and their total."""

    cells: dict[K, Figure]
    total: Figure

    @property
    def any_suppressed(self) -> bool:
        return self.total.suppressed or any(c.suppressed for c in self.cells.values())
