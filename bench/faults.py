"""Faults under load: PostgreSQL restarted and a gunicorn worker killed while residents read
public pages and officers log visits, on loopback only, for a bounded time.

Officers behave as the counter's queue does: each visit has its own key and is retried
(same key) until the server acknowledges it. Printed: visits acknowledged against stored,
duplicates, errors while the database was down and after it was back, every 500, and how
long after PostgreSQL accepted connections again each kind of request succeeded. Target
(issue 11): 0 lost, 0 duplicated, recovery ≤ 5 s, no 500 once the database is back, no
restart of the application.

It restarts the PostgreSQL cluster at 127.0.0.1:5432 (pg_ctlcluster): run it only where
that is yours to restart. PostgreSQL only.

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
from pathlib import Path

from django.db import connection

from bench.public_pages import populate
from bench.visits import CSRF, _free_port, gunicorn, officer_with_session
from visits.models import Visit

TARGET_RECOVERY_S = 5.0
PAGES = ["/contact-points/", "/contact-points/bench-0050/", "/api/v1/contact-points",
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


def _request(port: int, method: str, path: str, headers: dict[str, str], body: str = "") -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(method, path, body=body or None, headers=headers)
        response = conn.getresponse()
        response.read()
        return response.status
    except OSError:
        return 0  # the connection failed: a worker died mid-request
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
            status = _request(port, "POST", path, headers, f"purpose=advice&idempotency_key={key}")
            log.add("visit", status)
            if status in (200, 201):
                with log.lock:
                    log.acknowledged.add(key)
                break
            time.sleep(wait)
            wait = min(wait * 2, 1.0)
        time.sleep(0.05)


def _resident(port: int, log: Log, stop: threading.Event) -> None:
    rng = random.Random()
    while not stop.is_set():
        log.add("page", _request(port, "GET", rng.choice(PAGES), {"Host": "127.0.0.1"}))
        time.sleep(0.02)


def _restart_postgresql() -> float:
    """Restart the cluster; the moment (monotonic) it accepts connections again."""
    version = sorted(os.listdir("/etc/postgresql"))[-1]
    subprocess.run(  # noqa: S603
        ["/usr/bin/pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"],
        check=True, capture_output=True,
    )  # fmt: skip
    while subprocess.run(
        ["/usr/bin/pg_isready", "-h", "127.0.0.1", "-p", "5432", "-q"], check=False
    ).returncode:
        time.sleep(0.05)
    return time.monotonic()


def run(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench faults")
    parser.add_argument("--seconds", type=float, default=14)
    options = parser.parse_args(argv)
    if connection.vendor != "postgresql" or not Path("/etc/postgresql").is_dir():
        print("Faults: PostgreSQL on this machine only; not measured.")
        return
    populate(200)
    people = [officer_with_session(i + 1) for i in range(6)]
    connection.close()
    port = _free_port()
    server = gunicorn("config.wsgi", port, workers=4)
    log, stop = Log(), threading.Event()
    threads = [
        threading.Thread(target=_officer, args=(port, session.pk, cookie, log, stop))
        for _user, session, cookie in people
    ] + [threading.Thread(target=_resident, args=(port, log, stop)) for _ in range(4)]
    for thread in threads:
        thread.start()
    try:
        time.sleep(options.seconds * 0.2)
        down_at = time.monotonic() - log.start
        back_at = _restart_postgresql() - log.start
        time.sleep(options.seconds * 0.2)
        workers = subprocess.run(  # noqa: S603
            ["/usr/bin/pgrep", "-P", str(server.pid)], capture_output=True, text=True, check=False
        ).stdout.split()
        killed_at = time.monotonic() - log.start
        if workers:
            os.kill(int(workers[0]), signal.SIGKILL)
        time.sleep(options.seconds * 0.6)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
        server.terminate()
        server.wait(timeout=30)

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
    print(
        f"Faults under load through gunicorn (4 workers; 6 officers, 4 residents; "
        f"{options.seconds:g} s; PostgreSQL restarted at {down_at:.1f} s, back at "
        f"{back_at:.1f} s; a worker killed at {killed_at:.1f} s)"
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
    print(
        f"  First success after the database was back: pages {recovery['page']:.2f} s, "
        f"visits {recovery['visit']:.2f} s (target ≤ {TARGET_RECOVERY_S:g} s), no restart of "
        f"the application: {'MEETS' if verdict else 'MISSES'}"
    )
