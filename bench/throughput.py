"""Public pages under load through gunicorn, beside a bare Django "hello" view served by
the same gunicorn, settings and middleware (PostgreSQL only: the server processes need a
database they can share with this one).

Each address is requested for a few seconds by concurrent keep-alive clients on loopback;
the figure is requests per second and the 99th percentile latency. Target (issue 11): each
public page at least 25 % of the hello view's throughput, p99 ≤ 250 ms, no errors. The load
generator runs on the same two cores as the server, so absolute figures are modest; the
ratio is what is compared.

    uv run python -m bench throughput [--seconds 4] [--clients 8] [--workers 4]
"""

from __future__ import annotations

import argparse
import http.client
import statistics
import threading
import time

from django.db import connection

from bench.public_pages import populate
from bench.visits import _free_port, gunicorn

PAGES = {
    "directory": "/contact-points/",
    "directory, open now": "/contact-points/?open_now=on",
    "contact point page": "/contact-points/bench-0500/",
    "search (coordinates)": "/search/?lat=51.5&lon=-0.12",
    "API list": "/api/v1/contact-points",
    "API nearest": "/api/v1/contact-points/nearest?lat=51.5&lon=-0.12",
}
TARGET_SHARE = 0.25
TARGET_P99_MS = 250


def _hammer(port: int, path: str, seconds: float, clients: int) -> tuple[float, float, int]:
    """(requests per second, p99 ms, errors) for `path`."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def client() -> None:
        nonlocal errors
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        mine: list[float] = []
        failed = 0
        while time.monotonic() < stop:
            began = time.perf_counter()
            try:
                conn.request("GET", path, headers={"Host": "127.0.0.1"})
                response = conn.getresponse()
                response.read()
                if response.status != 200:
                    failed += 1
            except OSError:
                failed += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            mine.append((time.perf_counter() - began) * 1000)
        with lock:
            latencies.extend(mine)
            errors += failed

    threads = [threading.Thread(target=client) for _ in range(clients)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    p99 = statistics.quantiles(latencies, n=100)[-1] if len(latencies) > 1 else 0.0
    return len(latencies) / elapsed, p99, errors


def run(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench throughput")
    parser.add_argument("--seconds", type=float, default=4)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=4)
    options = parser.parse_args(argv)
    if connection.vendor != "postgresql":
        print("Throughput through gunicorn: PostgreSQL only; not measured on SQLite.")
        return
    populate(1000)
    connection.close()  # the servers' connections must not wait on this one
    print(
        f"Throughput through gunicorn ({options.workers} sync workers, {options.clients} "
        f"keep-alive clients, {options.seconds:g} s each, 1,000 contact points, PostgreSQL)"
    )
    port = _free_port()
    hello = gunicorn("bench.hello:application", port, workers=options.workers)
    try:
        _hammer(port, "/hello", 1, options.clients)  # warm up
        base_rate, base_p99, base_errors = _hammer(port, "/hello", options.seconds, options.clients)
    finally:
        hello.terminate()
        hello.wait(timeout=30)
    print(f"  {'hello (baseline)':<22} {base_rate:>7.0f} req/s  p99 {base_p99:>6.1f} ms  "
          f"errors {base_errors}")  # fmt: skip
    port = _free_port()
    app = gunicorn("config.wsgi", port, workers=options.workers)
    verdicts = []
    try:
        for name, path in PAGES.items():
            _hammer(port, path, 0.5, options.clients)  # fill the cache, as traffic would
            rate, p99, errors = _hammer(port, path, options.seconds, options.clients)
            share = rate / base_rate if base_rate else 0.0
            ok = share >= TARGET_SHARE and p99 <= TARGET_P99_MS and errors == 0
            verdicts.append(ok)
            print(
                f"  {name:<22} {rate:>7.0f} req/s  p99 {p99:>6.1f} ms  errors {errors}  "
                f"{share:>5.0%} of hello: {'MEETS' if ok else 'MISSES'}"
            )
    finally:
        app.terminate()
        app.wait(timeout=30)
    print(
        f"Target: every page ≥ {TARGET_SHARE:.0%} of hello, p99 ≤ {TARGET_P99_MS} ms, no "
        f"errors: {'MEETS' if all(verdicts) else 'MISSES'}"
    )
