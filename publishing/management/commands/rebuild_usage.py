from typing import Any

from django.core.management.base import BaseCommand

from publishing.rollup import usage_rebuild


class Command(BaseCommand):
    help = (
        "Rebuild the usage roll-up (visits per contact point per day, by category) and "
        "each session's visit count from the visits. Safe at any time; needed after bulk "
        "loads that bypass visits.services."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        days = usage_rebuild()
        self.stdout.write(self.style.SUCCESS(f"Usage roll-up rebuilt: {days} contact point days."))
