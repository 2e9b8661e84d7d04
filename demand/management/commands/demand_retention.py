from typing import Any

from django.core.management.base import BaseCommand

from demand import release


class Command(BaseCommand):
    help = (
        "Publish the search counts of every month that is due, then delete the daily counts "
        "older than DEMAND_RETENTION_DAYS whose month is published (run daily)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        release.release()
        deleted = release.forget_daily_counts()
        self.stdout.write(f"{deleted} daily search counts deleted; the published months kept.")
