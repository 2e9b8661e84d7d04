"""Until when a page about contact points is right (`core.pagecache` keeps it that long).

A page's words change when contact point data is edited (the `places` data version changes
in the same transaction: `core.versions`), or with time: when a place shown opens or
closes, each minute of "closes in N minutes", and at midnight (today's row, upcoming
changes, bank holidays). Pages whose list of places depends on who is open now (the
directory's "open now", search results, a closed place's alternatives) also change when any
place opens or closes.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from core.time import local, midnight

from . import openings, search

COUNTDOWN = timedelta(minutes=60)  # "closes in N minutes" is shown in the last hour


def _next_midnight(now: datetime) -> datetime:
    return midnight(local(now).date() + timedelta(days=1))


class Reading(NamedTuple):
    """What a place's status says at a moment, and the first moment after it at which it
    reads differently."""

    line: str
    is_open: bool
    until: datetime


def reading(cp: Any, now: datetime) -> Reading:
    """The place's status line and whether it is open at `now`, and until when both hold.
    Noted on a place the search keeps loaded (`search.noted_until`): every answer that
    shows it until then reuses them, so a search from a new address does not work out
    each result's day again (two status computations a place: a tenth of an API answer)."""
    return search.noted_until(cp, "reading", now, lambda: _reading(cp, now))


def _reading(cp: Any, now: datetime) -> tuple[Reading, datetime]:
    until = _next_midnight(now)
    status = cp.hours_status(now) if cp.is_operating else None
    if status is not None and status.is_open and status.closes_at is not None:
        # "closes in N minutes" shows whole minutes left, rounded down, in the last hour:
        # the words change just after each whole minute before closing.
        left = status.closes_at - now
        whole = min(left // timedelta(minutes=1), COUNTDOWN // timedelta(minutes=1))
        changes = status.closes_at - timedelta(minutes=whole) + timedelta(microseconds=1)
        until = min(until, changes, status.closes_at)
    elif status is not None and not status.is_open and status.next_session is not None:
        until = min(until, status.next_session.start)
    found = Reading(cp.status_line(now), cp.is_open_at(now), until)
    return found, until


def shown_changes(contact_points: Iterable[Any], now: datetime) -> datetime:
    """The first moment after `now` at which any of these places reads differently."""
    return min((reading(cp, now).until for cp in contact_points), default=_next_midnight(now))


def open_set_changes(now: datetime) -> datetime:
    """The next moment any published place opens or closes (or midnight)."""
    instants = openings.around(local(now).date()).instants
    index = bisect.bisect_right(instants, now)
    following = instants[index] if index < len(instants) else _next_midnight(now)
    return min(following, _next_midnight(now))
