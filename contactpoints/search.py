"""The nearest search, once, for the finder page, the embeddable widget, the API and a
closed place's alternatives: which contact points, with which filters, and — when none of
those found is open now — the nearest one that is. Each caller only describes the answer
in its own format.

Ranking and filtering happen in memory (`nearby`); the places found are then loaded with
their hours, and kept in this process under their revision (contactpoints.revisions), so
a search for places already loaded reads nothing but the data version, and after an edit
only the place that changed is loaded again.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

import numpy as np
from django.conf import settings
from django.db.models.base import ModelState
from django.http import HttpRequest

from core import hooks
from places.geocoding import Place

from . import nearby
from .models import ContactPoint, ContactPointQuerySet

_LOADED_KEPT = 2_000  # places kept loaded per process (a few kilobytes each)


@dataclass(frozen=True)
class Found:
    place: Place
    results: list[tuple[ContactPoint, float]]  # nearest first, with metres
    # When no result is open now (and no time was asked for): the nearest place open now.
    nearest_open: tuple[ContactPoint, float] | None
    within_km: int  # nothing further away is looked at
    # {pk: facilities asked for that are not confirmed there}: such places are listed in
    # distance order, labelled, never dropped.
    not_confirmed: dict[int, list[str]] = field(default_factory=dict)
    # When the nearest result is not confirmed to have what was asked for: the nearest
    # place where it is (and open then, when a time was asked for).
    nearest_confirmed: tuple[ContactPoint, float] | None = None
    # The metres to the nearest place of any kind open at the moment searched for (None:
    # none within reach), when the search could tell without another pass: no facility or
    # kind asked for. Search demand records it (`demand.recorder.facts`).
    nearest_open_m: float | None = None
    nearest_open_known: bool = False
    version: int = 0  # the data version of the places found

    @property
    def shown(self) -> list[ContactPoint]:
        """Every place the answer describes."""
        places = [cp for cp, _distance in self.results]
        places += [self.nearest_open[0]] if self.nearest_open else []
        return places + ([self.nearest_confirmed[0]] if self.nearest_confirmed else [])


def nearest(
    place: Place,
    *,
    now: datetime,
    open_at: datetime | None = None,
    facilities: Sequence[str] = (),
    kind: str | None = None,
    limit: int = 10,
) -> Found:
    """The `limit` published, operating contact points nearest `place` with these
    facilities (and of this kind), open at `open_at` if given."""
    index = nearby.index()
    latitude, longitude = place.coordinates
    within = settings.SEARCH_WITHIN_KM * 1000
    chosen = index.select(facilities=facilities, kind=kind)
    if open_at is not None:
        chosen &= index.open_at(open_at)
    found = index.nearest(latitude, longitude, chosen, limit=limit, within_m=within)
    also: list[tuple[float, int]] = []
    open_m: float | None = None
    if found and open_at is None:
        open_now = index.open_at(now)
        open_found = [d for (d, _pk), is_open in
                      zip(found, open_now[index.rows_of(pk for _d, pk in found)], strict=True)
                      if is_open]  # fmt: skip
        if open_found:
            open_m = open_found[0]  # nearer than it, none is open: it would be listed
        else:
            also = index.nearest(latitude, longitude, chosen & open_now, limit=1, within_m=within)
            open_m = also[0][0] if also else None
    elif found:
        open_m = found[0][0]  # each is open at the time asked for
    unsure = index.not_confirmed([pk for _d, pk in found], facilities) if facilities else {}
    sure: list[tuple[float, int]] = []
    if found and found[0][1] in unsure:
        strict = index.select(facilities=facilities, kind=kind, confirmed_only=True)
        if open_at is not None:
            strict &= index.open_at(open_at)
        sure = index.nearest(latitude, longitude, strict, limit=1, within_m=within)
    loaded = load([pk for _d, pk in found + also + sure], index.version)
    return Found(
        place,
        [(loaded[pk], distance) for distance, pk in found],
        (loaded[also[0][1]], also[0][0]) if also else None,
        settings.SEARCH_WITHIN_KM,
        not_confirmed=unsure,
        nearest_confirmed=(loaded[sure[0][1]], sure[0][0]) if sure else None,
        nearest_open_m=open_m,
        nearest_open_known=not facilities and not kind,
        version=index.version,
    )


def alternatives(
    cp: ContactPoint, now: datetime, limit: int = 3
) -> tuple[list[tuple[ContactPoint, float]], bool]:
    """For a place that is closed: the nearest others open now or, if none is within
    reach, the nearest others still operating; and whether they are open now."""
    assert cp.coordinates is not None
    index = nearby.index()
    others = index.select(exclude=[cp.pk])
    within = settings.SEARCH_WITHIN_KM * 1000
    found = index.nearest(
        *cp.coordinates, others & index.open_at(now), limit=limit, within_m=within
    )
    open_now = bool(found)
    if not open_now:
        found = index.nearest(*cp.coordinates, others, limit=limit, within_m=within)
    loaded = load([pk for _d, pk in found], index.version)
    return [(loaded[pk], distance) for distance, pk in found], open_now


class _Loaded:
    """Places loaded with their hours, by (primary key, revision), least recently used
    first out. Each caller gets its own shallow copy, so nothing it sets on one is seen by
    the next request; the hours themselves are shared and only read."""

    def __init__(self, kept: int) -> None:
        self.kept = kept
        self.places: OrderedDict[tuple[int, int | str], ContactPoint] = OrderedDict()
        self.lock = threading.Lock()
        empty = np.zeros(0, dtype=np.int64)
        self.revisions: tuple[int, np.ndarray, np.ndarray] = (0, empty, empty)

    def _revisions(self, version: int) -> tuple[np.ndarray, np.ndarray]:
        """Every place's primary key (in order) and revision, read once per data version
        (as two arrays of 64-bit numbers: 1.6 MB at 100,000 places). Read
        before the places it keys are loaded, so a place kept under a revision is never
        older than that revision (revisions are random: a later one never repeats an
        earlier one)."""
        seen_at, pks, revisions = self.revisions
        if seen_at != version:
            rows = ContactPoint.objects.order_by("pk").values_list("pk", "revision")
            both = np.array(list(rows), dtype=np.int64).reshape(-1, 2)
            pks, revisions = both[:, 0].copy(), both[:, 1].copy()
            self.revisions = (version, pks, revisions)
        return pks, revisions

    def _keys(self, wanted: set[int], version: int) -> dict[int, tuple[int, int | str]]:
        """{pk: the key its loaded copy is kept under}: its revision, or for a place newer
        than the revisions read, the data version alone."""
        pks, revisions = self._revisions(version)
        asked = np.fromiter(wanted, dtype=np.int64, count=len(wanted))
        at = np.minimum(np.searchsorted(pks, asked), max(len(pks) - 1, 0))
        keys: dict[int, tuple[int, int | str]] = {}
        for pk, i in zip(asked.tolist(), at.tolist(), strict=True):
            known = len(pks) and pks[i] == pk
            keys[pk] = (pk, int(revisions[i]) if known else f"version {version}")
        return keys

    def get(self, pks: Iterable[int], version: int) -> dict[int, ContactPoint]:
        wanted = set(pks)
        keys = self._keys(wanted, version)
        found: dict[int, ContactPoint] = {}
        with self.lock:
            for pk, key in keys.items():
                cp = self.places.get(key)
                if cp is not None:
                    self.places.move_to_end(key)
                    found[pk] = cp
        missing = wanted - found.keys()
        if missing:
            fresh = {cp.pk: cp for cp in ContactPoint.objects.filter(pk__in=missing).with_hours()}
            for cp in fresh.values():
                # Worked out once, on the kept place: every copy handed out starts with them
                # (hours and facts are only read; the address of its page cannot change
                # within a revision).
                cp.schedule()
                cp.fact_checks_by_fact()
                cp.__dict__["_url_memo"] = cp.get_absolute_url()
                # What each format notes of it once (`noted`): the copies share this
                # dictionary.
                cp.__dict__["kept"] = {}
            with self.lock:
                for pk, cp in fresh.items():
                    self.places[keys[pk]] = cp
                while len(self.places) > self.kept:
                    self.places.popitem(last=False)
            found |= fresh
        return {pk: _copy(cp) for pk, cp in found.items()}


def _copy(cp: ContactPoint) -> ContactPoint:
    """A shallow copy of a kept place, as `copy.copy` makes one (its own attributes and
    model state, sharing the values they hold) without going through pickling's protocol:
    a tenth of the time, for ten places a search."""
    twin = ContactPoint.__new__(ContactPoint)
    twin.__dict__.update(cp.__dict__)
    state = ModelState.__new__(ModelState)
    state.__dict__.update(cp._state.__dict__)
    state.fields_cache = dict(cp._state.fields_cache)
    twin._state = state
    return twin


_loaded = _Loaded(_LOADED_KEPT)


def load(pks: Iterable[int], version: int) -> dict[int, ContactPoint]:
    """These places with their hours, as of data version `version`."""
    return _loaded.get(pks, version)


def load_all(places: ContactPointQuerySet, version: int) -> list[ContactPoint]:
    """These places with their hours, in the queryset's order: from the places kept
    loaded while they fit (a list of every place, after an edit, loads only the one that
    changed), straight from the database when there are more than this process keeps."""
    pks = list(places.values_list("pk", flat=True))
    if len(pks) > _LOADED_KEPT:
        return list(places.with_hours())
    by_pk = load(pks, version)
    return [by_pk[pk] for pk in pks]


Noted = TypeVar("Noted")


def noted(cp: ContactPoint, name: str, make: Callable[[], Noted]) -> Noted:
    """What `make()` gives for this place, under `name`: worked out once per revision
    for a place this module keeps loaded (`load`; every request that shows it shares the
    note, so a search from a new address only ranks and assembles), and each time for any
    other place. What is noted is only read."""
    kept = cp.__dict__.get("kept")
    if kept is None:
        return make()
    if name not in kept:
        kept[name] = make()
    return kept[name]  # type: ignore[no-any-return]


def noted_until(
    cp: ContactPoint, name: str, now: datetime, make: Callable[[], tuple[Noted, datetime]]
) -> Noted:
    """Like `noted`, for what holds only for a while: `make()` gives the value at `now`
    and the first moment it no longer holds. Reused from the moment it was worked out
    until that moment; worked out again for any `now` outside that span. A place this
    module does not keep is loaded for one request alone, so it is noted on the place
    itself, for that request's other readers (its page, then when the page changes)."""
    kept = cp.__dict__.get("kept")
    if kept is None:
        kept = cp.__dict__.setdefault("noted_here", {})
    found = kept.get(f"until|{name}")
    if found is None or not found[0] <= now < found[1]:
        value, until = make()
        found = (now, until, value)
        kept[f"until|{name}"] = found  # one assignment: concurrent readers see either
    return found[2]  # type: ignore[no-any-return]


def answered(
    request: HttpRequest, found: Found, *, moment: datetime, open_now: bool, facility: bool
) -> None:
    """A search was answered: tell the apps that listen (settings.SEARCH_LISTENERS — the
    search demand counts), who decide what to keep of it (docs/demand.md)."""
    hooks.tell(
        "SEARCH_LISTENERS", "search_answered", request=request, place=found.place,
        moment=moment, open_now=open_now, facility=facility,
        nearest_open_m=found.nearest_open_m if found.nearest_open_known else ...,
    )  # fmt: skip
