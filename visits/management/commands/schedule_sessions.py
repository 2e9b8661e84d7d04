from datetime import date, datetime, timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from contactpoints.models import ContactPoint
from core.time import LONDON, local
from visits.services import sessions_schedule


class Command(BaseCommand):
    help = (
        "Create the staffed sessions that the opening hours advertise, for a date range "
        "(default: today and the next 13 days). Safe to re-run; run it daily from cron."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--from", dest="start", type=date.fromisoformat, default=None)
        parser.add_argument("--days", type=int, default=14)
        parser.add_argument("--contact-point", dest="slug", default=None)

    def handle(self, *args: Any, start: date | None, days: int, slug: str | None, **o: Any) -> None:
        if days < 1 or days > 366:
            raise CommandError("--days must be between 1 and 366.")
        first = start or local(datetime.now(tz=LONDON)).date()
        begin = datetime.combine(first, datetime.min.time(), tzinfo=LONDON)
        contact_points = ContactPoint.objects.operating().with_hours()
        if slug:
            contact_points = contact_points.filter(slug=slug)
            if not contact_points.exists():
                raise CommandError(f"No operating contact point is called “{slug}”.")
        created = sum(
            sessions_schedule(contact_point=cp, start=begin, end=begin + timedelta(days=days))
            for cp in contact_points
        )
        self.stdout.write(
            self.style.SUCCESS(f"Scheduled {created} new session(s) from {first} for {days} days.")
        )
