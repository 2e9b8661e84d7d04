from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from core.time import local
from demo.searches import generate


class Command(BaseCommand):
    help = (
        "Generate SYNTHETIC search counts for the demo (fixed seed, flagged and labelled "
        "'synthetic'). Runs once: nothing is added while synthetic searches exist."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=180, help="How far back (default 180)")

    def handle(self, *args: Any, days: int, **options: Any) -> None:
        def progress(done: int, total: int, area: str) -> None:
            if done == 0:
                self.stdout.write(
                    f"Generating synthetic searches for the last {days} days in {total} areas …"
                )
            elif done % 10 == 0 or done == total:
                self.stdout.write(f"  searches: {done}/{total} areas ({area})")
            self.stdout.flush()

        added = generate(local(timezone.now()).date(), days=days, progress=progress)
        self.stdout.write(self.style.SUCCESS(f"Synthetic demo searches: {added} added."))
