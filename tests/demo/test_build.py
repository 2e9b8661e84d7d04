"""`manage.py build_demo`, what `make run` loads after the postcodes and wards: every step in
order in one process, nothing added twice, the staff passwords last."""

import io
from datetime import datetime

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.test import override_settings

from contactpoints.models import ContactPoint
from core.time import LONDON
from demand.models import SearchCount
from feedback.models import Response
from reviews.models import Review
from visits.models import Visit

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 27, 12, tzinfo=LONDON)


def _build(*args: str) -> list[str]:
    out = io.StringIO()
    with time_machine.travel(NOW, tick=False):
        call_command("build_demo", *args, stdout=out, no_color=True)
    return [line for line in out.getvalue().splitlines() if line.strip()]


def test_no_staff_accounts_without_debug_and_nothing_loaded_first() -> None:
    with pytest.raises(CommandError, match="only created when DEBUG is on"):
        call_command("build_demo", "--with-staff", stdout=io.StringIO())
    assert not ContactPoint.objects.exists()


@pytest.mark.parametrize("days", ["0", "-5"])
def test_a_history_of_no_days_is_refused_before_anything_is_loaded(days: str) -> None:
    with pytest.raises(CommandError, match="--days must be a whole number of days, 1 or more"):
        call_command("build_demo", "--days", days, stdout=io.StringIO())
    assert not ContactPoint.objects.exists()


@override_settings(DEBUG=True)
def test_every_step_once_in_order_with_the_passwords_last() -> None:
    # Two days of history: every generator adds something, and it stays quick (what each
    # adds over the full history is tested beside the generators).
    first = _build("--with-staff", "--days", "2")

    def at(start: str) -> int:
        return next(i for i, line in enumerate(first) if line.startswith(start))

    steps = [
        "Demo contact points:",
        "Synthetic demo data:",
        "Synthetic demo searches:",
        "Synthetic demo feedback:",
        "Demo reviews:",
        "visits.tasks.schedule_sessions:",
        "Demo staff accounts",
    ]
    assert [at(step) for step in steps] == sorted(at(step) for step in steps)
    assert first[-1].startswith("  Sign in at http://127.0.0.1:8000/accounts/login/")
    counts = [Visit.objects.count(), SearchCount.objects.count(), Response.objects.count()]
    assert all(counts)
    reviews = Review.objects.count()

    again = _build("--days", "2")
    assert "Synthetic demo data: 0 sessions and 0 visits added." in again
    assert "Synthetic demo searches: 0 added." in again
    assert "Synthetic demo feedback: 0 answers added." in again
    assert "Demo reviews: 0 created." in again
    assert not any("Demo staff accounts" in line for line in again)
    assert [Visit.objects.count(), SearchCount.objects.count(), Response.objects.count()] == counts
    assert Review.objects.count() == reviews
