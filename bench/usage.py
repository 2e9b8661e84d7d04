"""Usage summaries over five years of visits for 1,000 contact points (millions of rows).

Target (issue): /usage/ under 300 ms cold on PostgreSQL and under 50 ms cached; figures
computed in the database. Prints rows, times and query counts, cold and cached.

    uv run python -m bench usage [--points 1000] [--years 5] [--visits-per-session 8]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta

from django.core.cache import cache, caches
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bench import verdicts
from contactpoints.models import ContactPoint, Kind
from core import pagecache
from demo.visits import synthetic_user
from publishing import release, usage
from publishing.rollup import usage_rebuild
from visits.models import Purpose, StaffedSession, Visit

PURPOSES = list(Purpose.values)


def populate(points: int, years: int, per_session: int) -> tuple[int, int]:
    ContactPoint.objects.bulk_create(
        ContactPoint(
            name=f"Usage bench {i:04d}", slug=f"usage-{i:04d}", kind=Kind.CONTACT_POINT,
            borough=f"Borough {i % 33}", is_published=True,
        )
        for i in range(points)
    )  # fmt: skip
    cps = list(ContactPoint.objects.filter(slug__startswith="usage-").values_list("pk", flat=True))
    sessions, visits = sessions_and_visits(cps, weeks=52 * years, per_session=per_session)
    started = time.perf_counter()
    days = usage_rebuild()
    print(
        f"  (roll-up rebuilt: {days:,} contact point days in {time.perf_counter() - started:.0f} s)"
    )
    return sessions, visits


def sessions_and_visits(
    cps: list[int], *, weeks: int, per_session: int, seed: int = 5
) -> tuple[int, int]:
    """A two-hour session a week at each of these places over the last `weeks` weeks (one
    in ten cancelled) and 0 to 2 × `per_session` visits in each held one, written in bulk
    (the roll-up is not updated: rebuild it after). Returns (sessions, visits)."""
    rng = random.Random(seed)
    user = synthetic_user()
    now = datetime.now(tz=UTC).replace(minute=0, second=0, microsecond=0)
    first = now - timedelta(weeks=weeks)

    def session(cp: int, start: datetime) -> StaffedSession:
        end = start + timedelta(hours=2)
        if rng.random() < 0.1:
            return StaffedSession(
                contact_point_id=cp, scheduled_start=start, scheduled_end=end,
                state="cancelled", reason="Bench", source="synthetic",
            )  # fmt: skip
        return StaffedSession(
            contact_point_id=cp, scheduled_start=start, scheduled_end=end, actual_start=start,
            actual_end=end, state="held", source="synthetic",
        )  # fmt: skip

    sessions = [
        session(cp, first + timedelta(weeks=week, hours=rng.randint(9, 19)))
        for cp in cps
        for week in range(weeks)
    ]
    StaffedSession.objects.bulk_create(sessions, batch_size=5000)
    held = StaffedSession.objects.filter(
        contact_point_id__in=cps, state="held", source="synthetic"
    ).values_list("pk", "contact_point_id", "scheduled_start")
    columns = (
        "contact_point_id, session_id, arrived_at, purpose, private_room, heard_via, outcome, "
        "language_assistance, idempotency_key, source, recorded_by_id, created_at, updated_at"
    )
    sql = f"INSERT INTO visits_visit ({columns}) VALUES ({', '.join(['%s'] * 13)})"  # noqa: S608
    batch: list[tuple[object, ...]] = []
    count = 0
    adapt = connection.ops.adapt_datetimefield_value
    stamp = adapt(now)
    with connection.cursor() as cursor:
        for session_pk, cp, start in held.iterator(chunk_size=10_000):
            for _ in range(rng.randint(0, per_session * 2)):
                arrived = start + timedelta(minutes=rng.randint(0, 119))
                batch.append((
                    cp, session_pk, adapt(arrived), rng.choice(PURPOSES), "not_needed",
                    "not_asked", "not_recorded", False,
                    uuid.uuid4().hex if connection.vendor == "sqlite" else uuid.uuid4(),
                    "synthetic", user.pk, stamp, stamp,
                ))  # fmt: skip
                if len(batch) >= 10_000:
                    cursor.executemany(sql, batch)
                    count += len(batch)
                    batch = []
        if batch:
            cursor.executemany(sql, batch)
            count += len(batch)
    return len(sessions), count


def timed(client: Client, url: str, runs: int = 5) -> tuple[float, float, int, int]:
    """(cold p95 ms, cached median ms, cold queries, cached queries). Cold: the page cache
    emptied before each of seven requests, and this process's copies of the answers and
    cleaned choices it served forgotten (as a worker that never served it), in a process
    already serving pages."""
    colds = []
    for _ in range(7):
        cache.clear()
        caches["pages"].clear()
        pagecache.forget_recent()
        with CaptureQueriesContext(connection) as cold_queries:
            start = time.perf_counter()
            response = client.get(url)
            colds.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    cold = sorted(colds)[-1] if len(colds) < 20 else statistics.quantiles(colds, n=20)[18]
    warm = []
    for _ in range(runs):
        with CaptureQueriesContext(connection) as warm_queries:
            start = time.perf_counter()
            assert client.get(url).status_code == 200
            warm.append((time.perf_counter() - start) * 1000)
    return cold, statistics.median(warm), len(cold_queries), len(warm_queries)


def run(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="bench usage")
    parser.add_argument("--points", type=int, default=1000)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--visits-per-session", type=int, default=8)
    args = parser.parse_args(argv)
    start = time.perf_counter()
    sessions, visits = populate(args.points, args.years, args.visits_per_session)
    print(
        f"Usage summaries, database: {connection.vendor}: {args.points} contact points, "
        f"{sessions:,} sessions, {visits:,} visits over {args.years} years "
        f"(generated in {time.perf_counter() - start:.0f} s)"
    )
    started = time.perf_counter()
    release.release()
    months = release.released_months()
    if connection.vendor == "postgresql":
        # Autovacuum analyses tables this changed within a minute or so; without planner
        # statistics for freshly loaded tables the figures would be of an unusual state.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(
        f"  (first release: {len(months)} months × {args.points} contact points protected and "
        f"stored in {time.perf_counter() - started:.1f} s; later months are released one at a "
        "time)"
    )
    client = Client()
    client.get("/contact-points/")  # a running server: templates loaded, connection open
    # The most an outsider can ask for: the longest public period, every contact point.
    longest = months[-usage.MAX_PUBLIC_MONTHS :]
    widest = f"start={longest[0]:%Y-%m}&end={longest[-1]:%Y-%m}"
    print(f"{'page':<46} {'cold p95 ms':>11} {'cached ms':>10} {'queries cold/cached':>20}")
    target = 300.0
    for name, url, judged in (
        ("/usage/ (default: last 12 published months)", "/usage/", True),
        (f"/usage/ (most expensive: {len(longest)} months)", f"/usage/?{widest}", True),
        ("/usage/usage.csv (most expensive)", f"/usage/usage.csv?{widest}", True),
        ("/usage/<slug>/ (default)", f"/usage/usage-{args.points // 2:04d}/", False),
        (f"/usage/<slug>/ ({len(longest)} months)",
         f"/usage/usage-{args.points // 2:04d}/?{widest}", False),
    ):  # fmt: skip
        cold, warm, q_cold, q_warm = timed(client, url)
        verdict = ""
        if judged:
            verdict = verdicts.judge(
                f"usage cold: {name}", f"{cold:.0f} ms", f"≤ {target:g} ms", cold <= target
            )
        print(f"{name:<46} {cold:>11.0f} {warm:>10.1f} {q_cold:>11} / {q_warm}   {verdict}")
    # The same sums straight from the visits, for scale: one bare GROUP BY over a year.
    year_ago = timezone.now() - timedelta(days=365)
    started = time.perf_counter()
    list(
        Visit.objects.filter(arrived_at__gte=year_ago)
        .values("contact_point")
        .annotate(n=Count("pk"))
        .order_by()
    )
    bare = (time.perf_counter() - started) * 1000
    print(f"Baseline: a bare GROUP BY of a year's visits by contact point: {bare:.0f} ms.")
    print(
        f"Target: public usage requests under {target:.0f} ms cold at p95 on PostgreSQL "
        "(5 years × 1,000 places), under 50 ms cached."
    )
