"""Nearest 10 among 1k / 10k / 100k contact points: server time of the whole search
(`contactpoints.search.nearest`: ranking, filters, the fallback "nearest open now", and the
places loaded with their hours), with and without "open now", and its SQL queries.

Target (issue 11): p95 under 10 ms at 100,000 points with and without "open now", one or
two queries a search, bounded time anywhere on Earth, the ordering of a brute-force
geodesic ranking. Beside it, when the PostgreSQL server has the PostGIS extension, a PostGIS
nearest-neighbour (KNN) query over the same rows, bare and with the places loaded. Query
points are real London postcodes (Code-Point Open 2014, ../shared/data).

    uv run python -m bench nearest [--sizes 1000,10000,100000] [--queries 1000]
"""

from __future__ import annotations

import argparse
import csv
import gzip
import random
import statistics
import time
import tracemalloc
from datetime import datetime
from datetime import time as clock
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection

from bench import verdicts
from contactpoints import geo, nearby, search
from contactpoints.models import ContactPoint, Kind, OpeningRule, Status
from core.time import LONDON
from places.geocoding import Place
from tests.shared_data import LONDON_POSTCODES

NOON = datetime(2026, 11, 25, 12, tzinfo=LONDON)  # a Wednesday
NIGHT = datetime(2026, 11, 25, 3, tzinfo=LONDON)


def london_postcodes() -> list[tuple[float, float]]:
    with gzip.open(LONDON_POSTCODES, "rt", newline="") as stream:
        return [(float(r["latitude"]), float(r["longitude"])) for r in csv.DictReader(stream)]


def populate(count: int, positions: list[tuple[float, float]], rng: random.Random) -> None:
    """`count` published contact points at London postcodes (jittered a little), in place
    of the last size's (deleted in SQL: the ORM would collect 100,000 rows' relations)."""
    with connection.cursor() as cursor:
        for model in (OpeningRule, ContactPoint):
            cursor.execute(f"DELETE FROM {model._meta.db_table}")  # noqa: S608
    batch = []
    for i in range(count):
        lat, lon = rng.choice(positions)
        batch.append(
            ContactPoint(
                name=f"Benchmark {i}",
                slug=f"bench-{i}",
                kind=Kind.CONTACT_POINT,
                borough="London",
                latitude=Decimal(f"{lat + rng.uniform(-0.001, 0.001):.6f}"),
                longitude=Decimal(f"{lon + rng.uniform(-0.001, 0.001):.6f}"),
                status=Status.OPEN,
                is_published=True,
            )
        )
        if len(batch) == 5000:
            ContactPoint.objects.bulk_create(batch)
            batch = []
    ContactPoint.objects.bulk_create(batch)
    # Hours for each: 09:00–17:00 on two to five weekdays, some evenings.
    rules = []
    for pk in ContactPoint.objects.values_list("pk", flat=True):
        for weekday in rng.sample(range(7), rng.randint(2, 5)):
            opens = rng.choice([9, 10, 13, 17])
            rules.append(
                OpeningRule(contact_point_id=pk, weekday=weekday, opens=clock(opens),
                            closes=clock(opens + rng.choice([2, 3, 4])))
            )  # fmt: skip
        if len(rules) >= 20_000:
            OpeningRule.objects.bulk_create(rules)
            rules = []
    OpeningRule.objects.bulk_create(rules)


def _timed(
    queries: list[tuple[float, float]], now: datetime, open_now: bool = False
) -> tuple[list[float], float]:
    """Milliseconds per search, and SQL queries per search."""
    timings = []
    count = 0

    def counted(execute: Any, *args: Any) -> Any:
        nonlocal count
        count += 1
        return execute(*args)

    with connection.execute_wrapper(counted):
        for lat, lon in queries:
            start = time.perf_counter()
            search.nearest(
                Place(lat, lon, "bench", "coordinates"), now=now, open_at=now if open_now else None
            )
            timings.append((time.perf_counter() - start) * 1000)
    return timings, count / len(queries)


def _p95(timings: list[float]) -> float:
    return statistics.quantiles(timings, n=20)[-1]


def postgis_knn(queries: list[tuple[float, float]]) -> tuple[float, float] | str:
    """p95 ms of a PostGIS KNN query (geography, GiST index) for the nearest 10 over the
    same rows: bare, and with the places loaded with their hours. Or why it cannot run."""
    if connection.vendor != "postgresql":
        return "PostGIS: not measured (SQLite)"
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'")
        if cursor.fetchone() is None:
            return (
                "PostGIS: extension not available on this server, not measured "
                "(Debian: apt-get install postgresql-15-postgis-3)"
            )
        cursor.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        cursor.execute("DROP TABLE IF EXISTS bench_knn")
        cursor.execute(
            "CREATE TABLE bench_knn AS SELECT id, geography(ST_SetSRID(ST_MakePoint("
            "longitude::float8, latitude::float8), 4326)) AS place FROM contactpoints_contactpoint"
        )
        cursor.execute("CREATE INDEX ON bench_knn USING gist (place)")
        cursor.execute("ANALYZE bench_knn")
    sql = (
        "SELECT id FROM bench_knn ORDER BY place <-> "
        "geography(ST_SetSRID(ST_MakePoint(%s, %s), 4326)) LIMIT 10"
    )
    bare, loaded = [], []
    with connection.cursor() as cursor:
        for lat, lon in queries:
            start = time.perf_counter()
            cursor.execute(sql, [lon, lat])
            ids = [row[0] for row in cursor.fetchall()]
            middle = time.perf_counter()
            list(ContactPoint.objects.filter(pk__in=ids).with_hours())
            end = time.perf_counter()
            bare.append((middle - start) * 1000)
            loaded.append((end - start) * 1000)
        cursor.execute("DROP TABLE bench_knn")
    return _p95(bare), _p95(loaded)


TARGET_INDEX_BYTES = 25 * 2**20


def _index_memory() -> int:
    """Bytes an index of the current places holds once built, with one day's sessions
    laid out (as a worker keeps it), traced on its own."""
    tracemalloc.start()
    try:
        index = nearby.Index.build(version=-1)
        index.open_at(NOON)
        held, _peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    del index
    return held


def run(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="bench nearest")
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--queries", type=int, default=1000)
    args = parser.parse_args(argv)
    rng = random.Random(20261127)
    positions = london_postcodes()
    queries = rng.sample(positions, args.queries)
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    print(f"Nearest 10, {args.queries} queries at London postcodes, database: {engine}")
    print(
        f"{'points':>8} {'median ms':>10} {'p95 ms':>8} {'max ms':>8} {'queries':>8}"
        "  same as brute force"
    )
    worst_p95 = worst_open_p95 = worst_queries = worst_memory = 0.0
    for size in (int(s) for s in args.sizes.split(",")):
        populate(size, positions, rng)
        start = time.perf_counter()
        nearby.index()
        built = time.perf_counter() - start
        start = time.perf_counter()
        nearby.index().open_at(NOON)
        sessions = time.perf_counter() - start
        # Each search as a worker meets it first: its places loaded with their hours.
        timings, queries_first = _timed(queries, NOON)
        # Searches again near places this worker has just loaded (a town searched often).
        _timed(queries[:100], NOON)
        _again, queries_again = _timed(queries[:100], NOON)
        # "Open now" on a Wednesday at noon (most open) and at 03:00 (none open: the
        # search reaches its limit, and looks for the nearest open now too).
        noon, _ = _timed(queries, NOON, open_now=True)
        night, _ = _timed(queries, NIGHT, open_now=True)
        far, _far_queries = _timed([(-51.5, 179.9)] * 5, NOON)  # the antipode of London
        # Check a sample against a brute-force geodesic ranking over every row.
        everything = [
            (pk, float(lat), float(lon))
            for pk, lat, lon in ContactPoint.objects.values_list("pk", "latitude", "longitude")
        ]
        checks = 20 if size <= 10_000 else 3
        identical = all(
            [pk for _d, pk in nearby.nearest(lat, lon, limit=10)]
            == [key for _, key in sorted(
                (geo.distance_m((lat, lon), (a, b)), key) for key, a, b in everything
            )[:10]]
            for lat, lon in queries[:checks]
        )  # fmt: skip
        p95 = _p95(timings)
        worst_p95 = max(worst_p95, p95)
        worst_queries = max(worst_queries, queries_again)
        print(
            f"{size:>8} {statistics.median(timings):>10.2f} {p95:>8.2f} {max(timings):>8.2f}"
            f" {queries_first:>8.2f}  {'yes' if identical else 'NO'} ({checks} checked)"
        )
        open_p95 = max(_p95(noon), _p95(night))
        worst_open_p95 = max(worst_open_p95, open_p95)
        print(
            f"{'':>8} open now at noon: p95 {_p95(noon):.2f} ms; at 03:00 (none open, "
            f"reaches {settings.SEARCH_WITHIN_KM} km): p95 {_p95(night):.2f} ms; the "
            f"antipode: max {max(far):.2f} ms"
        )
        print(
            f"{'':>8} queries a search: {queries_first:.2f} as first met (the places found "
            f"loaded with their hours), {queries_again:.2f} searching again near them"
        )
        print(
            f"{'':>8} once per data version in each worker: index {built * 1000:.0f} ms; "
            f"once per day asked about: that day's sessions {sessions * 1000:.0f} ms"
        )
        held = _index_memory()
        worst_memory = max(worst_memory, held)
        print(f"{'':>8} the index in memory, with a day's sessions: {held / 2**20:.1f} MiB")
        knn = postgis_knn(queries[:200])
        if isinstance(knn, str):
            print(f"{'':>8} {knn}")
            anchor = knn
        else:
            print(
                f"{'':>8} PostGIS KNN p95 {knn[0]:.2f} ms bare, {knn[1]:.2f} ms with the places "
                f"loaded: this search takes {p95 / knn[1]:.2f}× the latter"
            )
            anchor = f"PostGIS KNN with the places loaded {knn[1]:.2f} ms"
        verdicts.judge(
            f"nearest at {size:,} places, incl. loading", f"p95 {p95:.2f} ms", "≤ 10 ms",
            p95 < 10, anchor=anchor,
        )  # fmt: skip
        verdicts.judge(
            f'nearest at {size:,} places, "open now"', f"p95 {open_p95:.2f} ms", "≤ 10 ms",
            open_p95 < 10,
        )  # fmt: skip
        verdicts.judge(
            f"nearest at {size:,} places: index per worker", f"{held / 2**20:.1f} MiB",
            f"≤ {TARGET_INDEX_BYTES / 2**20:.0f} MiB", held <= TARGET_INDEX_BYTES,
        )  # fmt: skip
    verdict = "MEETS" if worst_p95 < 10 else "MISSES"
    print(f"Worst p95 {worst_p95:.2f} ms: {verdict} the 10 ms target.")
    verdict = "MEETS" if worst_open_p95 < 10 else "MISSES"
    print(f'Worst p95 with "open now" {worst_open_p95:.2f} ms: {verdict} the 10 ms target.')
    verdict = "MEETS" if worst_memory <= TARGET_INDEX_BYTES else "MISSES"
    print(
        f"Largest index {worst_memory / 2**20:.1f} MiB per worker: {verdict} the "
        f"{TARGET_INDEX_BYTES / 2**20:.0f} MiB target."
    )
    verdict = verdicts.judge(
        "nearest: SQL queries a search, places loaded", f"{worst_queries:.2f}", "1–2",
        worst_queries <= 2,
    )  # fmt: skip
    print(
        f"At most {worst_queries:.2f} SQL queries a search once its places are loaded: "
        f"{verdict} the target of 1–2 (see above for searches meeting places first)."
    )
