import time
import tracemalloc
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from coverage import london


class Command(BaseCommand):
    help = (
        "Work out London's coverage (every postcode, every open contact point, each hour of "
        "a week) and keep it in the shared cache for /coverage/. Prints London's figures."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--week", type=date.fromisoformat, help="A day of the week (YYYY-MM-DD); default today"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        tracemalloc.start()
        started = time.perf_counter()
        where = london.london_map()
        if not where.ward_codes:
            raise CommandError("No wards: run `manage.py import_boundaries` first.")
        figures = london.london(options["week"])
        _current, peak = tracemalloc.get_traced_memory()
        overall = figures.result.overall().mean(axis=0)
        shares = ", ".join(
            f"{share * 100:.0f}% within {t} minutes"
            for t, share in zip(london.method().thresholds, overall, strict=True)
        )
        self.stdout.write(
            f"Week of {figures.week:%-d %B %Y}: {int(figures.result.total.sum()):,} postcodes "
            f"in {len(where.ward_codes)} wards, {figures.places} places open for business. "
            f"Averaged over the 168 hours: {shares}. "
            f"({time.perf_counter() - started:.1f} s, {peak / 2**20:.0f} MiB at peak)"
        )
