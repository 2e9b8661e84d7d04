"""Publishing search demand, one calendar month at a time (docs/demand.md).

A month is released `USAGE_RELEASE_DAYS` after it ends. Anyone can add searches of their
own, so thresholds cannot protect these counts (an adversary pads a cell past any threshold
and subtracts their own searches again): every published count carries differential-privacy
noise instead (`reviews.noise`), drawn once at release and stored in `DemandMonth`. The
list of areas is fixed before looking at any search — every postcode district in the
gazetteer, every 2 km square over London, and "elsewhere" — so which areas appear says
nothing either. A released month is never revised.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Min, Sum
from django.utils import timezone

from core.time import local, next_month
from places.models import Postcode
from publishing.noise import Budget, Measurement, add_noise
from publishing.release import release_due

from .models import UNMET, DemandMonth, SearchCount, Walk
from .recorder import CELL_DEGREES

# What one month's release measures, and what each measurement costs per search.
BUDGET = Budget(
    unit="search",
    measurements=(
        Measurement("areas", 0.5, "each area's searches, with and without a contact point "
                                  "open within 20 minutes' walk"),
        Measurement("walks", 0.2, "London's searches by the walk to the nearest open place"),
        Measurement("hours", 0.2, "London's searches by hour of the day"),
        Measurement("asked_open", 0.05, "searches that asked for “open now” or a time"),
        Measurement("asked_facility", 0.05, "searches that asked for a facility"),
    ),
)  # fmt: skip

ELSEWHERE = "elsewhere"
# The squares published: Greater London and a margin (south, north, west, east).
LONDON_BOUNDS = (51.28, 51.70, -0.52, 0.34)


def squares() -> list[str]:
    """Every grid square over London, named as `recorder.area_of` names them."""
    south, north, west, east = LONDON_BOUNDS
    width = CELL_DEGREES * 1.5
    return [
        f"{i * CELL_DEGREES:.2f},{j * width:.2f}"
        for i in range(math.floor(south / CELL_DEGREES), math.floor(north / CELL_DEGREES) + 1)
        for j in range(math.floor(west / width), math.floor(east / width) + 1)
    ]


def areas() -> list[str]:
    """The published list of areas: public reference data only, never the searches."""
    districts = sorted(set(Postcode.objects.order_by().values_list("outward", flat=True)))
    return [*districts, *squares(), ELSEWHERE]


@dataclass
class Counts:
    """One month's true counts, in the shape of the release."""

    areas: dict[str, list[int]]  # area -> [met, unmet]
    walks: dict[str, int] = field(default_factory=lambda: dict.fromkeys(Walk.values, 0))
    hours: list[int] = field(default_factory=lambda: [0] * 24)
    asked_open: int = 0
    asked_facility: int = 0
    synthetic: bool = False


def released_months() -> list[date]:
    return list(DemandMonth.objects.values_list("month", flat=True))


def release(today: date | None = None) -> int:
    """Release every month that is due; returns how many."""
    return release_due(
        DemandMonth.objects.all(),
        lambda: SearchCount.objects.aggregate(first=Min("day"))["first"], release_month, today,
    )  # fmt: skip


def month_counts(month: date, universe: list[str] | None = None) -> Counts:
    """The month's true counts (never published as they are)."""
    listed = universe if universe is not None else areas()
    counts = Counts(areas={area: [0, 0] for area in listed})
    rows = (
        SearchCount.objects.filter(day__gte=month, day__lt=next_month(month))
        .values("area", "hour", "open_now", "facility", "walk", "synthetic")
        .annotate(n=Sum("count"))
        .order_by()
    )
    for row in rows:
        n = row["n"]
        area = row["area"] if row["area"] in counts.areas else ELSEWHERE
        counts.areas.setdefault(area, [0, 0])[row["walk"] in UNMET] += n
        counts.walks[row["walk"]] += n
        counts.hours[row["hour"]] += n
        counts.asked_open += n if row["open_now"] else 0
        counts.asked_facility += n if row["facility"] else 0
        counts.synthetic |= row["synthetic"]
    return counts


def noisy_cells(counts: Counts) -> dict[str, object]:
    """What is published of a month: every count with its noise (`BUDGET`)."""
    names = list(counts.areas)
    flat = add_noise([n for area in names for n in counts.areas[area]], BUDGET["areas"])
    walks = add_noise([counts.walks[w] for w in Walk.values], BUDGET["walks"])
    return {
        "areas": {area: flat[2 * i : 2 * i + 2] for i, area in enumerate(names)},
        "walks": dict(zip(Walk.values, walks, strict=True)),
        "hours": add_noise(counts.hours, BUDGET["hours"]),
        "asked_open": add_noise([counts.asked_open], BUDGET["asked_open"])[0],
        "asked_facility": add_noise([counts.asked_facility], BUDGET["asked_facility"])[0],
    }


def release_month(month: date) -> bool:
    """Publish `month` (False if another worker did first)."""
    counts = month_counts(month)
    try:
        with transaction.atomic():
            DemandMonth.objects.create(
                month=month, cells=noisy_cells(counts), epsilon=BUDGET.epsilon,
                synthetic=counts.synthetic,
            )  # fmt: skip
    except IntegrityError:
        return False
    return True


def forget_daily_counts(today: date | None = None) -> int:
    """Delete the daily counts older than `DEMAND_RETENTION_DAYS`, but only those of months
    already published: the published figures are all that is kept of them."""
    today = today or local(timezone.now()).date()
    before = today - timedelta(days=settings.DEMAND_RETENTION_DAYS)
    deleted = 0
    for month in released_months():
        if month >= before:
            break
        end = min(next_month(month), before)
        found, _ = SearchCount.objects.filter(day__gte=month, day__lt=end).delete()
        deleted += found
    return deleted
