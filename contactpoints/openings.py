"""Who is open when: the one place that applies the opening-hours rule (`hours.Schedule`, for
one place) to many places at once. The directory's "open now", the nearest search's filter,
the moments a cached page stops being right, and coverage's hours of the week all read
their answers from here.

The sessions of every place asked about, between two instants, are laid out flat — a
place, a start and an end per session, as NumPy arrays — so "open at T" is one comparison
over them, and the moments anyone opens or closes are their starts and ends.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from core import versions
from core.time import local, midnight

from . import bank_holidays

if TYPE_CHECKING:
    from .models import ContactPointQuerySet


@dataclass(frozen=True)
class Openings:
    """Sessions of some places between two instants: `pks[i]` is open from `starts[i]`
    (inclusive) to `ends[i]` (exclusive), as POSIX timestamps; `places`: every place asked
    about, open or not."""

    pks: np.ndarray  # int64
    starts: np.ndarray  # float64
    ends: np.ndarray  # float64
    places: np.ndarray  # int64, sorted

    def open_at(self, when: datetime) -> set[int]:
        """The places open at `when` (which must lie between the instants asked about)."""
        moment = when.timestamp()
        return set(self.pks[(self.starts <= moment) & (moment < self.ends)].tolist())

    @cached_property
    def instants(self) -> tuple[datetime, ...]:
        """Every moment one of them opens or closes, in order (worked out once: a kept
        stretch answers every page's "until when is this right")."""
        from core.time import LONDON

        moments = np.unique(np.concatenate([self.starts, self.ends]))
        return tuple(datetime.fromtimestamp(m, tz=LONDON) for m in moments.tolist())

    def without_sessions(self) -> set[int]:
        """The places asked about that have no session in the whole stretch."""
        return set(self.places.tolist()) - set(self.pks.tolist())


# A schedule's sessions in a stretch, by what the schedule is made of: what `between` laid
# out for one place, for another place or version with the very same hours.
Laid = dict[tuple[object, ...], tuple[list[float], list[float]]]


def between(
    places: ContactPointQuerySet, start: datetime, end: datetime, *, laid: Laid | None = None
) -> Openings:
    """The sessions of `places` that overlap [start, end): their schedules read in three
    flat queries (`ContactPointQuerySet.schedules`, only the rules and exceptions that can
    apply to those days), then each place's `hours.Schedule` lays out its sessions — or,
    given `laid`, only those whose hours are not in it yet (an edit lays out one place's
    sessions again, not every place's)."""
    first = local(start).date() - timedelta(days=1)  # its overnight sessions run into start
    last = local(end).date()
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    schedules = places.schedules(on=days)
    # Which of those days are bank holidays is part of what the sessions are made of.
    holidays = tuple(bank_holidays.name(day) for day in days) if laid is not None else ()
    pks: list[int] = []
    starts: list[float] = []
    ends: list[float] = []
    for pk, schedule in schedules.items():
        made_of: tuple[object, ...] | None = None
        found = None
        if laid is not None and schedule.bank_holidays is None:
            made_of = (tuple(schedule.rules), tuple(schedule.exceptions),
                       schedule.closed_on_bank_holidays, holidays)  # fmt: skip
            found = laid.get(made_of)
        if found is None:
            found = ([], [])
            # A session lasts a day at most (one past midnight ends the next day).
            for session in schedule.sessions_between(start - timedelta(days=1), end):
                if session.end <= start:
                    continue
                found[0].append(session.start.timestamp())
                found[1].append(session.end.timestamp())
            if laid is not None and made_of is not None:
                laid[made_of] = found
        pks.extend([pk] * len(found[0]))
        starts.extend(found[0])
        ends.extend(found[1])
    return Openings(
        np.array(pks, dtype=np.int64), np.array(starts, dtype=np.float64),
        np.array(ends, dtype=np.float64), np.array(sorted(schedules), dtype=np.int64),
    )  # fmt: skip


def open_pks(places: ContactPointQuerySet, when: datetime) -> set[int]:
    """Which of `places` (operating ones only) are open at `when`."""
    from .models import Status

    return between(places.filter(status=Status.OPEN), when, when + timedelta(seconds=1)).open_at(
        when
    )


# Every published operating place's sessions from the day before a London day to the day
# after it, per data version: the stretch a search, a page's freshness and the nearest
# index ask about. Kept in each process; an edit changes the version.
_kept: OrderedDict[tuple[int, date], Openings] = OrderedDict()
# For each day kept: every schedule's sessions laid out, by what the schedule is made of,
# whatever the version: after an edit only the changed places' sessions are laid out again.
_laid: dict[date, Laid] = {}
_lock = threading.Lock()
_KEPT = 4


def around(day: date) -> Openings:
    """The published operating places' sessions from the start of the day before `day` to
    the end of the day after it (computed once per data version and day, per process)."""
    from .models import ContactPoint

    key = (versions.current(versions.PLACES)[0], day)
    with _lock:
        found = _kept.get(key)
        if found is not None:
            _kept.move_to_end(key)
            return found
    places = ContactPoint.objects.published().operating()
    with _lock:
        laid = _laid.setdefault(day, {})
    found = between(
        places, midnight(day - timedelta(days=1)), midnight(day + timedelta(days=2)), laid=laid
    )
    with _lock:
        _kept[key] = found
        while len(_kept) > _KEPT:
            _kept.popitem(last=False)
        for old in set(_laid) - {kept_day for _version, kept_day in _kept}:
            del _laid[old]
    return found
