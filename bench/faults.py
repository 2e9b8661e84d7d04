"""Faults under load: PostgreSQL restarted, a gunicorn worker killed and Redis restarted
while residents read public pages and officers log visits, on loopback only, for a bounded
time. The PostgreSQL cluster and the Redis are the benchmark's own (bench/own_services.py):
it never restarts a server it did not start.

Officers behave as the counter's queue does: each visit has its own key and is retried
(same key) until the server acknowledges it. Printed: visits acknowledged against stored,
duplicates, errors while the database was down and after it was back, every 500, how long
after PostgreSQL accepted connections again each kind of request succeeded; and, after
Redis restarted empty and a place was renamed, any page still showing the old name
(wrong). Targets: 0 lost, 0 duplicated, recovery ≤ 5 s, no 500 once the database is back,
no restart of the application; 0 wrong after the Redis restart.

    uv run python -m bench faults [--seconds 14]
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import signal
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import environ
from django.core.management import call_command
from django.db import connection

from bench import verdicts
from bench.own_services import OwnPostgreSQL, OwnRedis, free_port, own_postgresql, own_redis
from bench.public_pages import populate
from bench.visits import CSRF, gunicorn, officer_with_session, server_log
from contactpoints.models import ContactPoint
from visits.models import Visit

TARGET_RECOVERY_S = 5.0
WATCHED_SLUG = "bench-0050"
WATCHED = f"/contact-points/{WATCHED_SLUG}/"
PAGES = ["/contact-points/", WATCHED, "/api/v1/contact-points",
         "/search/?lat=51.5&lon=-0.12"]  # fmt: skip


class Log:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.events: list[tuple[float, str, int]] = []  # (seconds since start, kind, status)
        self.acknowledged: set[str] = set()
        self.start = time.monotonic()

    def add(self, kind: str, status: int) -> None:
        with self.lock:
            self.events.append((time.monotonic() - self.start, kind, status))


def _request(
    port: int, method: str, path: str, headers: dict[str, str], body: str = ""
) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(method, path, body=body or None, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    except OSError:
        return 0, b""  # the connection failed: a worker died mid-request
    finally:
        conn.close()


def _officer(port: int, session_pk: int, cookie: str, log: Log, stop: threading.Event) -> None:
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Accept": "application/json",
        "Cookie": f"sessionid={cookie}; csrftoken={CSRF}",
        "X-CSRFToken": CSRF,
    }
    path = f"/staff/sessions/{session_pk}/visits/"
    while not stop.is_set():
        key = str(uuid.uuid4())
        wait = 0.1
        while True:  # the queue: the same key until acknowledged, however long it takes
            status, _body = _request(
                port, "POST", path, headers, f"purpose=advice&idempotency_key={key}"
            )
            log.add("visit", status)
            if status in (200, 201):
                with log.lock:
                    log.acknowledged.add(key)
                break
            time.sleep(wait)
            wait = min(wait * 2, 1.0)
        time.sleep(0.05)


RENAMED = "Renamed after Redis restarted"


def _resident(port: int, log: Log, stop: threading.Event) -> None:
    rng = random.Random()
    while not stop.is_set():
        path = rng.choice(PAGES)
        status, body = _request(port, "GET", path, {"Host": "127.0.0.1"})
        log.add("page", status)
        if path == WATCHED and status == 200:
            log.add("watched-renamed" if RENAMED.encode() in body else "watched-old", status)
        time.sleep(0.02)


@contextmanager
def _database(url: str) -> Iterator[None]:
    """Point this process's connection at `url` for a while (the benchmark's own cluster)."""
    kept = dict(connection.settings_dict)
    connection.close()
    config = environ.Env.db_url_config(url)
    for key in ("NAME", "USER", "PASSWORD", "HOST", "PORT"):
        connection.settings_dict[key] = config[key]
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(kept)


def run(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench faults")
    parser.add_argument("--seconds", type=float, default=14)
    options = parser.parse_args(argv)
    if connection.vendor != "postgresql":
        # This process's connection is pointed at the benchmark's own cluster, which
        # takes the PostgreSQL backend.
        print("Faults: measured on PostgreSQL (make bench's second pass), as deployed.")
        return
    with own_postgresql() as postgresql, own_redis() as redis:
        if postgresql is None or redis is None:
            print("Faults: needs PostgreSQL and redis-server installed here; not measured.")
            return
        with _database(postgresql.url):
            call_command("migrate", verbosity=0)
            _run(options.seconds, postgresql, redis)


def _run(seconds: float, postgresql: OwnPostgreSQL, redis: OwnRedis) -> None:
    populate(200)
    people = [officer_with_session(i + 1) for i in range(6)]
    connection.close()
    port = free_port()
    os.environ["CACHE_URL"] = redis.url
    log_file = server_log("faults")  # its tracebacks are counted below
    try:
        server = gunicorn("config.wsgi", port, workers=4, errors=log_file)
    finally:
        del os.environ["CACHE_URL"]
    log, stop = Log(), threading.Event()
    threads = [
        threading.Thread(target=_officer, args=(port, session.pk, cookie, log, stop))
        for _user, session, cookie in people
    ] + [threading.Thread(target=_resident, args=(port, log, stop)) for _ in range(4)]
    for thread in threads:
        thread.start()
    try:
        time.sleep(seconds * 0.2)
        down_at = time.monotonic() - log.start
        back_at = postgresql.restart() - log.start
        time.sleep(seconds * 0.2)
        workers = subprocess.run(  # noqa: S603
            ["/usr/bin/pgrep", "-P", str(server.pid)], capture_output=True, text=True, check=False
        ).stdout.split()
        killed_at = time.monotonic() - log.start
        if workers:
            os.kill(int(workers[0]), signal.SIGKILL)
        time.sleep(seconds * 0.15)
        redis_at = redis.restart() - log.start
        time.sleep(seconds * 0.05)
        ContactPoint.objects.filter(slug=WATCHED_SLUG).update(name=RENAMED)  # committed now
        renamed_at = time.monotonic() - log.start
        connection.close()
        time.sleep(seconds * 0.4)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
        server.terminate()
        server.wait(timeout=30)
        log_file.close()

    connection.close()  # ours was cut by the restart
    acknowledged = log.acknowledged
    stored_keys = {
        str(k)
        for k in Visit.objects.filter(idempotency_key__in=list(acknowledged)).values_list(
            "idempotency_key", flat=True
        )
    }
    rows = Visit.objects.filter(session__in=[s for _u, s, _c in people])
    duplicates = rows.count() - rows.values("idempotency_key").distinct().count()
    lost = len(acknowledged - stored_keys)
    ok = {200, 201}
    during = [e for e in log.events if down_at <= e[0] < back_at and e[2] not in ok]
    after = [e for e in log.events if e[0] >= back_at and e[2] not in ok]
    server_errors_after = [e for e in after if e[2] == 500]
    after_redis = [e for e in log.events if e[0] >= redis_at and e[1] in ("page", "visit")]
    redis_errors = [e for e in after_redis if e[2] not in ok and e[2] != 0]
    # Allow the requests already under way when the rename committed (a second).
    wrong = [e for e in log.events if e[1] == "watched-old" and e[0] > renamed_at + 1.0]
    renamed_seen = sum(1 for e in log.events if e[1] == "watched-renamed")
    recovery = {}
    for kind in ("page", "visit"):
        first = next((t for t, k, s in log.events if k == kind and t >= back_at and s in ok), None)
        recovery[kind] = (first - back_at) if first is not None else float("inf")

    def tally(events: list[tuple[float, str, int]]) -> dict[int, int]:
        counts: dict[int, int] = {}
        for _t, _k, status in events:
            counts[status] = counts.get(status, 0) + 1
        return dict(sorted(counts.items()))

    worst = max(recovery.values())
    verdict = (
        lost == 0 and duplicates == 0 and worst <= TARGET_RECOVERY_S and not server_errors_after
    )
    redis_verdict = not wrong and not redis_errors and renamed_seen > 0
    print(
        f"Faults under load through gunicorn (4 workers; 6 officers, 4 residents; "
        f"{seconds:g} s; our own PostgreSQL restarted at {down_at:.1f} s, back at "
        f"{back_at:.1f} s; a worker killed at {killed_at:.1f} s; our own Redis restarted "
        f"empty at {redis_at:.1f} s, a place renamed at {renamed_at:.1f} s)"
    )
    print(
        f"  {len(log.events)} requests; visits acknowledged {len(acknowledged)}, stored "
        f"{len(stored_keys)}: lost {lost}, duplicated {duplicates}"
    )
    print(
        f"  Not 2xx while the database was down: {len(during)} {tally(during) or ''}; after "
        f"it was back: {len(after)} {tally(after) or ''} (0: a connection cut, such as by the "
        f"killed worker; 503: the database unreachable); 500s after: "
        f"{len(server_errors_after)}"
    )
    logged = Path(log_file.name).read_text(errors="replace").count("Traceback (most recent")
    print(f"  The server logged {logged} traceback(s) while the faults lasted: {log_file.name}")
    print(
        f"  First success after the database was back: pages {recovery['page']:.2f} s, "
        f"visits {recovery['visit']:.2f} s (target ≤ {TARGET_RECOVERY_S:g} s), no restart of "
        f"the application: "
        + verdicts.judge(
            "faults: first success after the database is back",
            f"pages {recovery['page']:.2f} s, visits {recovery['visit']:.2f} s",
            f"≤ {TARGET_RECOVERY_S:g} s, no restart",
            bool(verdict),
        )
    )
    print(
        f"  After Redis restarted empty: {len(after_redis)} requests, "
        f"{len(redis_errors)} failed; after the rename, {renamed_seen} page(s) with the new "
        f"name, {len(wrong)} with the old (wrong; target 0): "
        + verdicts.judge(
            "faults: pages after Redis restarts empty",
            f"{len(wrong)} with an old name",
            "0",
            bool(redis_verdict),
        )
    )
