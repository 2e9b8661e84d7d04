"""Statistical disclosure control for published visit counts. Pure functions.

The rules and the attack each one stops are in docs/usage-figures.md. In short, for one
span (a contact point's calendar month) and each table that splits its visits (purpose,
outcome, how they heard, private room, how it was recorded, weekday × hour):

1. A total below the threshold k is not shown ("[c]": 0 to k − 1, zero included), and no
   table of that span is shown at all: a single visitor's categories would otherwise be
   the only non-empty cells.
2. Attribute rule: when fewer than k visitors fall outside the table's commonest category
   (all of them in one category included), the whole table is hidden: otherwise a
   neighbour who knows someone came would learn what they came for.
3. Primary suppression: every count from 1 to k − 1 is hidden, and in a table with any
   hidden cell the zeros are hidden too, so an empty category looks exactly like a small
   one.
4. Secondary suppression: while the hidden cells add up to less than k, the smallest
   shown cell is hidden too. Then the total minus the shown cells only ever gives a sum of
   at least k spread over two or more cells, each of which may be empty.

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


HIDDEN = Cell(None, True)


@dataclass(frozen=True)
class Breakdown(Generic[K]):
    cells: dict[K, Cell]
    total: Cell
    threshold: int

    @property
    def any_suppressed(self) -> bool:
        return self.total.suppressed or any(c.suppressed for c in self.cells.values())


def protect(counts: Mapping[K, int], threshold: int = 5) -> Breakdown[K]:
    """The table as it may be published (rules 1–4 above)."""
    k = threshold
    if k < 1:
        raise ValueError("threshold must be at least 1")
    total = sum(counts.values())
    if total < k:  # rule 1: nothing of a small span, not even which cells are empty
        return Breakdown(dict.fromkeys(counts, HIDDEN), HIDDEN, k)
    total_cell = Cell(total, False)
    if total - max(counts.values(), default=0) < k:  # rule 2: attribute disclosure
        return Breakdown(dict.fromkeys(counts, HIDDEN), total_cell, k)
    hidden = {key for key, n in counts.items() if 0 < n < k}  # rule 3
    if hidden:
        hidden |= {key for key, n in counts.items() if n == 0}
    # Rule 4. Rule 2 leaves at least k outside the largest cell, so this never needs it.
    while hidden and sum(counts[key] for key in hidden) < k:
        shown = sorted((n, str(key), key) for key, n in counts.items() if key not in hidden)
        hidden.add(next(key for n, _name, key in shown if n > 0))
    cells = {key: HIDDEN if key in hidden else Cell(n, False) for key, n in counts.items()}
    return Breakdown(cells=cells, total=total_cell, threshold=k)


# --- Published monthly cells --------------------------------------------------------------
#
# Public figures are sums of cells that were protected one contact point and one calendar
# month at a time (see docs/usage-figures.md). A published cell is an int (exact: at least
# the threshold, or a zero in a table with nothing hidden) or None (hidden: 0 to k − 1, or
# hidden to protect another cell). Every public total, rate and breakdown is built from
# published cells only, so no combination of public outputs says more than the cells.

Published = dict[str, int | None]


def protect_month(
    visits: int, families: Mapping[str, Mapping[str, int]], singles: Mapping[str, int], k: int
) -> Published:
    """Protect one contact point's month: every key of every table, each an exact count or
    None (hidden; zeros included wherever rule 1 or 3 hides them).

    `visits` is the month's total; each family (purposes, how they heard, private room,
    source, outcome, weekday-hour) splits that total into cells and is protected against it
    (`protect`); `singles` are counts with no parts (the sessions that had a visitor),
    shown only from k."""
    if any(sum(family.values()) != visits for family in families.values()):
        # Counts that disagree (a roll-up that drifted) are published as hidden throughout:
        # nothing is revealed, and the month is looked at again once mended.
        hidden: Published = {"visits": None}
        for family in families.values():
            hidden |= dict.fromkeys(family)
        return hidden | dict.fromkeys(singles)
    published: Published = {"visits": visits if visits >= k else None}
    for family in families.values():
        published |= {key: cell.value for key, cell in protect(family, k).cells.items()}
    for key, n in singles.items():
        published[key] = n if n >= k else None
    return published


def revision_is_safe(before: Published, after: Published, k: int) -> bool:
    """May a month already published be republished with new figures?

    Only if a reader comparing the two publications learns no small number: each cell is
    unchanged, stays hidden, or moves between two exact values by at least k. A cell that
    becomes hidden or stops being hidden, or moves by 1 to k − 1, holds the whole revision
    back. Both sides name every key (`protect_month`)."""
    for key in before.keys() | after.keys():
        old, new = before.get(key), after.get(key)
        if old == new:
            continue
        if old is None or new is None or abs(old - new) < k:
            return False
    return True


@dataclass(slots=True, unsafe_hash=True)  # never changed; not frozen: its init is slower
class Figure:
    """A published count: the sum of the exact cells it is made of (`shown`), and how many
    hidden cells it also includes (`hidden`; each may hold none). `cap` is the most a hidden
    cell can hold when that is public knowledge (k − 1 for totals, hidden only when below
    k), so a range can be given; otherwise only a lower bound is. `least` is the least a
    hidden cell holds: 0 (zeros are hidden like small counts), or 1 in reviews frozen under
    the rules before zeros were hidden, so they read as they were published."""

    shown: int
    hidden: int = 0
    cap: int | None = None
    least: int = 0

    @property
    def suppressed(self) -> bool:
        return self.hidden > 0

    @property
    def value(self) -> int | None:
        """The exact count, or None when it includes suppressed cells."""
        return None if self.hidden else self.shown

    @property
    def low(self) -> int:
        return self.shown + self.hidden * self.least

    @property
    def high(self) -> int | None:
        return self.shown + self.hidden * self.cap if self.cap is not None else None

    def __add__(self, other: Figure) -> Figure:
        cap = self.cap if self.cap == other.cap else None
        least = min(self.least, other.least)
        return Figure(self.shown + other.shown, self.hidden + other.hidden, cap, least)

    def __str__(self) -> str:
        if not self.hidden:
            return f"{self.shown:,}"
        if self.hidden == 1 and not self.shown:
            return "[c]"
        if not self.low and self.cap is None:
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
