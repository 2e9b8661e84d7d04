"""Importing postcodes: throughput and peak memory on the Code-Point Open files.

uv run python -m bench import_postcodes
"""

from __future__ import annotations

import argparse
import time
import tracemalloc

from django.conf import settings

from contactpoints.gazetteer import import_postcodes
from contactpoints.models import Postcode
from tests.shared_data import CODEPOINT_RAW


def run(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="bench import_postcodes")
    parser.add_argument("--path", default=str(CODEPOINT_RAW))
    args = parser.parse_args(argv)
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    print(f"import_postcodes {args.path}, database: {engine}")
    print(f"{'run':<22} {'rows':>8} {'seconds':>8} {'rows/s':>8} {'peak MiB':>9}")
    Postcode.objects.all().delete()
    for label in ("first (all inserted)", "again (all unchanged)"):
        tracemalloc.start()
        start = time.perf_counter()
        report = import_postcodes([args.path])
        seconds = time.perf_counter() - start
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(
            f"{label:<22} {report.rows:>8} {seconds:>8.1f} {report.rows / seconds:>8.0f} "
            f"{peak / 2**20:>9.1f}"
        )
    print("Peak is Python memory traced during the run (tracemalloc slows the run a little).")
