from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from demo.visits import generate


class Command(BaseCommand):
    help = (
        "Generate SYNTHETIC sessions and visits for the demo contact points (fixed seed, "
        "labelled 'synthetic'). Safe to re-run: only missing past sessions are added."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=730, help="How far back (default 2 years)")
        parser.add_argument("--seed", type=int, default=20261127)

    def handle(self, *args: Any, days: int, seed: int, **options: Any) -> None:
        def progress(done: int, total: int, name: str) -> None:
            self.stdout.write(f"  visits: {done}/{total} places ({name})")
            self.stdout.flush()

        self.stdout.write(f"Generating synthetic visits for the last {days} days, place by place …")
        result = generate(days=days, seed=seed, progress=progress)
        self.stdout.write(
            self.style.SUCCESS(
                f"Synthetic demo data: {result.sessions} sessions and {result.visits} visits added."
            )
        )
