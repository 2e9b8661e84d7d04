from typing import Any

from django.core.management.base import BaseCommand

from feedback import release


class Command(BaseCommand):
    help = (
        "Publish the visitor feedback of every month that is due, then delete the answers "
        "older than FEEDBACK_RETENTION_DAYS whose month is published (run daily)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        release.release()
        deleted = release.forget_daily_answers()
        self.stdout.write(f"{deleted} answers deleted; the published months kept.")
