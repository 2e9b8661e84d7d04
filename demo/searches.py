"""SYNTHETIC search counts for the demo: made up, flagged `synthetic`, and labelled as such on
every page that shows them. Areas are postcode districts of the gazetteer (or, without one,
squares around the demo contact points); each search's walk band is the real one from the
district's middle to the nearest contact point open at that hour of a typical week."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from datetime import date, datetime, timedelta
from datetime import time as clock

from django.db.models import Avg

from contactpoints.models import ContactPoint
from core.time import LONDON
from demand import recorder
from demand.models import SearchCount
from places.geocoding import Place
from places.models import Postcode

# Searches in each hour of the day, relative: mostly daytime and evening.
HOURLY = [1, 1, 1, 1, 1, 2, 4, 8, 12, 14, 14, 13, 13, 13, 13, 13, 13, 14, 15, 14, 11, 8, 5, 2]


def _areas(rng: random.Random) -> list[Place]:
    districts = list(
        Postcode.objects.values("outward")
        .annotate(lat=Avg("latitude"), lon=Avg("longitude"))
        .order_by("outward")
    )
    if districts:
        chosen = rng.sample(districts, min(60, len(districts)))
        return [Place(float(d["lat"]), float(d["lon"]), d["outward"], "district") for d in chosen]
    located = ContactPoint.objects.filter(latitude__isnull=False, longitude__isnull=False)
    return [
        Place(float(lat) + rng.uniform(-0.02, 0.02), float(lon) + rng.uniform(-0.03, 0.03),
              "", "coordinates")
        for lat, lon in located.values_list("latitude", "longitude")
        if lat is not None and lon is not None
    ]  # fmt: skip


def _walk(place: Place, day: date, hour: int) -> str:
    moment = datetime.combine(day, clock(hour, 30), tzinfo=LONDON)
    return recorder.facts(place, moment=moment, open_now=False, facility=False).walk


def generate(
    today: date,
    days: int = 180,
    seed: int = 20261128,
    progress: Callable[[int, int, str], object] | None = None,
) -> int:
    """Add the demo's searches for the `days` before `today`, once (none if any synthetic
    searches exist). Returns the searches added. `progress(done, total, area)` is called
    before the first area (done 0) and after each."""
    if SearchCount.objects.filter(synthetic=True).exists():
        return 0
    rng = random.Random(seed)  # noqa: S311 (made-up demo figures, reproducible)
    monday = today - timedelta(days=today.weekday() + 7)
    counts: Counter[tuple[date, str, int, bool, bool, str]] = Counter()
    areas = _areas(rng)
    if progress:
        progress(0, len(areas), "")
    for done, place in enumerate(areas, start=1):
        area = recorder.area_of(place)
        busy = rng.uniform(0.3, 4.0)  # searches a day
        # The walk from the area's middle at each hour of a typical week, as it is today:
        # worked out when first searched for (the slow part, so a short history is quick).
        walks: dict[tuple[int, int], str] = {}
        for back in range(1, days + 1):
            day = today - timedelta(days=back)
            for _ in range(int(rng.expovariate(1 / busy) + 0.5)):
                hour = rng.choices(range(24), weights=HOURLY)[0]
                open_now = rng.random() < 0.4
                facility = rng.random() < 0.1
                when = (day.weekday(), hour)
                if when not in walks:
                    walks[when] = _walk(place, monday + timedelta(days=when[0]), hour)
                counts[(day, area, hour, open_now, facility, walks[when])] += 1
        if progress:
            progress(done, len(areas), area)
    SearchCount.objects.bulk_create(
        SearchCount(day=d, area=a, hour=h, open_now=o, facility=f, walk=w, synthetic=True,
                    count=n)
        for (d, a, h, o, f, w), n in counts.items()
    )  # fmt: skip
    return sum(counts.values())
