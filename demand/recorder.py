"""Counting finder searches without knowing who searched.

A search's facts — the postcode district searched (or, for a location or a place name, a
grid square of about 2 km), what was asked for, and the walk to the nearest contact point
open at the moment searched for, in bands — are worked out with its answer (a search's
answer is never cached: it is made for the person who asked) and added to a counter in
memory. Counts are written to the database in batches
(`DEMAND_FLUSH_SECONDS`), added to the day's rows by one upsert; when a write fails they
stay in memory for the next. A worker stopped without warning loses at most that many
seconds of counts: a published figure is a count of searches, not a record anyone relies
on.

Nothing about the person is kept: no address, full postcode, IP address, cookie or exact
time (the hour only). Requests with Global Privacy Control (`Sec-GPC: 1`) or Do Not Track
(`DNT: 1`) are not counted at all.
"""

from __future__ import annotations

import atexit
import logging
import math
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from contactpoints import nearby
from contactpoints.hours import local
from places.geocoding import Place

from .models import SearchCount, Walk

logger = logging.getLogger(__name__)

CELL_DEGREES = 0.02  # latitude; longitude: 0.03 (about 2.2 × 2.1 km in London)


@dataclass(frozen=True)
class Facts:
    area: str
    open_now: bool
    facility: bool
    walk: str  # Walk


def area_of(place: Place) -> str:
    """The postcode district of a postcode search; otherwise the grid square around the
    point, named by its south-west corner ("51.50,-0.15")."""
    if place.source in ("postcode", "district"):
        return place.label.split(" ")[0].upper()[:4]
    south = math.floor(place.latitude / CELL_DEGREES) * CELL_DEGREES
    west = math.floor(place.longitude / (CELL_DEGREES * 1.5)) * CELL_DEGREES * 1.5
    return f"{south:.2f},{west:.2f}"


def band(metres: float | None) -> str:
    if metres is None:
        return Walk.OVER_30
    minutes = metres * settings.COVERAGE_DETOUR_FACTOR / (settings.COVERAGE_WALKING_KMH * 1000 / 60)
    for limit, walk in ((10, Walk.WITHIN_10), (20, Walk.WITHIN_20), (30, Walk.WITHIN_30)):
        if minutes <= limit:
            return walk
    return Walk.OVER_30


def facts(place: Place, *, moment: datetime, open_now: bool, facility: bool) -> Facts:
    """A search's facts: worked out when its answer is computed (`moment`: the time searched
    for, or now), from the in-memory index — no query."""
    index = nearby.index()
    chosen = index.select() & index.open_at(moment)
    found = index.nearest(
        place.latitude, place.longitude, chosen, limit=1,
        within_m=settings.SEARCH_WITHIN_KM * 1000,
    )  # fmt: skip
    return Facts(area_of(place), open_now, facility, band(found[0][0] if found else None))


def declines(request: HttpRequest) -> bool:
    """The browser asks not to be tracked: Global Privacy Control or Do Not Track."""
    return request.headers.get("Sec-GPC", "").strip() == "1" or (
        request.headers.get("DNT", "").strip() == "1"
    )


class Buffer:
    """Counts waiting to be written, per (day, area, hour, open_now, facility, walk)."""

    def __init__(self) -> None:
        self.counts: Counter[tuple[date, str, int, bool, bool, str]] = Counter()
        self.lock = threading.Lock()
        self.written = time.monotonic()

    def add(self, key: tuple[date, str, int, bool, bool, str]) -> None:
        with self.lock:
            self.counts[key] += 1
            due = time.monotonic() - self.written >= settings.DEMAND_FLUSH_SECONDS
        if due:
            self.flush()

    def flush(self) -> None:
        with self.lock:
            taken, self.counts = self.counts, Counter()
            self.written = time.monotonic()
        if not taken:
            return
        try:
            write(taken)
        except DatabaseError:
            logger.warning("Search counts not written yet (%d kinds); kept for later.", len(taken))
            with self.lock:
                self.counts.update(taken)


def write(counts: Counter[tuple[date, str, int, bool, bool, str]]) -> None:
    """Add the counts to the day's rows: one upsert for the batch."""
    quote = connection.ops.quote_name
    table = quote(SearchCount._meta.db_table)
    columns = ["day", "area", "hour", "open_now", "facility", "walk", "synthetic"]
    names = ", ".join(quote(c) for c in columns)
    count = quote("count")
    sql = (
        f"INSERT INTO {table} ({names}, {count}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s) "  # noqa: S608 (our own names, quoted)
        f"ON CONFLICT ({names}) DO UPDATE SET {count} = {table}.{count} + EXCLUDED.{count}"
    )
    rows = [(*key, False, n) for key, n in sorted(counts.items())]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(sql, rows)


buffer = Buffer()
atexit.register(buffer.flush)


def record(request: HttpRequest, response: HttpResponse) -> None:
    """Count the search this response answered, if it did and the browser allows it."""
    found = getattr(response, "kept", None)
    if response.status_code != 200 or not isinstance(found, Facts):
        return
    if not settings.DEMAND_RECORDING or declines(request):
        return
    moment = local(timezone.now())
    buffer.add((moment.date(), found.area, moment.hour, found.open_now, found.facility, found.walk))
