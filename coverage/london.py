"""Coverage of London from the database: every postcode in the gazetteer (placed in the
ward drawn on the map that contains it), every published, operating contact point with a
location, and their hours in a chosen week. Results are kept in the database
(`WeekFigures`) under the data versions (an edit of any contact point, its hours, the
gazetteer or the wards makes them stale) and the week; the daily command (and
`manage.py coverage`) works them out ahead of the first visitor."""

from __future__ import annotations

import hashlib
import pickle
import threading
import time
import zlib
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as clock
from typing import Any

import numpy as np
from django.conf import settings
from django.db import transaction
from django.db.models import Q

from contactpoints import openings
from contactpoints.models import ContactPoint, ContactPointQuerySet, Status
from core import background, versions
from core.time import LONDON, local
from places.models import Area, AreaKind, Population, PopulationKind, Postcode

from . import engine
from .models import WeekFigures

HOURS = 168
DAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def method() -> engine.Method:
    return engine.Method(
        speed_m_per_min=settings.COVERAGE_WALKING_KMH * 1000 / 60,
        detour=settings.COVERAGE_DETOUR_FACTOR,
        thresholds=tuple(settings.COVERAGE_THRESHOLDS),
    )


@dataclass
class Map:
    """The wards (in a fixed order), their boroughs, and where each postcode is."""

    stamp: str
    ward_codes: list[str]
    ward_names: list[str]
    ward_borough: np.ndarray  # borough index per ward
    borough_codes: list[str]
    borough_names: list[str]
    homes: engine.Homes
    postcodes_outside: int  # in no ward drawn (kept out of every share)
    people: np.ndarray | None = None  # people per postcode, from a population file
    people_source: str = ""
    people_kind: str = ""  # PopulationKind
    people_listed: int = 0  # in the file
    people_unplaced: int = 0  # in areas with no postcode in the gazetteer


@dataclass
class London:
    """The figures for one week: within[ward, hour of week, threshold] and totals."""

    week: date  # the Monday
    result: engine.Result
    places: int
    seconds: float
    unrecorded: list[str] = field(default_factory=list)  # counted, but no hours that week
    # Why each of those is uncertain, by name ("hours that week not recorded; …").
    reasons: dict[str, str] = field(default_factory=dict)
    # Places that operated that week (or may have) but have no location, so no figure can
    # count them: "name (why)".
    unlocated: list[str] = field(default_factory=list)
    # The same week with every unrecorded place open all week: with `result` (those places
    # closed), the bounds the truth lies between. None when nothing is unrecorded.
    upper: engine.Result | None = None
    # The same walks counted in people (when a population file is loaded) …
    people: engine.Result | None = None
    made: datetime = field(default_factory=lambda: datetime.now(tz=LONDON))
    last_week: date | None = None  # for several weeks averaged: the Monday of the last
    # The places and their hours as worked out (one week only): a scenario starts from them.
    open: engine.Places | None = None
    keys: list[int] = field(default_factory=list)

    @property
    def period_label(self) -> str:
        if self.last_week is None or self.last_week == self.week:
            return f"the week of {self.week:%-d %B %Y}"
        weeks = (self.last_week - self.week).days // 7 + 1
        sunday = self.last_week + timedelta(days=6)
        return f"the {weeks} weeks from {self.week:%-d %B %Y} to {sunday:%-d %B %Y}"


def _gazetteer_stamp() -> str:
    """The gazetteer, wards and population as loaded now (their data version)."""
    return str(versions.current(versions.AREAS)[0])


_maps: dict[str, Map] = {}
_lock = threading.Lock()


def london_map() -> Map:
    """Wards and postcodes, built once per gazetteer and boundaries in each process."""
    stamp = _gazetteer_stamp()
    with _lock:
        found = _maps.get(stamp)
        if found is not None:
            return found
    boroughs = list(Area.objects.filter(kind=AreaKind.BOROUGH).order_by("code"))
    borough_index = {b.pk: i for i, b in enumerate(boroughs)}
    wards = list(Area.objects.filter(kind=AreaKind.WARD).order_by("code"))
    polygons, owner = [], []
    for i, ward in enumerate(wards):
        outline = ward.outline or {}
        parts = [outline.get("coordinates", [])]
        if outline.get("type") == "MultiPolygon":
            parts = outline["coordinates"]
        for rings in parts:
            if not rings:
                continue  # a ward stored without an outline: no postcode is placed in it
            polygons.append([np.asarray(ring, dtype=float)[:, :2] for ring in rings])
            owner.append(i)
    listed = list(Postcode.objects.order_by("pk").values_list("postcode", "latitude", "longitude"))
    rows = np.array([(lat, lon) for _code, lat, lon in listed], dtype=float).reshape(-1, 2)
    latitudes, longitudes = rows[:, 0], rows[:, 1]
    inside = engine.points_in_polygons(latitudes, longitudes, polygons)
    areas = np.where(inside >= 0, np.asarray([*owner, -1], dtype=np.int64)[inside], -1)
    people = _people([code for code, _lat, _lon in listed], areas, [w.code for w in wards])
    found = Map(
        stamp=stamp,
        ward_codes=[w.code for w in wards],
        ward_names=[w.name for w in wards],
        ward_borough=np.array(
            [borough_index.get(w.borough_id or 0, -1) for w in wards], dtype=np.int64
        ),
        borough_codes=[b.code for b in boroughs],
        borough_names=[b.name for b in boroughs],
        homes=engine.Homes(latitudes, longitudes, areas, np.ones(len(latitudes))),
        postcodes_outside=int((areas < 0).sum()),
        **people,
    )
    with _lock:
        _maps.clear()
        _maps[stamp] = found
    return found


def forget() -> None:
    """Drop what this process keeps (the map, the pairs): the next figures start afresh."""
    with _lock:
        _maps.clear()
        _pairs.clear()


def _unit(postcode: str, kind: str) -> str:
    outward, inward = postcode.split(" ")
    if kind == PopulationKind.DISTRICT:
        return outward
    if kind == PopulationKind.SECTOR:
        return f"{outward} {inward[0]}"
    return postcode


def _people(codes: list[str], areas: np.ndarray, ward_codes: list[str]) -> dict[str, Any]:
    """From a population file, if one is loaded: the people each postcode stands for — its
    area's people shared equally among the area's postcodes in the gazetteer (by ward: among
    those the ward's outline contains) — with what the file listed and what found no
    postcode."""
    rows = list(Population.objects.values_list("code", "kind", "people", "source"))
    if not rows:
        return {}
    kind, source = rows[0][1], rows[0][3]
    counts = {code: people for code, _kind, people, _source in rows}
    index = {code: i for i, code in enumerate(counts)}
    if kind == PopulationKind.WARD:
        at_ward = np.array([index.get(code, -1) for code in ward_codes], dtype=np.int64)
        units = np.where(areas >= 0, np.append(at_ward, -1)[areas], -1)
    else:
        units = np.array([index.get(_unit(code, kind), -1) for code in codes], dtype=np.int64)
    listed = np.array(list(counts.values()), dtype=float)
    postcodes_in = np.bincount(units[units >= 0], minlength=len(listed))
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(postcodes_in > 0, listed / postcodes_in, 0.0)
    weights = np.where(units >= 0, np.append(share, 0.0)[units], 0.0)
    return {
        "people": weights,
        "people_source": source,
        "people_kind": kind,
        "people_listed": int(listed.sum()),
        "people_unplaced": int(listed[postcodes_in == 0].sum()),
    }


def week_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def hour_moments(monday: date) -> list[datetime]:
    """The middle of each hour of the week (Monday 00:30 … Sunday 23:30), London time."""
    return [
        datetime.combine(monday + timedelta(days=d), clock(h, 30), tzinfo=LONDON)
        for d in range(7)
        for h in range(24)
    ]


def located_on(monday: date, historical: bool) -> ContactPointQuerySet:
    """The published places with a location that count for the week starting `monday`.
    This week (or a later one): those open for business now. A past week (`historical`):
    those that had not closed by then and had opened — by their recorded dates, whatever
    their status now — so that the lineage of closures and replacements is followed."""
    located = ContactPoint.objects.counted().filter(latitude__isnull=False, longitude__isnull=False)
    if not historical:
        return located.operating()
    return _then(located, monday)


def _then(places: ContactPointQuerySet, monday: date) -> ContactPointQuerySet:
    """Those of `places` that had opened and not closed in the week starting `monday`, by
    their recorded dates; a place whose dates are not recorded may have, and counts."""
    sunday = monday + timedelta(days=6)
    return places.exclude(status=Status.PLANNED).filter(
        Q(opened_on__isnull=True) | Q(opened_on__lte=sunday),
        Q(closed_on__isnull=True) | Q(closed_on__gt=monday),
        Q(closed_by__isnull=True) | Q(closed_by__gt=monday),
    )


def why_uncertain(place: ContactPoint, *, located: bool = True) -> str:
    """Why a place that counts for a past week cannot be counted exactly: each thing not
    recorded, said as it is (an opening date missing is not a closing date missing)."""
    parts = [] if located else ["no location recorded"]
    if located:
        parts.append("hours that week not recorded")
    if place.opened_on is None:
        parts.append("opening date not recorded")
    if place.status == Status.CLOSED and place.closed_on is None:
        latest = f", closed by {place.closed_by:%-d %B %Y} at the latest" if place.closed_by else ""
        parts.append(f"closing date not recorded{latest}")
    return "; ".join(parts)


def unlocated_on(monday: date, historical: bool) -> list[str]:
    """The counted places with no location that operated (or may have) that week: named,
    because no coverage figure can include them."""
    places = ContactPoint.objects.counted().filter(latitude__isnull=True)
    places = _then(places, monday) if historical else places.operating()
    return [f"{p.name} ({why_uncertain(p, located=False)})" for p in places.order_by("name")]


def places_open(
    monday: date, *, historical: bool = False
) -> tuple[engine.Places, list[int], dict[int, str]]:
    """The places that count for the week starting `monday` and, for each hour of it,
    whether each is open at the middle of that hour; and {pk: name} of those that count
    but have no hours recorded for that week (for a past week: their hours then are
    unknown)."""
    located = located_on(monday, historical)
    rows = located.values_list("pk", "latitude", "longitude", "name")
    coordinates = {
        pk: (float(lat), float(lon))  # type: ignore[arg-type]  # filtered: not null
        for pk, lat, lon, _name in rows
    }
    names = {pk: name for pk, _lat, _lon, name in rows}
    moments = np.array([m.timestamp() for m in hour_moments(monday)])
    start = datetime.combine(monday - timedelta(days=1), clock(0), tzinfo=LONDON)
    end = datetime.combine(monday + timedelta(days=7), clock(0), tzinfo=LONDON)
    keys = sorted(coordinates)
    # Who is open when: the one derivation (contactpoints.openings).
    sessions = openings.between(located, start, end)
    row_of = {pk: row for row, pk in enumerate(keys)}
    is_open = np.zeros((len(keys), HOURS), dtype=bool)
    lows = np.searchsorted(moments, sessions.starts, side="left")
    highs = np.searchsorted(moments, sessions.ends, side="left")
    for pk, lo, hi in zip(sessions.pks.tolist(), lows.tolist(), highs.tolist(), strict=True):
        is_open[row_of[pk], lo:hi] = True
    unrecorded = {pk: names[pk] for pk in sessions.without_sessions() if pk in names}
    places = engine.Places(
        np.array([coordinates[pk][0] for pk in keys]),
        np.array([coordinates[pk][1] for pk in keys]),
        is_open,
    )
    return places, keys, unrecorded


def all_week(places: engine.Places, keys: list[int], pks: Iterable[int]) -> engine.Places:
    """The same places with those of `pks` open every hour: the most they could have been."""
    is_open = places.open.copy()
    row_of = {pk: row for row, pk in enumerate(keys)}
    for pk in pks:
        is_open[row_of[pk]] = True
    return engine.Places(places.latitudes, places.longitudes, is_open)


def compute(monday: date, *, historical: bool = False) -> London:
    started = time.perf_counter()
    where = london_map()
    places, keys, unrecorded = places_open(monday, historical=historical)
    weightings = [where.homes.weights] + ([where.people] if where.people is not None else [])
    result, *people = engine.coverages(
        where.homes, places, len(where.ward_codes), weightings, method(), pairs_of(where, places)
    )
    # This week, a place with no session (a monthly pop-up, say) is simply closed.
    missing = unrecorded if historical else {}
    reasons, upper = {}, None
    if missing:
        reasons = {p.name: why_uncertain(p) for p in ContactPoint.objects.filter(pk__in=missing)}
        most = all_week(places, keys, missing)
        upper = engine.coverages(
            where.homes, most, len(where.ward_codes), weightings[:1], method(),
            pairs_of(where, places),
        )[0]  # fmt: skip
    counted = len(keys) - len(missing)
    seconds = time.perf_counter() - started
    return London(
        monday, result, counted, seconds, sorted(missing.values()),
        people=people[0] if people else None,
        open=places, keys=keys, reasons=reasons, unlocated=unlocated_on(monday, historical),
        upper=upper,
    )  # fmt: skip


_pairs: OrderedDict[str, tuple[np.ndarray, ...]] = OrderedDict()
PAIRS_KEPT = 2  # this week's and one other's: tens of MB each with a thousand places


def pairs_of(where: Map, places: engine.Places) -> tuple[np.ndarray, ...]:
    """Every postcode and place within walking reach (`engine.pairs_within`), kept in this
    process for the last few sets of places, so that a scenario over a week already worked
    out only pairs the places it adds."""
    reach = method().reach_m
    digest = hashlib.sha256(places.latitudes.tobytes() + places.longitudes.tobytes())
    key = f"{where.stamp}|{reach}|{digest.hexdigest()}"
    with _lock:
        found = _pairs.get(key)
        if found is not None:
            _pairs.move_to_end(key)
            return found
    found = engine.pairs_within(where.homes, places, reach)
    with _lock:
        _pairs[key] = found
        while len(_pairs) > PAIRS_KEPT:
            _pairs.popitem(last=False)
    return found


def _key(monday: date, historical: bool, version: tuple[int, ...] | None = None) -> str:
    m = method()
    version = version or versions.current(versions.PLACES, versions.AREAS)
    made_of = f"{version}|{monday}|{historical}|{m}"
    return hashlib.sha256(made_of.encode()).hexdigest()


def _basis(monday: date, historical: bool) -> str:
    """What a week's figures are made of apart from the contact points: the week, the
    method and the postcodes, wards and population (their data version). Figures with the
    same basis describe the same rows and columns, so earlier ones can stand in."""
    made_of = f"{versions.current(versions.AREAS)[0]}|{monday}|{historical}|{method()}"
    return hashlib.sha256(made_of.encode()).hexdigest()


# Sets of figures kept in the database (a week each, under its data versions), and in
# each process.
KEPT = 40
_weeks: OrderedDict[str, London] = OrderedDict()


def _this_week() -> date:
    return week_of(local(datetime.now(tz=LONDON)).date())


def _week(day: date | None, version: tuple[int, ...] | None = None) -> tuple[date, bool, str]:
    """The week containing `day` (default: this week): its Monday, whether it is worked out
    as it was (a week before this one), and where its figures are kept."""
    this_week = _this_week()
    monday = week_of(day or this_week)
    historical = monday < this_week
    return monday, historical, _key(monday, historical, version)


class NotReady(Exception):
    """A week's figures are not ready and no earlier ones can stand in for them."""


# Within `earlier_while_updating()`: the earlier figures that stood in so far.
_stand_ins: ContextVar[list[London] | None] = ContextVar("coverage_stand_ins", default=None)


@contextmanager
def earlier_while_updating() -> Iterator[None]:
    """Within: `london()` answers a week whose figures for the current contact points are
    not ready yet (being worked out in the background after an edit) with the latest
    figures kept for that week before the edit — same week, method, postcodes and wards —
    instead of working them out while a reader waits; it raises NotReady when there are
    none. `stand_ins()` lists the figures that stood in, so the page can say so."""
    token = _stand_ins.set([])
    try:
        yield
    finally:
        _stand_ins.reset(token)


def stand_ins() -> list[London]:
    """Within `earlier_while_updating()`, the earlier figures that have stood in so far
    (the same list, filled as the page is made); else none."""
    return _stand_ins.get() or []


def _earlier(monday: date, historical: bool) -> London | None:
    """The latest figures kept for this week under earlier contact point data, if any."""
    key = (
        WeekFigures.objects.filter(basis=_basis(monday, historical))
        .order_by("-made_at", "-pk")
        .values_list("key", flat=True)
        .first()
    )
    if key is None:
        return None
    # The figures themselves (a megabyte or so) are read only by a process that has no
    # copy: one that served the page before the edit still holds them.
    return _kept(key, lambda: _stored(key))


def _stored(key: str) -> London:
    return _unpacked(WeekFigures.objects.values_list("data", flat=True).get(key=key))


def _unpacked(data: bytes) -> London:
    """Figures as `WeekFigures.data` keeps them."""
    return pickle.loads(zlib.decompress(data))  # type: ignore[no-any-return]  # noqa: S301 (our own figures)


def _kept(key: str, make: Callable[[], London]) -> London:
    """This process's copy of the figures kept under `key`, made by `make()` if it has none."""
    with _lock:
        found = _weeks.get(key)
    if found is None:
        found = make()
        with _lock:
            _weeks[key] = found
            while len(_weeks) > 8:
                _weeks.popitem(last=False)
    return found


def not_ready(days: Iterable[date | None]) -> dict[date | None, str]:
    """Those of these weeks whose figures cannot be read without working them out, each
    with where its figures will be kept; in two queries whatever their number (this is
    asked on every request that reads figures)."""
    version = versions.current(versions.PLACES, versions.AREAS)
    keys = {day: _week(day, version)[2] for day in days}
    with _lock:
        missing = {day: key for day, key in keys.items() if key not in _weeks}
    if not missing:
        return {}
    stored = set(WeekFigures.objects.filter(key__in=missing.values()).values_list("key", flat=True))
    return {day: key for day, key in missing.items() if key not in stored}


def prepare(days: list[date | None]) -> bool | None:
    """Make sure the figures of these weeks are ready or on their way: None when all are
    ready now; True when they are being worked out (in the background, core.background);
    False when too much is being worked out already to start."""
    missing = not_ready(days)
    if not missing:
        return None
    job = "coverage:" + hashlib.sha256("|".join(missing.values()).encode()).hexdigest()
    started = background.start(job, lambda: [london(day) for day in missing])
    if started and not not_ready(missing):
        return None  # done already (BACKGROUND_INLINE, or quicker than this check)
    return started


def mondays(first: date, last: date) -> list[date]:
    found, monday = [], week_of(first)
    while monday <= week_of(last):
        found.append(monday)
        monday += timedelta(days=7)
    return found


def london(day: date | None = None) -> London:
    """The figures for the week containing `day` (default: this week): this process's copy,
    else the database's (`WeekFigures`), else worked out now and kept in both — or, within
    `earlier_while_updating()`, the week's earlier figures. A week before this one is
    worked out as it was (`located_on`)."""
    monday, historical, key = _week(day)
    with _lock:
        found = _weeks.get(key)
    if found is not None:
        return found
    stored = WeekFigures.objects.filter(key=key).values_list("data", flat=True).first()
    if stored is not None:
        return _kept(key, lambda: _unpacked(stored))
    stand_ins = _stand_ins.get()
    if stand_ins is not None:
        earlier = _earlier(monday, historical)
        if earlier is None:
            raise NotReady(monday)
        stand_ins.append(earlier)
        return earlier

    def work_out() -> London:
        figures = compute(monday, historical=historical)
        _store(key, _basis(monday, historical), figures)
        return figures

    return _kept(key, work_out)


def _store(key: str, basis: str, figures: London) -> None:
    data = zlib.compress(pickle.dumps(figures, protocol=pickle.HIGHEST_PROTOCOL), 1)
    WeekFigures.objects.bulk_create(
        [WeekFigures(key=key, basis=basis, data=data)], ignore_conflicts=True
    )
    old = WeekFigures.objects.order_by("-made_at").values_list("pk", flat=True)[KEPT:]
    WeekFigures.objects.filter(pk__in=list(old)).delete()


def hours_changed(*, contact_point_ids: list[int]) -> None:
    """Places' hours or status were written in this transaction (told by contactpoints.
    services, through settings.HOURS_LISTENERS): once it commits, start working out the
    weeks the pages show, in the background, so they are usually ready before anyone
    asks (meanwhile readers get the figures from before, `earlier_while_updating`). Only
    where those weeks have been worked out before for these wards: nothing is started for
    a site that shows no coverage."""
    if WeekFigures.objects.filter(basis=_basis(_this_week(), False)).exists():
        days = [era.day for era in eras()]
        transaction.on_commit(lambda: prepare(days))


def warm(today: date) -> int:
    """Work out this week's figures and the weeks compared with it, ahead of readers;
    returns how many weeks are ready."""
    days = [era.day or today for era in eras()]
    for day in days:
        london(day)
    return len(days)


MAX_WEEKS = 26


def london_range(first: date, last: date) -> London:
    """The weeks from the one containing `first` to the one containing `last`, averaged:
    each hour of the week's share is the mean of that hour in every week."""
    weeks_of = mondays(first, last)
    weeks = [london(m) for m in weeks_of]
    if len(weeks) == 1:
        return weeks[0]

    def mean(results: list[engine.Result | None]) -> engine.Result | None:
        if not results or any(r is None for r in results):
            return None
        found = [r for r in results if r is not None]
        within = np.mean([r.within for r in found], axis=0)
        return engine.Result(within, found[0].total, found[0].thresholds)

    result = mean([w.result for w in weeks])
    assert result is not None
    return London(
        week=weeks_of[0],
        result=result,
        people=mean([w.people for w in weeks]),
        places=max(w.places for w in weeks),
        seconds=sum(w.seconds for w in weeks),
        unrecorded=sorted({name for w in weeks for name in w.unrecorded}),
        last_week=weeks_of[-1],
    )


@dataclass(frozen=True)
class Era:
    label: str
    day: date | None  # None: this week


def eras() -> list[Era]:
    """The weeks compared on the pages (settings.COVERAGE_COMPARE), oldest first, then
    this week."""
    found = [Era(label, date.fromisoformat(day)) for label, day in settings.COVERAGE_COMPARE]
    return [*found, Era("This week", None)]
