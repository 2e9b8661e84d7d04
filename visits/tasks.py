"""Daily work of the visits app (`manage.py daily`)."""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone

from contactpoints.models import ContactPoint
from core.time import midnight

from .models import CheckedSheet
from .services import sessions_schedule

AHEAD_DAYS = 14


def schedule_sessions(*, today: date) -> str:
    """The sessions the opening hours advertise, today and the next 13 days (idempotent):
    the counter pages only read them."""
    begin = midnight(today)
    created = sum(
        sessions_schedule(contact_point=cp, start=begin, end=begin + timedelta(days=AHEAD_DAYS))
        for cp in ContactPoint.objects.operating().with_hours()
    )
    expired = timezone.now() - CheckedSheet.KEPT_FOR
    forgotten, _ = CheckedSheet.objects.filter(checked_at__lt=expired).delete()
    return (
        f"{created} new session(s) scheduled for the next {AHEAD_DAYS} days; "
        f"{forgotten} expired footfall check(s) forgotten"
    )
