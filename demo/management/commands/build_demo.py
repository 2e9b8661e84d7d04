from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from demo.staff import create_demo_staff, refuse_without_debug

# The synthetic history; each generator adds nothing while its records exist.
GENERATORS = ("generate_visits", "generate_demand", "generate_feedback")


class Command(BaseCommand):
    help = (
        "Load the whole demo after the postcodes and wards: the demo and real contact "
        "points, SYNTHETIC visits, searches and feedback, the demo reviews, the day's "
        "scheduled work, then (with --with-staff) the demo staff accounts. Each step is "
        "idempotent, so this is safe to re-run."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--with-staff",
            action="store_true",
            help="Create demo staff accounts and print how to sign in, last (DEBUG only).",
        )
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help="Days of synthetic history (default: each generator's own, up to two years)",
        )

    def handle(self, *args: Any, with_staff: bool, days: int | None, **options: Any) -> None:
        if days is not None and days < 1:
            raise CommandError(f"--days must be a whole number of days, 1 or more (not {days}).")
        if with_staff:
            refuse_without_debug()
        # One process for every step: each started as a command of its own spends 3–5 s of
        # a slow machine starting Python and Django before it does anything.
        out = {"stdout": self.stdout, "stderr": self.stderr}
        history = {} if days is None else {"days": days}
        call_command("load_demo", **out)
        for generator in GENERATORS:
            call_command(generator, **history, **out)
        call_command("load_demo_reviews", **out)
        call_command("daily", **out)
        if with_staff:
            # Last, so the passwords are on screen when the server starts.
            create_demo_staff(self.stdout.write)
