"""The public demand figures for a period of released months: sums of published cells
(`reviews.disclosure.figure_of`), by area, by hour and for London."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from reviews.disclosure import ZERO, Figure, figure_of
from reviews.release import threshold
from reviews.usage import Period

from .models import UNMET, DemandMonth, Walk
from .recorder import CELL_DEGREES


def label(area: str) -> str:
    """How an area is named on the pages: a district as it is, a grid square by its middle."""
    if "," not in area:
        return area
    south, west = (float(x) for x in area.split(","))
    middle = (south + CELL_DEGREES / 2, west + CELL_DEGREES * 1.5 / 2)
    return f"2 km square around {middle[0]:.2f}, {middle[1]:.3f}"


def centre(area: str) -> tuple[float, float] | None:
    """The middle of a grid square (districts: None — their centre is the gazetteer's)."""
    if "," not in area:
        return None
    south, west = (float(x) for x in area.split(","))
    return south + CELL_DEGREES / 2, west + CELL_DEGREES * 1.5 / 2


@dataclass
class Row:
    area: str
    searches: Figure = ZERO
    walks: dict[str, Figure] = field(default_factory=lambda: dict.fromkeys(Walk.values, ZERO))
    asked_open: Figure = ZERO
    asked_facility: Figure = ZERO
    synthetic: bool = False

    @property
    def label(self) -> str:
        return label(self.area)

    @property
    def unmet(self) -> Figure:
        """Searches with no contact point open within 20 minutes' walk."""
        found = ZERO
        for walk in UNMET:
            found = found + self.walks.get(walk, ZERO)
        return found

    @property
    def unmet_share(self) -> float | None:
        """Exact only when both counts are: otherwise not worked out (small numbers)."""
        searches, unmet = self.searches.value, self.unmet.value
        if searches is None or unmet is None or searches == 0:
            return None
        return unmet / searches

    def __add__(self, other: Row) -> Row:
        walks = {w: self.walks.get(w, ZERO) + other.walks.get(w, ZERO) for w in Walk.values}
        return Row(
            self.area, self.searches + other.searches, walks,
            self.asked_open + other.asked_open, self.asked_facility + other.asked_facility,
            self.synthetic or other.synthetic,
        )  # fmt: skip


@dataclass
class Demand:
    period: Period
    rows: list[Row]  # by area, most unmet first
    hours: list[Figure]  # searches in each hour, 00:00 … 23:00, every area
    london: Row
    threshold: int

    @property
    def synthetic(self) -> bool:
        return self.london.synthetic


def demand(period: Period) -> Demand:
    k = threshold()
    cells: dict[str, list[dict[str, int | None]]] = defaultdict(list)
    synthetic: dict[str, bool] = defaultdict(bool)
    for month in DemandMonth.objects.filter(month__gte=period.start, month__lte=period.end):
        cells[month.area].append(month.cells)
        synthetic[month.area] |= month.synthetic

    def add(months: list[dict[str, int | None]], key: str, cap: int | None = None) -> Figure:
        # A cell absent from a month is zero; searches are suppressed only when 1 to k − 1.
        return figure_of((m.get(key, 0) for m in months), cap)

    rows = []
    for area, months in cells.items():
        rows.append(
            Row(
                area,
                searches=add(months, "searches", k - 1),
                walks={w: add(months, f"walk:{w}") for w in Walk.values},
                asked_open=add(months, "asked:open"),
                asked_facility=add(months, "asked:facility"),
                synthetic=synthetic[area],
            )
        )
    hours = [
        figure_of(m.get(f"h{h:02d}", 0) for months in cells.values() for m in months)
        for h in range(24)
    ]
    london = Row("London")
    for row in rows:
        london = london + row
    london.area = "London"
    # Searches are suppressed only when small: London's total as a range, not "at least".
    london.searches = figure_of((m.get("searches", 0) for ms in cells.values() for m in ms), k - 1)
    rows.sort(key=lambda r: (-r.unmet.low, -r.searches.low, r.area))
    return Demand(period, rows, hours, london, k)
