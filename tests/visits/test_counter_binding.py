"""The counter bound to its officer and its session: a change is recorded as made by the
officer who made it or not at all; the counter changes a session only within the offline
grace after it and never a published month; a sign-in does not outlive its maximum age."""

import uuid
from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.test import Client

from core.time import LONDON
from publishing.models import UsageRelease
from tests.conftest import sign_in
from tests.factories import staff_user
from users import roles
from visits import services
from visits.models import StaffedSession, Visit

pytestmark = pytest.mark.django_db

JSON = {"HTTP_ACCEPT": "application/json"}
EVENING = datetime(2026, 11, 25, 19, 5, tzinfo=LONDON)


@pytest.fixture
def evening(beethoven) -> StaffedSession:
    day = EVENING.replace(hour=0, minute=0)
    services.sessions_schedule(contact_point=beethoven, start=day, end=day + timedelta(days=1))
    return StaffedSession.objects.get(contact_point=beethoven)


def _tap(client: Client, session: StaffedSession, at: datetime, **extra: object):
    return client.post(
        f"/staff/sessions/{session.pk}/visits/",
        {
            "purpose": "advice",
            "idempotency_key": uuid.uuid4(),
            "tapped_at": at.isoformat(),
            **extra,
        },
        **JSON,
    )


def test_a_change_made_by_another_officer_is_refused_not_recorded_as_theirs(
    beethoven, evening: StaffedSession
) -> None:
    first = staff_user("first", roles.OFFICER, beethoven)
    second = staff_user("second", roles.OFFICER, beethoven)
    phone = sign_in(Client(), second)  # the first signed out; the second signed in
    with time_machine.travel(EVENING, tick=False):
        services.session_start(session=evening, user=first)
        refused = _tap(phone, evening, EVENING, made_by=first.pk)
        assert refused.status_code == 409
        assert refused.json()["code"] == "other_officer"
        assert Visit.objects.count() == 0
        assert _tap(phone, evening, EVENING, made_by=second.pk).status_code == 201
        end = phone.post(f"/staff/sessions/{evening.pk}/end/", {"made_by": first.pk}, **JSON)
        assert end.status_code == 409
    assert list(Visit.objects.values_list("recorded_by__username", flat=True)) == ["second"]
    evening.refresh_from_db()
    assert evening.actual_end is None


def test_the_counter_takes_taps_for_three_days_after_a_session_then_sends_to_a_manager(
    beethoven, evening: StaffedSession
) -> None:
    officer = staff_user("officer", roles.OFFICER, beethoven)
    phone = sign_in(Client(), officer)
    with time_machine.travel(EVENING, tick=False):
        services.session_start(session=evening, user=officer)
    # Never ended; the phone was offline over the weekend: its tap still counts.
    with time_machine.travel(EVENING + timedelta(days=2, hours=23), tick=False):
        phone = sign_in(Client(), officer)
        assert _tap(phone, evening, EVENING + timedelta(minutes=10)).status_code == 201
    # A year later (the December-2025 attack): refused, and nothing recorded.
    with time_machine.travel(EVENING + timedelta(days=365), tick=False):
        phone = sign_in(Client(), officer)
        late = _tap(phone, evening, EVENING + timedelta(minutes=20))
        assert late.status_code == 409
        assert "ended more than 3 days ago" in late.json()["error"]
        # Nor can the counter end it now, which would open it to taps again.
        end = phone.post(f"/staff/sessions/{evening.pk}/end/", **JSON)
        assert end.status_code == 409
    assert Visit.objects.count() == 1
    evening.refresh_from_db()
    assert evening.actual_end is None
    # A manager's correction in the back office still can (and is revised through publishing).
    manager = staff_user("manager", roles.MANAGER)
    services.visit_log(
        user=manager, session=evening, purpose="documents", idempotency_key=uuid.uuid4(),
        arrived_at=EVENING + timedelta(minutes=30), source="admin",
    )  # fmt: skip
    assert Visit.objects.count() == 2


def test_the_counter_never_changes_a_published_month(beethoven, evening: StaffedSession) -> None:
    officer = staff_user("officer", roles.OFFICER, beethoven)
    with time_machine.travel(EVENING, tick=False):
        phone = sign_in(Client(), officer)
        services.session_start(session=evening, user=officer)
        logged = _tap(phone, evening, EVENING)
        assert logged.status_code == 201
        key = logged.json()["key"]
        UsageRelease.objects.create(month=date(2026, 11, 1))
        tap = _tap(phone, evening, EVENING + timedelta(minutes=1))
        details = phone.post(f"/staff/visits/{key}/details/", {"heard_via": "poster"}, **JSON)
        undo = phone.post(f"/staff/visits/{key}/undo/", **JSON)
    for refused in (tap, details, undo):
        assert refused.status_code == 409
        assert "The figures for November 2026 are published" in refused.json()["error"]
    visit = Visit.objects.get()
    assert (visit.heard_via, visit.withdrawn_at) == ("not_asked", None)


def test_a_sign_in_ends_twelve_hours_after_it_was_made_however_busy(
    beethoven, evening: StaffedSession
) -> None:
    officer = staff_user("officer", roles.OFFICER, beethoven)
    with time_machine.travel(EVENING, tick=False) as clock:
        phone = sign_in(Client(), officer)
        page = phone.get("/staff/")
        assert page.status_code == 200
        assert page["X-Sign-In-Seconds-Left"] == str(12 * 3600)
        for hours in range(1, 12):  # used every hour: the end does not move
            clock.shift(timedelta(hours=1))
            left = phone.get("/staff/")["X-Sign-In-Seconds-Left"]
            assert left == str((12 - hours) * 3600)
        clock.shift(timedelta(hours=1))
        # A tap sent as the sign-in ends is refused as signed out, never a server error.
        tap = phone.post(f"/staff/sessions/{evening.pk}/visits/",
                         {"purpose": "advice", "idempotency_key": str(uuid.uuid4())},
                         HTTP_ACCEPT="application/json")  # fmt: skip
        assert tap.status_code in {302, 401, 403}
        ended = phone.get("/staff/")
        assert ended.status_code == 302
        assert ended["Location"].startswith("/accounts/login/")
        assert "X-Sign-In-Seconds-Left" not in ended


def test_a_sign_in_with_no_recorded_start_is_ended_not_a_server_error(
    beethoven, evening: StaffedSession
) -> None:
    """A session made before sign-ins recorded their start (or by any other path) is
    signed out; a tap sent with it is refused as signed out, never a 500."""
    from users.sessions import SIGNED_IN_AT

    officer = staff_user("officer", roles.OFFICER, beethoven)
    with time_machine.travel(EVENING, tick=False):
        phone = sign_in(Client(), officer)
        session = phone.session
        del session[SIGNED_IN_AT]
        session.save()
        tap = _tap(phone, evening, EVENING)
        assert tap.status_code in {302, 401, 403}
        assert Visit.objects.count() == 0
