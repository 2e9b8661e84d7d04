"""Public pages computed once and served from the shared cache until their content can next
change.

A page's content changes when contact point data is edited (any save or delete of a
contact point, its hours or its facts bumps `version()` once the change is committed), or
with time: when a place shown opens or closes, each minute of "closes in N minutes", and at
midnight (today's row, upcoming changes, bank holidays). Pages whose list of places depends
on who is open now (the directory's "open now", search results, a closed place's
alternatives) also change when any place opens or closes. So each page is cached under the
data version and its address, with the moment it stops being right; answers carry an ETag,
Last-Modified and a short public max-age so browsers and a CDN can reuse them too.
"""

from __future__ import annotations

import bisect
import hashlib
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.http import http_date

from .hours import local, midnight

VERSION_KEY = "contactpoints:version"
# Browsers and shared caches may reuse an answer this long at most: an edit reaches them
# within a minute.
MAX_AGE = 60
COUNTDOWN = timedelta(minutes=60)  # "closes in N minutes" is shown in the last hour


def version() -> int:
    """The data version pages are kept under. It starts at a random number (not 1), so
    that after the shared cache is emptied no process can mistake its own copies from
    before for current ones."""
    return int(cache.get_or_set(VERSION_KEY, lambda: secrets.randbits(62), None) or 0)


def bump() -> None:
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # not in the cache (evicted): a new random start will do
        cache.set(VERSION_KEY, secrets.randbits(62), None)


def changed() -> None:
    """Contact point data changed: every cached page is stale. Bumped now (this request's
    next pages, and tests, see the change) and again once it commits (so no page made by
    another request before the commit survives under the new version)."""
    bump()
    transaction.on_commit(bump)


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


def _boundaries(day_key: str) -> list[datetime]:
    """Every opening and closing of every published place, yesterday to the day after
    tomorrow: computed once per data version and day."""
    from .models import ContactPoint

    key = f"contactpoints:boundaries:{version()}:{day_key}"
    found = cache.get(key)
    if found is not None:
        return list(found)
    today = datetime.fromisoformat(day_key).date()
    # From the day before yesterday: its overnight sessions end yesterday.
    start, end = midnight(today - timedelta(days=2)), midnight(today + timedelta(days=3))
    instants: set[datetime] = set()
    for schedule in ContactPoint.objects.published().operating().schedules().values():
        for session in schedule.sessions_between(start, end):
            instants.update((session.start, session.end))
    result = sorted(instants)
    cache.set(key, result, 24 * 3600)
    return result


def open_set_changes(now: datetime) -> datetime:
    """The next moment any published place opens or closes (or midnight)."""
    instants = _boundaries(local(now).date().isoformat())
    index = bisect.bisect_right(instants, now)
    following = instants[index] if index < len(instants) else _next_midnight(now)
    return min(following, _next_midnight(now))


def page_key(path: str) -> str:
    """Where the page at `path` (with its query) is kept, under the current version."""
    return "page:" + hashlib.sha256(f"{version()}|{path}".encode()).hexdigest()


class _Recent:
    """The pages this process served last, by cache key (which holds the data version), so
    that a popular page is not read from the shared cache on every request: bounded in
    bytes, least recently used first out. An edit changes the version, so the keys."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.entries: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self.size = 0
        self.lock = threading.Lock()

    def get(self, key: str) -> dict[str, Any] | None:
        with self.lock:
            entry = self.entries.get(key)
            if entry is not None:
                self.entries.move_to_end(key)
            return entry

    def put(self, key: str, entry: dict[str, Any]) -> None:
        if len(entry["content"]) > self.max_bytes // 4:
            return
        with self.lock:
            old = self.entries.pop(key, None)
            self.size -= len(old["content"]) if old else 0
            self.entries[key] = entry
            self.size += len(entry["content"])
            while self.size > self.max_bytes:
                _key, dropped = self.entries.popitem(last=False)
                self.size -= len(dropped["content"])


_recent = _Recent(max_bytes=32 * 1024 * 1024)


def serve(
    request: HttpRequest,
    render: Callable[[datetime], tuple[HttpResponse, datetime]],
    *,
    personal: bool = False,
) -> HttpResponse:
    """The cached answer for this address, or `render(now)`'s (the response and the
    moment it stops being right), kept for the next asker when it is a 200.

    A `personal` answer (a search: its address holds what the resident typed, a postcode or
    their position) is never kept — not in the shared cache, not in this process, not by a
    shared proxy — so nothing holds it once it is sent (docs/demand.md)."""
    now = timezone.now()
    if personal:
        response, until = render(now)
        if response.status_code == 200:
            fresh = max(0, min(MAX_AGE, int((until - now).total_seconds())))
            response["Cache-Control"] = f"private, max-age={fresh}"
        return response
    key = page_key(request.get_full_path())
    found = _recent.get(key)
    if found is None or found["until"] <= now:
        found = cache.get(key)
        if found is not None and found["until"] > now:
            _recent.put(key, found)
    if found is not None and found["until"] > now:
        response = HttpResponse(found["content"], content_type=found["type"])
        for header, value in found["headers"].items():
            response[header] = value
        response.kept = found.get("kept")  # type: ignore[attr-defined]
    else:
        response, until = render(now)  # rendered: a TemplateResponse is rendered by the view
        if response.status_code != 200 or until <= now:
            return response
        found = {
            "content": response.content,
            "type": response["Content-Type"],
            "headers": {h: response[h] for h in ("Content-Disposition",) if response.has_header(h)},
            "made": now,
            "until": until,
            "etag": '"' + hashlib.sha256(response.content).hexdigest()[:32] + '"',
            # What the answer's view noted about it (a search's facts, for `demand`).
            "kept": getattr(response, "kept", None),
        }
        cache.set(key, found, max(1, int((until - now).total_seconds()) + 1))
        _recent.put(key, found)
    fresh = max(0, min(MAX_AGE, int((found["until"] - now).total_seconds())))
    response["Cache-Control"] = f"public, max-age={fresh}"
    response["ETag"] = found["etag"]
    response["Last-Modified"] = http_date(found["made"].timestamp())
    return response
