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
from typing import Any

from core.time import local, midnight

from . import openings

COUNTDOWN = timedelta(minutes=60)  # "closes in N minutes" is shown in the last hour


def _next_midnight(now: datetime) -> datetime:
    return midnight(local(now).date() + timedelta(days=1))


def shown_changes(contact_points: Iterable[Any], now: datetime) -> datetime:
    """The first moment after `now` at which any of these places reads differently."""
    soonest = _next_midnight(now)
    for cp in contact_points:
        if not cp.is_operating:
            continue
        status = cp.hours_status(now)
        if status is None:
            continue
        if status.is_open and status.closes_at is not None:
            # "closes in N minutes" shows whole minutes left, rounded down, in the last hour:
            # the words change just after each whole minute before closing.
            left = status.closes_at - now
            whole = min(left // timedelta(minutes=1), COUNTDOWN // timedelta(minutes=1))
            changes = status.closes_at - timedelta(minutes=whole) + timedelta(microseconds=1)
            soonest = min(soonest, changes, status.closes_at)
        elif not status.is_open and status.next_session is not None:
            soonest = min(soonest, status.next_session.start)
    return soonest


def open_set_changes(now: datetime) -> datetime:
    """The next moment any published place opens or closes (or midnight)."""
    instants = openings.around(local(now).date()).instants
    index = bisect.bisect_right(instants, now)
    following = instants[index] if index < len(instants) else _next_midnight(now)
    return min(following, _next_midnight(now))
