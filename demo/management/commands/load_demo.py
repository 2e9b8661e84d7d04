from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from contactpoints import importer
from demo.places import MET_LIST, load_demo, met_2025_rows
from demo.staff import create_demo_staff, refuse_without_debug


class Command(BaseCommand):
    help = "Load the demo contact points (idempotent). Optionally create demo staff accounts."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Put every demo contact point back as shipped, undoing edits to them.",
        )
        parser.add_argument(
            "--with-staff",
            action="store_true",
            help="Create demo staff accounts and print how to sign in (DEBUG only).",
        )

    def handle(self, *args: Any, reset: bool, with_staff: bool, **options: Any) -> None:
        if with_staff:
            refuse_without_debug()
        created, restored = load_demo(reset=reset)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo contact points: {created} created, {restored} reset, "
                "the rest already present."
            )
        )
        self._import_met_list()
        if with_staff:
            create_demo_staff(self.stdout.write)

    def _import_met_list(self) -> None:
        """The real 2025 Met front counter list from the shared data, when it is there."""
        if not MET_LIST.is_file():
            self.stdout.write(f"No Met front counter list at {MET_LIST}: not imported.")
            return
        rows, skipped = met_2025_rows()
        try:
            result = importer.import_rows(rows, today=timezone.localdate())
        except importer.ImportFailed as error:
            raise CommandError(f"The Met list did not import: {error}") from error
        self.stdout.write(self.style.SUCCESS(f"Met front counters (2025 list): {result.summary()}"))
        for reason in skipped:
            self.stdout.write(f"  Left out: {reason}")
