import time
from datetime import date
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.module_loading import import_string

from core.time import local


class Command(BaseCommand):
    help = (
        "The day's scheduled work, in order (settings.DAILY_TASKS): schedule sessions, "
        "release due months of usage, search demand and feedback (and delete what is past "
        "its retention), work out coverage ahead of readers. Safe to run again; run it "
        "daily, for example from cron or a systemd timer (docs/operations.md)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--today", type=date.fromisoformat, default=None, help="As if on this day"
        )

    def handle(self, *args: Any, today: date | None = None, **options: Any) -> None:
        today = today or local(timezone.now()).date()
        failed = []
        for path in settings.DAILY_TASKS:
            started = time.perf_counter()
            try:
                said = import_string(path)(today=today)
            except Exception as error:  # one task's failure does not stop the others
                failed.append(path)
                self.stderr.write(f"{path}: failed: {type(error).__name__}: {error}")
                continue
            self.stdout.write(f"{path}: {said} ({time.perf_counter() - started:.1f} s)")
        if failed:
            raise CommandError(f"{len(failed)} task(s) failed: {', '.join(failed)}")
