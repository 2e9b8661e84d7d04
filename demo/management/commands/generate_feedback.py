from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from core.time import local
from demo.feedback import generate


class Command(BaseCommand):
    help = (
        "Generate SYNTHETIC visitor feedback for the demo (fixed seed, flagged and labelled "
        "'synthetic'). Runs once: nothing is added while synthetic answers exist."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=150, help="How far back (default 150)")

    def handle(self, *args: Any, days: int, **options: Any) -> None:
        added = generate(local(timezone.now()).date(), days=days)
        self.stdout.write(self.style.SUCCESS(f"Synthetic demo feedback: {added} answers added."))
