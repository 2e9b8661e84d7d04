from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from core.time import local
from demo.reviews import load_demo_reviews


class Command(BaseCommand):
    help = "Create the demo reviews (one published, one draft) if they are missing."

    def handle(self, *args: Any, **options: Any) -> None:
        def progress(step: str) -> None:
            self.stdout.write(f"  demo reviews: {step} …")
            self.stdout.flush()

        created = load_demo_reviews(today=local(timezone.now()).date(), progress=progress)
        self.stdout.write(self.style.SUCCESS(f"Demo reviews: {created} created."))
