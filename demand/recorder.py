"""Counting finder searches without knowing who searched.

The finder, the widget and the API tell this module of every search they answer
(`search_answered`, named in settings.SEARCH_LISTENERS: `contactpoints.search` never imports
demand). Its facts — the postcode district searched (or, for a location or a place name, a
grid square of about 2 km), what was asked for, and the walk to the nearest contact point
open at the moment searched for, in bands — are worked out then and added to the day's
row by one upsert, in the request: nothing waits in memory, so nothing is lost when a
worker stops.

Nothing about the person is kept: no address, full postcode, IP address, cookie or exact
time (the hour only). Requests with Global Privacy Control (`Sec-GPC: 1`) or Do Not Track
(`DNT: 1`) are not counted at all.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import date, datetime
from types import EllipsisType

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpRequest
from django.utils import timezone

from contactpoints import nearby
from core import counting
from core.time import local
from places import postcodes
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
    if place.source == "postcode":
        return postcodes.outward_code(place.label)
    if place.source == "district":
        return postcodes.compact(place.label.split(" (")[0])
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


def facts(
    place: Place, *, moment: datetime, open_now: bool, facility: bool,
    nearest_open_m: float | EllipsisType | None = ...,
) -> Facts:  # fmt: skip
    """A search's facts: worked out when its answer is computed (`moment`: the time searched
    for, or now), from the in-memory index — no query. `nearest_open_m`: the metres to the
    nearest place open then (None: none within reach), when the search found it already."""
    if nearest_open_m is ...:
        index = nearby.index()
        chosen = index.select() & index.open_at(moment)
        found = index.nearest(
            place.latitude, place.longitude, chosen, limit=1,
            within_m=settings.SEARCH_WITHIN_KM * 1000,
        )  # fmt: skip
        nearest_open_m = found[0][0] if found else None
    return Facts(area_of(place), open_now, facility, band(nearest_open_m))


def declines(request: HttpRequest) -> bool:
    """The browser asks not to be tracked: Global Privacy Control or Do Not Track."""
    return request.headers.get("Sec-GPC", "").strip() == "1" or (
        request.headers.get("DNT", "").strip() == "1"
    )


def count(key: tuple[date, str, int, bool, bool, str], n: int = 1) -> None:
    """Add `n` searches to a day's row: one upsert."""
    quote = connection.ops.quote_name
    table = quote(SearchCount._meta.db_table)
    columns = ["day", "area", "hour", "open_now", "facility", "walk", "synthetic"]
    names = ", ".join(quote(c) for c in columns)
    counted = quote("count")
    sql = (
        f"INSERT INTO {table} ({names}, {counted}) "
        "SELECT %s, %s, %s, %s, %s, %s, %s, %s {relaxed} WHERE true "
        f"ON CONFLICT ({names}) DO UPDATE SET {counted} = {table}.{counted} + EXCLUDED.{counted}"
    )
    counting.add(sql, [*key, False, n])


def search_answered(
    *, request: HttpRequest, place: Place, moment: datetime, open_now: bool, facility: bool,
    nearest_open_m: float | EllipsisType | None = ...,
) -> None:  # fmt: skip
    """A search was answered (a 200): count it, if counting is on and the browser allows.
    `moment`: the time searched for, or now; `nearest_open_m` as `facts` takes it."""
    if not settings.DEMAND_RECORDING or declines(request):
        return
    found = facts(place, moment=moment, open_now=open_now, facility=facility,
                  nearest_open_m=nearest_open_m)  # fmt: skip
    now = local(timezone.now())
    try:
        # One statement (a savepoint inside a transaction): a failed count leaves the
        # answer alone. It does not wait for the disk (core/counting.py).
        count((now.date(), found.area, now.hour, found.open_now, found.facility, found.walk))
    except DatabaseError:
        # The resident still gets their answer; this one search is not counted.
        logger.warning("A search count could not be written; that search is not counted.")
