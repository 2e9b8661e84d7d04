"""Exports worked out when the data changes, not when someone asks: each place's OSM
`opening_hours` (the costliest part of an API answer — some 400 days of schedule) is kept
in the database (`PreparedHours`) under a key made of everything it depends on: the
place's hours and status, the day, the bank holiday list and the export's format. An edit
to one place gives that place a new key and leaves every other place's value in use; a
new day gives new keys, which `manage.py daily` (and `hours_changed`, after an edit)
works out ahead of readers. A reader looks values up in one query and works out only
what is missing, keeping it for the next.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from datetime import date, timedelta
from functools import cache, partial

from core.memo import BoundedMemo

from . import bank_holidays, exports, hours, search
from .models import ContactPoint, PreparedHours, Status

# Change when the export's wording or rules change: every kept value is then made anew.
FORMAT = "osm-1"
# Values kept in each process, by key: about 5,000 of about 1 kB.
_memo: BoundedMemo[str] = BoundedMemo(5 * 2**20, len)


@cache
def _holidays_stamp() -> str:
    holidays = sorted(bank_holidays.published().items())
    return hashlib.sha256(repr(holidays).encode()).hexdigest()[:16]


def key_of(cp: ContactPoint, today: date) -> str:
    """What a place's value is made of (uses the prefetched hours: `with_hours`); noted on
    a place kept loaded, for the day (`search.noted`)."""

    def made() -> str:
        line = cp.status_line() if not cp.is_operating else ""
        return _key(cp.status, line, cp.schedule(), today)

    return search.noted(cp, f"osm-key|{today}", made)


def _key(status: str, line: str, schedule: hours.Schedule, today: date) -> str:
    # The hours as a set: two reads of the same rows may list rules that tie on the
    # database's order (same weekday and opening time) either way round.
    rules = sorted(map(repr, schedule.rules))
    exceptions = sorted(map(repr, schedule.exceptions))
    made_of = (
        f"{FORMAT}|{today}|{_holidays_stamp()}|{status}|{line}|{rules}|{exceptions}|"
        f"{schedule.closed_on_bank_holidays}"
    )
    return hashlib.sha256(made_of.encode()).hexdigest()


def osm_hours(places: Sequence[ContactPoint], today: date) -> dict[int, str]:
    """{pk: the OSM opening_hours value from `today`} for these places (with their hours
    prefetched): from this process, then the database, working out only what neither
    has."""
    wanted: dict[int, tuple[str, Callable[[], str]]] = {
        cp.pk: (key_of(cp, today), partial(cp.osm_opening_hours, today)) for cp in places
    }
    return _values(wanted, today)


def _values(wanted: dict[int, tuple[str, Callable[[], str]]], today: date) -> dict[int, str]:
    """{pk: value} for {pk: (key, how to work the value out)}."""
    keys = {pk: key for pk, (key, _make) in wanted.items()}
    found = {key: value for key in keys.values() if (value := _memo.get(key)) is not None}
    missing = set(keys.values()) - set(found)
    if missing:
        found |= dict(PreparedHours.objects.filter(key__in=missing).values_list("key", "osm"))
    made = []
    for key, make in wanted.values():
        if key not in found:
            found[key] = make()
            made.append(PreparedHours(key=key, day=today, osm=found[key]))
    if made:
        PreparedHours.objects.bulk_create(made, ignore_conflicts=True)
    for key in keys.values():
        _memo.keep(key, found[key])
    return {pk: found[key] for pk, key in keys.items()}


def prepare(today: date, pks: Iterable[int] | None = None, *, forget: bool = True) -> int:
    """Work out ahead of readers the values for `today` (and tomorrow, so the day
    boundary costs no reader) of these places (default: all published ones); forget
    values for days before `today`. Returns how many places were prepared.

    The hours are read as rows (`schedules`), not as places with their hours and facts:
    after an import of a thousand places, building those objects again was a quarter of
    the import's time. Only places not operating are read whole, for the line that
    says why."""
    places = ContactPoint.objects.published()
    if pks is not None:
        places = places.filter(pk__in=list(pks))
    schedules = places.schedules()
    closed = {cp.pk: cp for cp in places.exclude(status=Status.OPEN)}
    for day in (today, today + timedelta(days=1)):
        wanted: dict[int, tuple[str, Callable[[], str]]] = {}
        for pk, schedule in schedules.items():
            cp = closed.get(pk)
            if cp is None:
                key = _key(Status.OPEN, "", schedule, day)
                make = partial(exports.osm_opening_hours, schedule, day)
            else:  # `off`, with why: what its own export says
                key = _key(cp.status, cp.status_line(), schedule, day)
                make = partial(cp.osm_opening_hours, day)
            wanted[pk] = (key, make)
        _values(wanted, day)
    if forget:
        PreparedHours.objects.filter(day__lt=today).delete()
    return len(schedules)


def after_edit(*contact_point_ids: int) -> None:
    """Places' hours or status were written in this transaction: once it commits (and only
    if it does), work out their new values, so the next reader finds them ready. The
    editor's request pays for it, never a reader's."""
    from django.db import transaction
    from django.utils import timezone

    from core.time import local

    transaction.on_commit(
        lambda: prepare(local(timezone.now()).date(), contact_point_ids, forget=False)
    )
