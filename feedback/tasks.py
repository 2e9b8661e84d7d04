"""Daily work of visitor feedback (`manage.py daily`)."""

from __future__ import annotations

from datetime import date

from . import release


def release_and_forget(*, today: date) -> str:
    """Publish every month that is due, then delete the answers past the retention period
    whose month is published."""
    released = release.release(today)
    deleted = release.forget_daily_answers(today)
    tickets = release.forget_used_tickets()
    return (
        f"{released} month(s) published; {deleted} answer(s) deleted; "
        f"{tickets} expired ticket(s) forgotten"
    )
