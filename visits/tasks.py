"""Daily work of the visits app (`manage.py daily`)."""

from __future__ import annotations

from datetime import date, timedelta

from contactpoints.models import ContactPoint
from core.time import midnight

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
    return f"{created} new session(s) scheduled for the next {AHEAD_DAYS} days"
