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

from collections.abc import Mapping
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
