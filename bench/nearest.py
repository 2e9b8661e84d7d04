"""Nearest 10 among 1k / 10k / 100k contact points: server time of the query.

Target (PRODUCT.md): p95 under 10 ms at 100,000 points, growing far slower than the
number of points, with the ordering of a brute-force geodesic ranking. Query points are
real London postcodes (Code-Point Open 2014, ../shared/data).

    uv run python -m bench nearest [--sizes 1000,10000,100000] [--queries 1000]
"""

from __future__ import annotations

import argparse
import csv
import gzip
import random
import statistics
import time
from decimal import Decimal

from django.conf import settings

from contactpoints import geo
from contactpoints.models import ContactPoint, Kind, Status
from tests.shared_data import LONDON_POSTCODES


def london_postcodes() -> list[tuple[float, float]]:
    with gzip.open(LONDON_POSTCODES, "rt", newline="") as stream:
        return [(float(r["latitude"]), float(r["longitude"])) for r in csv.DictReader(stream)]


def populate(count: int, positions: list[tuple[float, float]], rng: random.Random) -> None:
    """`count` published contact points at London postcodes (jittered a little)."""
    ContactPoint.objects.all().delete()
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
    print(f"{'points':>8} {'median ms':>10} {'p95 ms':>8} {'max ms':>8}  same as brute force")
    worst_p95 = 0.0
    for size in (int(s) for s in args.sizes.split(",")):
        populate(size, positions, rng)
        queryset = ContactPoint.objects.published()
        queryset.nearest(*queries[0])  # warm up
        timings = []
        for lat, lon in queries:
            start = time.perf_counter()
            queryset.nearest(lat, lon, limit=10)
            timings.append((time.perf_counter() - start) * 1000)
        # Check a sample against a brute-force geodesic ranking over every row.
        everything = [
            (pk, float(lat), float(lon))
            for pk, lat, lon in ContactPoint.objects.values_list("pk", "latitude", "longitude")
        ]
        checks = 20 if size <= 10_000 else 3
        identical = all(
            [cp.pk for cp, _ in queryset.nearest(lat, lon, limit=10)]
            == [key for _, key in sorted(
                (geo.distance_m((lat, lon), (a, b)), key) for key, a, b in everything
            )[:10]]
            for lat, lon in queries[:checks]
        )  # fmt: skip
        p95 = statistics.quantiles(timings, n=20)[-1]
        worst_p95 = max(worst_p95, p95)
        print(
            f"{size:>8} {statistics.median(timings):>10.2f} {p95:>8.2f} {max(timings):>8.2f}"
            f"  {'yes' if identical else 'NO'} ({checks} checked)"
        )
    verdict = "meets" if worst_p95 < 10 else "MISSES"
    print(f"Worst p95 {worst_p95:.2f} ms: {verdict} the 10 ms target.")
    ContactPoint.objects.all().delete()
