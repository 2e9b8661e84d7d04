"""Requests that would tie up the site: while clients ask for coverage periods no one has
asked for before (each would take seconds to work out), with junk parameters besides, is
`/healthz` still answered at once? Served by gunicorn as `make serve` runs it (5 workers on
2 cores), on the benchmark's own PostgreSQL cluster and Redis (bench/own_services.py), with
Westminster's wards and postcodes and 200 places.

Printed: /healthz p95 and worst, before the flood (the baseline) and during it, beside the
target (p95 ≤ 100 ms during the flood); what the flood was answered (503 "being prepared"
at once, 200 when ready, never 500); and at most how much work was under way at once
(target: never more than the cap, `BACKGROUND_MAX_RUNNING`).

    uv run python -m bench flood [--seconds 10]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.db import connection

from bench import verdicts
from bench.faults import _database
from bench.own_services import free_port, own_postgresql, own_redis
from bench.public_pages import populate
from bench.visits import gunicorn, server_log

TARGET_MS = 100.0
SHARED = Path(settings.BASE_DIR).parent / "shared" / "data"
WARDS = SHARED / "boundaries" / "london_wards_2013.geojson"
POSTCODES = SHARED / "codepoint-open-2014-08" / "westminster_E09000033_codepoint_2014_08_wgs84.csv"


def _get(port: int, path: str) -> tuple[int, float]:
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("GET", path, headers={"Host": "127.0.0.1"})
        response = conn.getresponse()
        response.read()
        status = response.status
    except OSError:
        status = 0
    finally:
        conn.close()
    return status, (time.perf_counter() - started) * 1000


def _healthz(port: int, stop: threading.Event, into: list[float]) -> None:
    while not stop.is_set():
        into.append(_get(port, "/healthz")[1])
        time.sleep(0.05)


def _flood(port: int, stop: threading.Event, statuses: list[int], seed: int) -> None:
    rng = random.Random(seed)
    while not stop.is_set():
        first = date(2024, 1, 1) + timedelta(days=rng.randrange(900))
        last = first + timedelta(days=rng.randrange(7, 180))
        junk = f"&utm_source={rng.random()}" if rng.random() < 0.5 else ""
        statuses.append(_get(port, f"/coverage/?from={first}&to={last}{junk}")[0])


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) > 1 else float("nan")


def run(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench flood")
    parser.add_argument("--seconds", type=float, default=10)
    options = parser.parse_args(argv)
    if connection.vendor != "postgresql":
        print("Flood: measured on PostgreSQL (make bench's second pass), as deployed.")
        return
    with own_postgresql() as postgresql, own_redis() as redis:
        if postgresql is None or redis is None:
            print("Flood: needs PostgreSQL and redis-server installed here; not measured.")
            return
        with _database(postgresql.url):
            call_command("migrate", verbosity=0)
            os.environ["CACHE_URL"] = redis.url  # the shared cache, as with many servers
            try:
                _run(options.seconds)
            finally:
                del os.environ["CACHE_URL"]


def _run(seconds: float) -> None:
    from places.boundaries import import_boundaries
    from places.gazetteer import import_postcodes

    data = json.loads(WARDS.read_text())
    data["features"] = [f for f in data["features"] if f["properties"]["LAD_CD"] == "E09000033"]
    wards = Path(settings.BASE_DIR) / ".bench-westminster-wards.geojson"
    wards.write_text(json.dumps(data))
    try:
        import_boundaries(wards)
    finally:
        wards.unlink()
    import_postcodes([POSTCODES])
    populate(200)
    connection.close()
    # The pages name their static files by the manifest, as deployed: collect them first.
    static = tempfile.mkdtemp(prefix="contactpoints-bench-static-")
    os.environ["STATIC_ROOT"] = static
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=settings.BASE_DIR, check=True, env={**os.environ, "DEBUG": "false"},
    )  # fmt: skip
    port = free_port()
    log_file = server_log("flood")  # a line for each 503 and 400 of the flood
    server = gunicorn("config.wsgi", port, workers=5, errors=log_file)
    try:
        _get(port, "/coverage/")  # this week: prepared once, as after `manage.py daily`
        time.sleep(3)
        before: list[float] = [_get(port, "/healthz")[1] for _ in range(100)]
        stop, during, statuses = threading.Event(), [], []  # type: ignore[var-annotated]
        threads = [threading.Thread(target=_healthz, args=(port, stop, during))] + [
            threading.Thread(target=_flood, args=(port, stop, statuses, n)) for n in range(8)
        ]
        for thread in threads:
            thread.start()
        most = 0
        ends = time.monotonic() + seconds
        while time.monotonic() < ends:
            with connection.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM core_job")
                most = max(most, cursor.fetchone()[0])
            time.sleep(0.1)
        stop.set()
        for thread in threads:
            thread.join(timeout=90)
    finally:
        server.terminate()
        server.wait(timeout=30)
        log_file.close()
        del os.environ["STATIC_ROOT"]
        shutil.rmtree(static, ignore_errors=True)
    counts = {s: statuses.count(s) for s in sorted(set(statuses))}
    p95 = _p95(during)
    print(
        f"Flood of new coverage periods ({len(statuses)} requests from 8 clients in "
        f"{seconds:g} s, half with junk parameters) through gunicorn (5 workers):"
    )
    print(f"  answered: {counts} (503: being prepared, at once; 500s: {counts.get(500, 0)})")
    cap = settings.BACKGROUND_MAX_RUNNING
    print(
        f"  work under way at once, at most: {most}; the cap is {cap}: "
        + verdicts.judge(
            "Work under way at once during the flood",
            f"at most {most}",
            f"≤ {cap} (BACKGROUND_MAX_RUNNING)",
            most <= cap,
        )
    )
    print(f"  the server's log: {log_file.name}")
    print(
        f"  /healthz p95 {p95:.1f} ms, worst {max(during):.1f} ms during the flood; before it "
        f"(baseline, same run) p95 {_p95(before):.1f} ms; target p95 ≤ {TARGET_MS:g} ms: "
        + verdicts.judge(
            "/healthz during a flood of new coverage periods",
            f"p95 {p95:.1f} ms, {counts.get(500, 0)} server errors",
            f"≤ {TARGET_MS:g} ms, none",
            p95 <= TARGET_MS and not counts.get(500),
            anchor=f"p95 {_p95(before):.1f} ms before",
        )
    )
