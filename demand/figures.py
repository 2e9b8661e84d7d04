"""The public demand figures for a period of released months, from the noisy counts stored
at each release (`demand.release`): sums of the counts as drawn, then shown as whole
numbers never below zero. Each figure comes with its margin: nine times in ten the noise in
it is smaller. London's searches are its walk bands added up; the areas are counted apart,
so they add up to about London's figures, not exactly (docs/demand.md)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from publishing.noise import margin, shown
from publishing.usage import Period

from .models import UNMET, DemandMonth, Walk
from .recorder import CELL_DEGREES
from .release import BUDGET, ELSEWHERE

# An area's share unmet is worked out only where its searches are well above the noise.
SHARE_MIN = 20


def label(area: str) -> str:
    """How an area is named on the pages: a district as it is, a grid square by its middle."""
    if area == ELSEWHERE:
        return "Elsewhere (outside London, or not placed)"
    if "," not in area:
        return area
    south, west = centre(area) or (0.0, 0.0)
    return f"2 km square around {south:.2f}, {west:.3f}"


def centre(area: str) -> tuple[float, float] | None:
    """The middle of a grid square (districts: None — their centre is the gazetteer's)."""
    if "," not in area:
        return None
    south, west = (float(x) for x in area.split(","))
    return south + CELL_DEGREES / 2, west + CELL_DEGREES * 1.5 / 2


@dataclass(frozen=True)
class Row:
    area: str
    searches: int
    unmet: int  # searches with no contact point open within 20 minutes' walk
    margin: int  # of `searches`

    @property
    def label(self) -> str:
        return label(self.area)

    @property
    def clear(self) -> bool:
        """More searches than the noise alone could make."""
        return self.searches > self.margin

    @property
    def unmet_share(self) -> float | None:
        if self.searches < max(SHARE_MIN, 2 * self.margin):
            return None
        return min(1.0, self.unmet / self.searches)


@dataclass(frozen=True)
class Demand:
    period: Period
    rows: list[Row]  # every published area, most unmet first
    london: Row
    walks: dict[str, int]
    walks_margin: int
    hours: list[int]  # searches in each hour, 00:00 … 23:00
    hours_margin: int
    asked_open: int
    asked_facility: int
    asked_margin: int
    synthetic: bool
    epsilon: float  # per search, in each month
    months: int  # released months in the period

    @property
    def listed(self) -> list[Row]:
        """The areas shown on the map and in the page's table (the CSV has them all)."""
        return [row for row in self.rows if row.clear and row.area != ELSEWHERE]

    @property
    def area_margin(self) -> int:
        """The margin of one area's searches over the period."""
        return margin(BUDGET["areas"], 2 * self.months)


def demand(period: Period) -> Demand:
    months = list(DemandMonth.objects.filter(month__gte=period.start, month__lte=period.end))
    met: dict[str, int] = defaultdict(int)
    unmet: dict[str, int] = defaultdict(int)
    cells_in: dict[str, int] = defaultdict(int)
    walks: dict[str, int] = dict.fromkeys(Walk.values, 0)
    hours = [0] * 24
    asked_open = asked_facility = 0
    for month in months:
        cells = month.cells
        for area, (m, u) in cells["areas"].items():
            met[area] += m
            unmet[area] += u
            cells_in[area] += 2
        for walk, n in cells["walks"].items():
            walks[walk] += n
        hours = [h + n for h, n in zip(hours, cells["hours"], strict=True)]
        asked_open += cells["asked_open"]
        asked_facility += cells["asked_facility"]
    areas = BUDGET["areas"]
    rows = [
        Row(area, shown(met[area]) + shown(unmet[area]), shown(unmet[area]),
            margin(areas, cells_in[area]))
        for area in met
    ]  # fmt: skip
    rows.sort(key=lambda r: (-r.unmet, -r.searches, r.area))
    n = len(months)
    # London's searches are its walk bands added up (four cells a month, so little noise),
    # not the areas' (over a thousand cells, mostly of noise around nothing).
    bands = {w: shown(v) for w, v in walks.items()}
    london = Row(
        "London", sum(bands.values()), sum(bands[w] for w in UNMET),
        margin(BUDGET["walks"], len(Walk.values) * n),
    )  # fmt: skip
    return Demand(
        period=period, rows=rows, london=london,
        walks=bands, walks_margin=margin(BUDGET["walks"], n),
        hours=[shown(h) for h in hours], hours_margin=margin(BUDGET["hours"], n),
        asked_open=shown(asked_open), asked_facility=shown(asked_facility),
        asked_margin=margin(BUDGET["asked_open"], n),
        synthetic=any(m.synthetic for m in months), epsilon=BUDGET.epsilon, months=n,
    )  # fmt: skip
