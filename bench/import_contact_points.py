"""Importing a list of contact points: rows a second for a police force's whole list.

1,000 rows in the documented columns (docs/importing.md), each with its hours and every
fact with how it is known, imported into an empty database (all created), then again
(all unchanged), then with every row's name and hours changed (all updated). Each run is
one transaction, as `manage.py import_contact_points` and the admin upload do it.
Target: at least 1,000 rows a second for each.

    uv run python -m bench import_contact_points [--rows 1000]
"""

from __future__ import annotations

import argparse
import random
import time

from django.db import connection
from django.utils import timezone

from bench import verdicts
from contactpoints import importer
from contactpoints.models import ContactPoint
from core.time import local

TARGET_ROWS_PER_SECOND = 1_000
FACTS = ["private_room", "step_free_access", "hearing_loop", "interpreter", "toilets",
         "crime_reporting", "lost_property", "bail_signing", "documents", "advice"]  # fmt: skip
ANSWERS = ["yes", "no", "unknown"]


def rows(
    count: int, rng: random.Random, *, changed: bool = False
) -> list[tuple[int, dict[str, str]]]:
    made = []
    for n in range(count):
        opens = 8 + n % 4 + (2 if changed else 0)
        cells = {
            "slug": f"import-{n:05d}",
            "name": f"Imported contact point {n}{' (renamed)' if changed else ''}",
            "kind": "contact_point" if n % 3 else "front_counter",
            "status": "open",
            "address": f"{n} High Street",
            "borough": "Westminster",
            "latitude": f"{51.3 + (n * 7919 % 4000) / 10000:.6f}",
            "longitude": f"{-0.5 + (n * 104729 % 8000) / 10000:.6f}",
            "hours": f"Mon-Fri {opens:02d}:00-17:00; Sat 10:00-13:00",
            "hours_from": "2026-03-01",
            "bank_holidays": "closed",
            "facts_basis": "source",
            "facts_checked_on": "2026-11-01",
            "source": "Benchmark list (November 2026)",
        }
        cells |= {fact: rng.choice(ANSWERS) for fact in FACTS}
        made.append((n + 2, cells))
    return made


def run(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench import_contact_points")
    parser.add_argument("--rows", type=int, default=1000)
    options = parser.parse_args(argv)
    print(f"Contact point import, {options.rows:,} rows, database: {connection.vendor}")
    ContactPoint.objects.filter(slug__startswith="import-").delete()
    today = local(timezone.now()).date()
    worst = float("inf")
    for label, changed in (("created", False), ("unchanged", False), ("updated", True)):
        given = rows(options.rows, random.Random(20261202), changed=changed)
        start = time.perf_counter()
        result = importer.import_rows(given, today=today)
        seconds = time.perf_counter() - start
        rate = options.rows / seconds
        worst = min(worst, rate)
        counts = f"{result.created} created, {result.updated} updated, {result.unchanged} unchanged"
        print(f"  {label:<10} {seconds:>6.2f} s  {rate:>7,.0f} rows/s  ({counts})")
    verdict = verdicts.judge(
        "contact point import, slowest of created/unchanged/updated", f"{worst:,.0f} rows/s",
        f"≥ {TARGET_ROWS_PER_SECOND:,} rows/s", worst >= TARGET_ROWS_PER_SECOND,
    )  # fmt: skip
    print(f"Slowest {worst:,.0f} rows/s: {verdict} the {TARGET_ROWS_PER_SECOND:,} rows/s target.")
