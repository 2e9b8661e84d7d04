"""Importing a paper footfall sheet, and what other officers notice while it runs.

1. A sheet of 10,000 rows checked and imported (`visits.footfall`), in rows per second,
   beside the baseline of logging the same kind of rows one at a time through
   `services.visit_log` (the path the importer used to take), measured on 500 rows.
2. The counter during the import: another officer taps "+ visitor" (the view, through
   the Django test client, in a second thread with its own database connection) before
   and while the sheet is imported. Every tap must be stored; the figure is how long a
   tap waits while the import holds the write lock.

On SQLite the benchmark uses a database file (WAL, busy timeout, immediate transactions:
config/settings.py), as a deployment would; the in-memory test database cannot show it.

    uv run python -m bench footfall [--rows 10000]
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time
import uuid
from datetime import datetime, timedelta

from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.utils import timezone

from bench import verdicts
from bench.visits import officer_with_session
from core.time import LONDON
from publishing import rollup
from users.models import User
from visits import services
from visits.footfall import COLUMNS, footfall_import
from visits.models import SessionState, StaffedSession, Visit

TARGET_ROWS_PER_SECOND = 2_000  # 10,000 rows in at most 5 seconds
TARGET_TAP_WAIT_MS = 5_000  # a tap never waits longer than the import itself takes


def _sheet(slug: str, day: datetime, rows: int, offset: int = 0) -> bytes:
    lines = [",".join(COLUMNS)]
    for n in range(offset, offset + rows):
        minute = n % 120
        lines.append(f"{slug},{day:%d/%m/%Y},{19 + minute // 60}:{minute % 60:02d},advice,,,,")
    return ("\n".join(lines) + "\n").encode()


def _held_place(manager: User, index: int) -> tuple[str, datetime]:
    """A contact point with a session held 19:00–21:00 yesterday."""
    _officer, session, _cookie = officer_with_session(100 + index)
    day = (timezone.localtime(timezone.now(), LONDON) - timedelta(days=1)).replace(
        hour=19, minute=0, second=0, microsecond=0
    )
    StaffedSession.objects.filter(pk=session.pk).update(
        scheduled_start=day, scheduled_end=day + timedelta(hours=2), actual_start=day,
        actual_end=day + timedelta(hours=2), state=SessionState.HELD,
    )  # fmt: skip
    return session.contact_point.slug, day


def _baseline(manager: User, rows: int) -> float:
    slug, day = _held_place(manager, 0)
    session = StaffedSession.objects.get(contact_point__slug=slug)
    start = time.perf_counter()
    for n in range(rows):
        services.visit_log(
            user=manager, idempotency_key=uuid.uuid4(), session=session, purpose="advice",
            arrived_at=day + timedelta(seconds=n), source="import",
        )  # fmt: skip
    return rows / (time.perf_counter() - start)


def _taps(
    cookie: str, session_pk: int, stop: threading.Event, out: list[tuple[float, int]]
) -> None:
    client = Client()
    client.cookies["sessionid"] = cookie
    url = f"/staff/sessions/{session_pk}/visits/"
    try:
        while not stop.is_set():
            data = {"purpose": "advice", "idempotency_key": str(uuid.uuid4())}
            began = time.perf_counter()
            status = client.post(url, data, HTTP_ACCEPT="application/json").status_code
            out.append(((time.perf_counter() - began) * 1000, status))
            time.sleep(0.02)  # an officer taps, at most, a few times a second
    finally:
        connection.close()


def _tapping(
    cookie: str, session_pk: int, seconds: float | None, work: object = None
) -> list[tuple[float, int]]:
    out: list[tuple[float, int]] = []
    stop = threading.Event()
    thread = threading.Thread(target=_taps, args=(cookie, session_pk, stop, out))
    thread.start()
    if work is not None:
        time.sleep(0.2)
        work()  # type: ignore[operator]
    else:
        time.sleep(seconds or 1)
    stop.set()
    thread.join()
    return out


def run(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench footfall")
    parser.add_argument("--rows", type=int, default=10_000)
    options = parser.parse_args(argv)
    manager = User.objects.create_user(username="bench-manager", password=None)
    manager.groups.add(Group.objects.get(name="Manager"))
    print(f"Footfall import ({connection.vendor})")

    baseline = _baseline(manager, 500)
    slug, day = _held_place(manager, 1)
    sheet = _sheet(slug, day, options.rows)
    start = time.perf_counter()
    result = footfall_import(content=sheet, user=manager)
    seconds = time.perf_counter() - start
    assert not result.errors, result.errors[:3]
    assert result.created == options.rows
    rate = options.rows / seconds
    verdict = verdicts.judge(
        "footfall import", f"{rate:,.0f} rows/s", f"≥ {TARGET_ROWS_PER_SECOND:,}",
        rate >= TARGET_ROWS_PER_SECOND, anchor=f"one row at a time {baseline:,.0f} rows/s",
    )  # fmt: skip
    print(
        f"  {options.rows:,} rows checked and imported in {seconds:.2f} s: {rate:,.0f} rows/s "
        f"(target ≥ {TARGET_ROWS_PER_SECOND:,}; baseline one row at a time {baseline:,.0f} "
        f"rows/s): {verdict}"
    )
    again = time.perf_counter()
    assert footfall_import(content=sheet, user=manager).created == 0
    print(f"  The same sheet again: nothing added, in {time.perf_counter() - again:.2f} s")

    _officer, session, cookie = officer_with_session(2)
    quiet = _tapping(cookie, session.pk, seconds=1.5)
    slug2, day2 = _held_place(manager, 3)
    busy = _tapping(
        cookie, session.pk, None,
        work=lambda: footfall_import(content=_sheet(slug2, day2, options.rows), user=manager),
    )  # fmt: skip
    failed = [status for _ms, status in quiet + busy if status != 201]
    stored = Visit.objects.filter(session=session).count()
    quiet_ms = [ms for ms, _s in quiet]
    busy_ms = [ms for ms, _s in busy]
    worst = max(busy_ms)
    verdict = verdicts.judge(
        "counter taps during a footfall import", f"worst {worst:.0f} ms, {len(failed)} failed",
        f"≤ {TARGET_TAP_WAIT_MS:g} ms, none lost",
        not failed and stored == len(quiet + busy) and worst <= TARGET_TAP_WAIT_MS,
    )  # fmt: skip
    print(
        f"  Another officer's taps during the import: {len(busy)} taps, median "
        f"{statistics.median(busy_ms):.0f} ms, longest {worst:.0f} ms (baseline with no "
        f"import: {len(quiet)} taps, median {statistics.median(quiet_ms):.0f} ms, longest "
        f"{max(quiet_ms):.0f} ms); failed {len(failed)}, stored {stored} of "
        f"{len(quiet + busy)} (target: none failed, none lost, longest ≤ "
        f"{TARGET_TAP_WAIT_MS:,} ms): {verdict}"
    )
    assert not rollup.usage_verify(), "the roll-up drifted"
