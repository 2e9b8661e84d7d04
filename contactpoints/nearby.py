"""Where the nearest search looks: every published, operating contact point with a location,
held in each process as NumPy arrays, so that a search — with any facility, kind or "open
at" — is a few vectorised passes over them and needs no SQL beyond the data version.

Why in memory: without PostGIS the database has no nearest-neighbour index. Widening a
bounding box in SQL took several queries a search, and "open now" meant reading the hours
of every candidate in each ring (seconds at 03:00 with 10,000 places, when none is open).
A scan of 100,000 coordinates takes about a millisecond, wherever on Earth the search is.

Kept under the `places` data version (`core.versions`), which changes with any edit of a
contact point, its hours or its facts: an edit is seen by the next search in every worker.

"Open at": for each London day asked about, the sessions of every place that can be open
during it (those of the day before, for overnight sessions, and of the day) are held as
arrays of (row, start, end), from the same `hours.Schedule` the pages read; who is open at
a moment is then one comparison over them (checked against `open_pks` in the tests).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

import numpy as np
from django.conf import settings

from core import versions

from . import geo, openings
from .hours import local
from .models import FACILITIES, Basis, ContactPoint, ContactPointQuerySet, FactCheck

# A great-circle distance differs from the geodesic by less than geo.SPHERE_ERROR. Distances
# read from cosines are off by up to about 0.2 m near zero (float rounding): a metre of
# slack keeps every place that could be among the nearest.
_SLACK_M = 1.0
_DAYS_KEPT = 4  # today, tomorrow and a couple of days asked about through "open at"
_FIRST_BAND_M = 1_000.0  # the first band of latitudes looked at: ±1 km


@dataclass(eq=False)
class _Day:
    """Every session of a London day and the day before, as arrays: the row of the place,
    start and end (POSIX seconds); and who is open in each stretch between two consecutive
    openings or closings, as worked out."""

    rows: np.ndarray
    starts: np.ndarray
    ends: np.ndarray
    boundaries: np.ndarray = field(init=False)
    open_in: dict[int, np.ndarray] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.boundaries = np.unique(np.concatenate((self.starts, self.ends)))


@dataclass(eq=False)
class Index:
    version: int
    pks: np.ndarray  # int64, in the rows' order (by latitude)
    latitudes: np.ndarray  # degrees, ascending
    longitudes: np.ndarray
    xyz: np.ndarray  # (n, 3): points on the unit sphere, for chord distances
    kinds: np.ndarray  # the kind of each, as text
    facilities: dict[str, np.ndarray]  # field name: recorded as present
    # field name: whether what is recorded is confirmed (checked on site or from a named
    # source); where it is not, the facility is not known, whatever is recorded.
    known: dict[str, np.ndarray] = field(default_factory=dict)
    _days: OrderedDict[date, _Day] = field(default_factory=OrderedDict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _by_pk: np.ndarray | None = None  # rows in primary key order, made when first needed

    @classmethod
    def build(cls, version: int) -> Index:
        names = [name for name, _label in FACILITIES]
        rows = list(
            _located()
            .order_by("latitude", "pk")
            .values_list("pk", "latitude", "longitude", "kind", *names)
        )
        columns = list(zip(*rows, strict=True)) if rows else [()] * (4 + len(names))
        pks = np.array(columns[0], dtype=np.int64)
        confirmed = set(
            FactCheck.objects.filter(contact_point__in=_located(), fact__in=names)
            .exclude(basis=Basis.UNCONFIRMED)
            .values_list("contact_point_id", "fact")
        )
        known = {
            # The rule of ContactPoint.facilities: yes or no only where a fact check says
            # how it is known.
            name: np.array([(pk, name) in confirmed for pk in pks.tolist()], dtype=bool)
            for name in names
        }
        latitudes = np.array(columns[1], dtype=float)
        longitudes = np.array(columns[2], dtype=float)
        return cls(
            version=version,
            pks=pks,
            latitudes=latitudes,
            longitudes=longitudes,
            xyz=_unit_vectors(latitudes, longitudes),
            kinds=np.array(columns[3], dtype=object),
            facilities={name: np.array(columns[4 + i], dtype=bool) for i, name in enumerate(names)},
            known=known,
        )

    def not_confirmed(self, pks: Sequence[int], facilities: Sequence[str]) -> dict[int, list[str]]:
        """{pk: the facilities asked for that are not confirmed there}, for these places."""
        rows = self.rows_of(pks)
        found: dict[int, list[str]] = {}
        for pk, row in zip(self.pks[rows].tolist(), rows.tolist(), strict=True):
            missing = [name for name in facilities if not self.known[name][row]]
            if missing:
                found[pk] = missing
        return found

    def __len__(self) -> int:
        return len(self.pks)

    def rows_of(self, pks: Iterable[int]) -> np.ndarray:
        """Rows of those of these primary keys that are in the index."""
        if self._by_pk is None:
            self._by_pk = np.argsort(self.pks, kind="stable")
        ordered = self.pks[self._by_pk]
        wanted = np.fromiter(pks, dtype=np.int64)
        at = np.minimum(np.searchsorted(ordered, wanted), max(len(ordered) - 1, 0))
        if not len(ordered):
            return at[:0]
        return self._by_pk[at[ordered[at] == wanted]]

    def open_at(self, when: datetime) -> np.ndarray:
        """For each row: open at `when` (read only; shared by every search in the same
        stretch of time)."""
        day = self._day(local(when).date())
        moment = when.timestamp()
        # Between two consecutive openings or closings nobody opens or closes: the answer
        # is worked out once per stretch.
        stretch = int(np.searchsorted(day.boundaries, moment, side="right"))
        with self._lock:
            found = day.open_in.get(stretch)
        if found is None:
            found = np.zeros(len(self), dtype=bool)
            found[day.rows[(day.starts <= moment) & (moment < day.ends)]] = True
            found.flags.writeable = False
            with self._lock:
                day.open_in[stretch] = found
        return found

    def _day(self, day: date) -> _Day:
        with self._lock:
            found = self._days.get(day)
            if found is not None:
                self._days.move_to_end(day)
                return found
        # Who is open when: the one derivation (contactpoints.openings), mapped to rows.
        sessions = openings.around(day)
        where = dict(zip(self.pks.tolist(), range(len(self)), strict=True))
        rows = np.array([where.get(pk, -1) for pk in sessions.pks.tolist()], dtype=np.int64)
        indexed = rows >= 0  # not located, or published since the index was built: skipped
        found = _Day(rows[indexed], sessions.starts[indexed], sessions.ends[indexed])
        with self._lock:
            self._days[day] = found
            while len(self._days) > _DAYS_KEPT:
                self._days.popitem(last=False)
        return found

    def select(
        self,
        *,
        facilities: Sequence[str] = (),
        kind: str | None = None,
        open_at: datetime | None = None,
        exclude: Iterable[int] = (),
        confirmed_only: bool = False,
    ) -> np.ndarray:
        """For each row: whether it answers these filters. A place where a facility asked
        for is not known (not confirmed) answers too, and is labelled by the caller
        (`not_confirmed`): a filter never silently drops it. Only a confirmed "no" is left
        out — or, with `confirmed_only`, anything but a confirmed "yes"."""
        unknown = set(facilities) - set(self.facilities)
        if unknown:
            raise ValueError(f"unknown facilities: {sorted(unknown)}")
        chosen = np.ones(len(self), dtype=bool)
        for name in facilities:
            yes = self.facilities[name] & self.known[name]
            chosen &= yes if confirmed_only else (yes | ~self.known[name])
        if kind:
            chosen &= self.kinds == kind
        if open_at is not None:
            chosen &= self.open_at(open_at)
        chosen[self.rows_of(exclude)] = False
        return chosen

    def nearest(
        self,
        latitude: float,
        longitude: float,
        chosen: np.ndarray,
        *,
        limit: int,
        within_m: float,
    ) -> list[tuple[float, int]]:
        """The `limit` chosen rows nearest the point and within `within_m`, as (metres,
        primary key): exactly a brute-force geodesic ranking (ties by primary key).

        Great-circle angles to the chosen rows in a band of latitudes around the point pick
        the few that could be among the nearest given geo.SPHERE_ERROR; only those get a
        geodesic distance."""
        if limit <= 0 or not chosen.any():
            return []
        origin = _unit_vectors(np.array([latitude]), np.array([longitude]))[0]
        reach = within_m / (1 - geo.SPHERE_ERROR) + _SLACK_M
        # Rows are in latitude order: a band of latitudes is a slice. Every point within
        # `half` metres (great circle) of the origin lies in the band ±half; the band is
        # widened until the candidates that could be among the nearest all lie in it.
        half = _FIRST_BAND_M
        while True:
            dlat = np.degrees(half / geo.EARTH_MEAN_RADIUS_M)
            lo, hi = np.searchsorted(self.latitudes, [latitude - dlat, latitude + dlat])
            rows = lo + np.flatnonzero(chosen[lo:hi])
            # The cosine of the angle to each (one matrix-vector product): the larger, the
            # nearer. Converted to metres only for the few that matter.
            cosines = self.xyz[rows] @ origin
            reachable = cosines >= _cosine_of(reach)
            rows, cosines = rows[reachable], cosines[reachable]
            whole = (lo == 0 and hi == len(self)) or half >= reach
            if len(rows) >= limit:
                kth = np.partition(cosines, len(cosines) - limit)[len(cosines) - limit]
                kth_m = float(np.arccos(min(1.0, kth))) * geo.EARTH_MEAN_RADIUS_M
                cutoff = kth_m * (1 + geo.SPHERE_ERROR) / (1 - geo.SPHERE_ERROR) + _SLACK_M
                if cutoff <= half or whole:
                    rows = rows[cosines >= _cosine_of(cutoff)]
                    break
            elif whole:
                break
            half *= 4
        candidates = [
            (int(self.pks[row]), float(self.latitudes[row]), float(self.longitudes[row]))
            for row in rows
        ]
        ranked = geo.rank_nearest((latitude, longitude), candidates, len(candidates))
        return [(metres, pk) for metres, pk in ranked if metres <= within_m][:limit]


def _located() -> ContactPointQuerySet:
    return (
        ContactPoint.objects.published()
        .operating()
        .filter(latitude__isnull=False, longitude__isnull=False)
    )


def _cosine_of(metres: float) -> float:
    """The cosine of the angle a great-circle distance subtends (-1 beyond the antipode)."""
    return float(np.cos(min(np.pi, metres / geo.EARTH_MEAN_RADIUS_M)))


def _unit_vectors(latitudes: np.ndarray, longitudes: np.ndarray) -> np.ndarray:
    phi, lam = np.radians(latitudes), np.radians(longitudes)
    return np.column_stack((np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)))


_current: Index | None = None
_building = threading.Lock()


def index() -> Index:
    """The index of the current data version (one cache read when it is up to date)."""
    global _current
    version = versions.current(versions.PLACES)[0]
    if _current is None or _current.version != version:
        with _building:
            if _current is None or _current.version != version:
                _current = Index.build(version)
    return _current


def nearest(
    latitude: float,
    longitude: float,
    *,
    limit: int = 10,
    open_at: datetime | None = None,
    facilities: Sequence[str] = (),
    kind: str | None = None,
    exclude: Iterable[int] = (),
    within_m: float | None = None,
) -> list[tuple[float, int]]:
    """(metres, primary key) of the `limit` published, operating contact points nearest
    the point with these filters, within `within_m` (default `settings.SEARCH_WITHIN_KM`),
    nearest first."""
    found = index()
    chosen = found.select(facilities=facilities, kind=kind, open_at=open_at, exclude=exclude)
    within = float(within_m if within_m is not None else settings.SEARCH_WITHIN_KM * 1000)
    return found.nearest(latitude, longitude, chosen, limit=limit, within_m=within)
