"""Publishing search demand, one calendar month at a time, under the usage figures' rules
(docs/usage-figures.md, docs/demand.md): a month is released `USAGE_RELEASE_DAYS` after it
ends; each area's month is protected once — its searches suppressed from 1 to k − 1, each
breakdown (hour, walk, what was asked) with primary and secondary suppression against that
total — and stored as published (`DemandMonth`). Every public figure is a sum of those
cells, so no combination of periods, areas or downloads says more than the cells. A
released month is never revised."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Min, Sum
from django.utils import timezone

from contactpoints.hours import local
from reviews.disclosure import protect_month
from reviews.release import next_month, release_due, threshold

from .models import DemandMonth, DemandRelease, SearchCount, Walk

STATE_KEY = "demand:release-state"


def hour_key(hour: int) -> str:
    return f"h{hour:02d}"


def released_months() -> list[date]:
    return list(DemandRelease.objects.values_list("month", flat=True))


def release(today: date | None = None) -> None:
    """Release every month that is due (cheap when none is)."""
    release_due(
        STATE_KEY, DemandRelease.objects.all(),
        lambda: SearchCount.objects.aggregate(first=Min("day"))["first"], release_month, today,
    )  # fmt: skip


def month_cells(month: date) -> dict[str, tuple[dict[str, int | None], bool]]:
    """Each area's published cells for `month`, and whether they include synthetic counts."""
    rows = (
        SearchCount.objects.filter(day__gte=month, day__lt=next_month(month))
        .values("area", "hour", "open_now", "facility", "walk", "synthetic")
        .annotate(n=Sum("count"))
        .order_by()
    )
    totals: dict[str, int] = defaultdict(int)
    families: dict[str, dict[str, dict[str, int]]] = defaultdict(
        lambda: {
            "hour": {hour_key(h): 0 for h in range(24)},
            "walk": {f"walk:{w}": 0 for w in Walk.values},
            "open": {"asked:open": 0, "asked:any-time": 0},
            "facility": {"asked:facility": 0, "asked:no-facility": 0},
        }
    )
    synthetic: dict[str, bool] = defaultdict(bool)
    for row in rows:
        area, n = row["area"], row["n"]
        totals[area] += n
        family = families[area]
        family["hour"][hour_key(row["hour"])] += n
        family["walk"][f"walk:{row['walk']}"] += n
        family["open"]["asked:open" if row["open_now"] else "asked:any-time"] += n
        family["facility"]["asked:facility" if row["facility"] else "asked:no-facility"] += n
        synthetic[area] |= row["synthetic"]
    k = threshold()
    found = {}
    for area, total in totals.items():
        published = protect_month(total, families[area], {}, k)
        published["searches"] = published.pop("visits")
        found[area] = (published, synthetic[area])
    return found


def release_month(month: date) -> bool:
    """Publish `month` (False if another worker did first)."""
    cells = month_cells(month)
    try:
        with transaction.atomic():
            DemandRelease.objects.create(month=month)
            DemandMonth.objects.bulk_create(
                DemandMonth(month=month, area=area, cells=published, synthetic=synthetic)
                for area, (published, synthetic) in cells.items()
            )
    except IntegrityError:
        return False
    return True


def released_at(month: date) -> datetime | None:
    return DemandRelease.objects.filter(month=month).values_list("released_at", flat=True).first()


def forget_daily_counts(today: date | None = None) -> int:
    """Delete the daily counts older than `DEMAND_RETENTION_DAYS`, but only those of months
    already published: the published cells are all that is kept of them."""
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
