"""Logging visits: server time per request, and many officers at once through gunicorn.

1. Server time of one "+ visitor" request (Django test client), median and p95.
2. On PostgreSQL only: N officers post visits concurrently to a real gunicorn server on
   127.0.0.1, a share of them retried with the same idempotency key (lost answers, double
   taps). Every acknowledged visit must be stored exactly once.

    uv run python -m bench visits [--requests 300] [--officers 16] [--visits 25]
"""

from __future__ import annotations

import argparse
import functools
import http.client
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.models import Group
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django.test import Client
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY

from bench import verdicts
from contactpoints.models import ContactPoint, Kind
from publishing.rollup import usage_verify
from users.models import User
from users.sessions import SIGNED_IN_AT
from visits.models import Assignment, SessionState, StaffedSession, Visit

ROOT = Path(__file__).resolve().parent.parent
CSRF = "benchmarkcsrftokenbenchmarkcsrf1"  # 32 characters: an unmasked CSRF secret


def officer_with_session(index: int) -> tuple[User, StaffedSession, str]:
    """An officer, assigned to a contact point with a session in progress, and a signed-in
    (second factor verified) browser session for them."""
    cp = ContactPoint.objects.create(
        name=f"Bench contact point {index}",
        slug=f"bench-cp-{index}",
        kind=Kind.CONTACT_POINT,
        borough="Westminster",
        is_published=True,
    )
    user = User.objects.create_user(username=f"bench-officer-{index}", password=None)
    user.groups.add(Group.objects.get(name="Officer"))
    Assignment.objects.create(officer=user, contact_point=cp)
    now = timezone.now()
    session = StaffedSession.objects.create(
        contact_point=cp,
        scheduled_start=now - timedelta(minutes=5),
        scheduled_end=now + timedelta(hours=2),
        actual_start=now - timedelta(minutes=5),
        state=SessionState.HELD,
    )
    device = user.staticdevice_set.create(name="bench")
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store[DEVICE_ID_SESSION_KEY] = device.persistent_id
    store[SIGNED_IN_AT] = now.timestamp()  # as signing in records it (users.sessions)
    store.create()
    return user, session, store.session_key or ""


def server_time(requests: int) -> None:
    _user, session, cookie = officer_with_session(0)
    client = Client()
    client.cookies["sessionid"] = cookie
    url = f"/staff/sessions/{session.pk}/visits/"
    timings = []
    for _ in range(requests):
        data = {"purpose": "advice", "idempotency_key": str(uuid.uuid4())}
        start = time.perf_counter()
        response = client.post(url, data, HTTP_ACCEPT="application/json")
        timings.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 201, response.content
    stored = Visit.objects.filter(session=session).count()
    p95 = statistics.quantiles(timings, n=20)[-1]
    verdict = verdicts.judge(
        "counter tap, server time", f"p95 {p95:.1f} ms", f"≤ {TARGET_TAP_P95_MS:g} ms",
        p95 <= TARGET_TAP_P95_MS,
    )  # fmt: skip
    print(
        f"Log a visit (server time, {requests} requests): median "
        f"{statistics.median(timings):.1f} ms, p95 {p95:.1f} ms; stored {stored} of {requests} "
        f"(target p95 ≤ {TARGET_TAP_P95_MS:g} ms: {verdict})"
    )


TARGET_TAP_P95_MS = 15.0  # one "+ visitor" tap, server time
TARGET_TAP_SHARE = 0.20  # taps a second with 16 officers, against the hello view


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _collected_static() -> str:
    """A directory of the static files as deployed (collectstatic, with the manifest the
    pages name them by): STATIC_ROOT's if set, else collected once per benchmark run."""
    return os.environ.get("STATIC_ROOT") or _collect_static()


@functools.cache
def _collect_static() -> str:
    root = tempfile.mkdtemp(prefix="contactpoints-bench-static-")
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT, check=True, env={**os.environ, "DEBUG": "false", "STATIC_ROOT": root},
    )  # fmt: skip
    return root


def gunicorn(
    app: str, port: int, *, workers: int, wait: bool = True, errors: IO[bytes] | None = None
) -> subprocess.Popen[bytes]:
    """A gunicorn serving `app` on 127.0.0.1:`port` with production settings over plain
    HTTP, on this benchmark's PostgreSQL database, with no search limit. Its log goes to
    `errors` when given (a benchmark that causes faults on purpose), else to ours."""
    db = settings.DATABASES["default"]
    env = {
        **os.environ,
        "STATIC_ROOT": _collected_static(),
        "DEBUG": "false",
        "SECRET_KEY": settings.SECRET_KEY,
        "DATABASE_URL": (
            f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        ),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_COOKIES": "false",
        "SEARCH_RATE": "1000000/min",
        "CONN_MAX_AGE": "60",
    }
    server = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "gunicorn", app, "-b", f"127.0.0.1:{port}", "-w", str(workers),
         "--log-level", "warning"],
        cwd=ROOT, env=env, stderr=errors,
    )  # fmt: skip
    if wait:
        _wait_until_up(port)
    return server


def server_log(benchmark: str) -> IO[bytes]:
    """A file for the log of a server that a benchmark makes fail on purpose (a line or a
    traceback per failed request), so it does not bury the figures; kept for reading."""
    return tempfile.NamedTemporaryFile(  # closed by the caller, kept after
        prefix=f"contactpoints-{benchmark}-", suffix=".log", delete=False
    )


def concurrency(officers: int, visits_each: int) -> None:
    if connection.vendor != "postgresql":
        print("Concurrent officers through gunicorn: PostgreSQL only; not measured on SQLite.")
        return
    from bench.throughput import _hammer  # (throughput borrows this module's gunicorn)

    people = [officer_with_session(i + 1) for i in range(officers)]
    connection.close()
    port = _free_port()
    hello = gunicorn("bench.hello:application", port, workers=4)
    try:
        _hammer(port, "/hello", 1, officers)  # warm up
        hello_rate, _p99, _errors, _latencies = _hammer(port, "/hello", 4, officers)
    finally:
        hello.terminate()
        hello.wait(timeout=30)
    port = _free_port()
    server = gunicorn("config.wsgi", port, workers=4, wait=False)
    try:
        _wait_until_up(port)
        results, rate = _load(port, people, visits_each)
        results += _races(port, people[0], races=30)
    finally:
        server.terminate()
        server.wait(timeout=30)
    share = rate / hello_rate if hello_rate else 0.0
    print(
        f"Taps a second with {officers} officers: {rate:.0f}, beside the hello view's "
        f"{hello_rate:.0f} req/s with as many clients in the same run: {share:.0%} (target ≥ "
        f"{TARGET_TAP_SHARE:.0%}): "
        + verdicts.judge(
            f"counter taps, {officers} officers, through gunicorn",
            f"{share:.0%} of hello ({rate:,.0f} taps/s)",
            f"≥ {TARGET_TAP_SHARE:.0%}",
            share >= TARGET_TAP_SHARE,
            anchor=f"hello {hello_rate:,.0f} req/s",
        )
    )
    acknowledged = {key for key, status in results if status in (200, 201)}
    rows = Visit.objects.filter(session__in=[s for _, s, _ in people])
    stored = {str(k) for k in rows.values_list("idempotency_key", flat=True)}
    duplicates = rows.count() - len(stored)
    created = sum(1 for _, status in results if status == 201)
    repeated = sum(1 for _, status in results if status == 200)
    failed = len(results) - created - repeated
    print(
        f"Concurrent officers through gunicorn (4 workers): {officers} officers sent "
        f"{len(results)} requests: {created} logged a visit (201), {repeated} were retries "
        f"answered 'already logged' (200), {failed} failed. Distinct visits acknowledged "
        f"{len(acknowledged)}, stored {len(stored)}: lost {len(acknowledged - stored)}, "
        f"duplicated {duplicates}."
    )
    verdict = "no loss, no duplicate" if acknowledged <= stored and duplicates == 0 else "FAILED"
    print(f"Target: {verdict}.")
    # The roll-up after all that: the daily counts and session counts against the visits.
    drift = usage_verify()
    print(
        f"Roll-up drift after the concurrent run (verify_usage): {len(drift)} "
        f"(target 0): "
        + verdicts.judge("roll-up drift after concurrent taps", f"{len(drift)}", "0", not drift)
    )


def _wait_until_up(port: int) -> None:
    deadline = time.monotonic() + 30
    last = "no answer"
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            response = conn.getresponse()
            if response.status == 200:
                return
            last = f"{response.status} {response.read()[:200]!r}"
            time.sleep(0.2)
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer /healthz within 30 seconds ({last})")


def _post(port: int, path: str, cookie: str, key: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    body = f"purpose=advice&idempotency_key={key}"
    conn.request(
        "POST",
        path,
        body=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json",
            "Cookie": f"sessionid={cookie}; csrftoken={CSRF}",
            "X-CSRFToken": CSRF,
        },
    )
    return conn.getresponse().status


def _load(port: int, people: list[Any], visits_each: int) -> tuple[list[tuple[str, int]], float]:
    """Every officer's taps (key, status), and requests a second."""
    results: list[tuple[str, int]] = []
    lock = threading.Lock()

    def officer(index: int, session: StaffedSession, cookie: str) -> None:
        rng = random.Random(index)
        path = f"/staff/sessions/{session.pk}/visits/"
        for _ in range(visits_each):
            key = str(uuid.uuid4())
            attempts = 1 + (rng.random() < 0.3) + (rng.random() < 0.1)  # retries, double taps
            for _attempt in range(attempts):
                try:
                    status = _post(port, path, cookie, key)
                except OSError:
                    status = 0
                with lock:
                    results.append((key, status))

    threads = [
        threading.Thread(target=officer, args=(i, session, cookie))
        for i, (_user, session, cookie) in enumerate(people)
    ]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    elapsed = time.perf_counter() - start
    print(f"  ({len(results)} requests in {elapsed:.1f} s, {len(results) / elapsed:.0f}/s)")
    return results, len(results) / elapsed


def _races(port: int, person: Any, races: int) -> list[tuple[str, int]]:
    """The same key sent by two connections at the same instant (a double tap on two
    networks): the database's unique key must keep one."""
    _user, session, cookie = person
    path = f"/staff/sessions/{session.pk}/visits/"
    results: list[tuple[str, int]] = []
    lock = threading.Lock()
    for _ in range(races):
        key = str(uuid.uuid4())
        barrier = threading.Barrier(2)

        def send(key: str = key, barrier: threading.Barrier = barrier) -> None:
            barrier.wait(timeout=10)
            status = _post(port, path, cookie, key)
            with lock:
                results.append((key, status))

        pair = [threading.Thread(target=send) for _ in range(2)]
        for thread in pair:
            thread.start()
        for thread in pair:
            thread.join(timeout=30)
    print(f"  ({races} keys each sent twice at the same instant)")
    return results


def run(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="bench visits")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--officers", type=int, default=16)
    parser.add_argument("--visits", type=int, default=25)
    args = parser.parse_args(argv)
    print(f"Visits, database: {connection.vendor}")
    server_time(args.requests)
    concurrency(args.officers, args.visits)
