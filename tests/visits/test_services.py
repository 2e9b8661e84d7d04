"""Recording sessions and visits: permissions, idempotency, state rules, audit history."""

import uuid
from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models

from contactpoints import services as contactpoints_services
from core.time import LONDON
from tests.factories import ContactPointFactory, staff_user
from users import roles
from visits import services
from visits.models import SessionState, StaffedSession, Visit

pytestmark = pytest.mark.django_db

WEDNESDAY = datetime(2026, 11, 25, 19, 5, tzinfo=LONDON)


@pytest.fixture
def session(beethoven):
    start = datetime(2026, 11, 23, tzinfo=LONDON)
    services.sessions_schedule(contact_point=beethoven, start=start, end=start + timedelta(days=7))
    return StaffedSession.objects.get(
        contact_point=beethoven, scheduled_start__date=date(2026, 11, 25)
    )


def test_sessions_come_from_the_opening_hours_once(beethoven) -> None:
    start = datetime(2026, 11, 23, tzinfo=LONDON)
    created = services.sessions_schedule(
        contact_point=beethoven, start=start, end=start + timedelta(days=14)
    )
    assert created == 4
    again = services.sessions_schedule(
        contact_point=beethoven, start=start, end=start + timedelta(days=14)
    )
    assert again == 0
    first = StaffedSession.objects.order_by("scheduled_start").first()
    assert first.scheduled_start == datetime(2026, 11, 25, 19, tzinfo=LONDON)
    assert first.state == SessionState.SCHEDULED


@time_machine.travel(WEDNESDAY, tick=False)
def test_officer_holds_a_session_and_logs_visits_once(beethoven, session) -> None:
    officer = staff_user("officer", roles.OFFICER, beethoven)
    services.session_start(session=session, user=officer)
    session.refresh_from_db()
    assert session.state == SessionState.HELD
    assert session.actual_start == WEDNESDAY
    assert list(session.officers.all()) == [officer]
    key = uuid.uuid4()
    first = services.visit_log(
        user=officer, session=session, purpose="report_crime", idempotency_key=key
    )
    retry = services.visit_log(
        user=officer, session=session, purpose="report_crime", idempotency_key=key
    )
    assert first.created
    assert not retry.created
    assert retry.visit == first.visit
    assert Visit.objects.count() == 1
    services.visit_update(
        visit=first.visit, user=officer, private_room="used", outcome="crime_report"
    )
    first.visit.refresh_from_db()
    assert (first.visit.private_room, first.visit.outcome) == ("used", "crime_report")
    services.session_end(session=session, user=officer)
    session.refresh_from_db()
    assert session.actual_end == WEDNESDAY


def test_officers_record_only_where_assigned(beethoven, session) -> None:
    elsewhere = ContactPointFactory()
    officer = staff_user("officer", roles.OFFICER, elsewhere)
    with pytest.raises(PermissionDenied):
        services.session_start(session=session, user=officer)
    with pytest.raises(PermissionDenied):
        services.visit_log(
            user=officer, session=session, purpose="advice", idempotency_key=uuid.uuid4()
        )
    manager = staff_user("manager", roles.MANAGER)
    assert services.can_record(manager, beethoven)
    analyst = staff_user("analyst", roles.ANALYST)
    assert not services.can_record(analyst, beethoven)
    with pytest.raises(PermissionDenied):
        services.session_start(session=session, user=analyst)


def test_a_session_not_held_needs_a_reason_and_no_visitors(beethoven, session) -> None:
    officer = staff_user("officer", roles.OFFICER, beethoven)
    with pytest.raises(ValidationError, match="why"):
        services.session_not_held(session=session, user=officer, state="no_officer", reason=" ")
    services.session_not_held(
        session=session, user=officer, state="no_officer", reason="Called to an incident"
    )
    session.refresh_from_db()
    assert session.get_state_display() == "No officer available"
    with pytest.raises(ValidationError, match="not held"):
        services.visit_log(
            user=officer, session=session, purpose="advice", idempotency_key=uuid.uuid4()
        )
    with pytest.raises(ValidationError, match="not held"):
        services.session_start(session=session, user=officer)


@time_machine.travel(WEDNESDAY, tick=False)
def test_a_session_with_visitors_cannot_be_marked_not_held(beethoven, session) -> None:
    officer = staff_user("officer", roles.OFFICER, beethoven)
    services.session_start(session=session, user=officer)
    services.visit_log(
        user=officer, session=session, purpose="advice", idempotency_key=uuid.uuid4()
    )
    with pytest.raises(ValidationError, match="Visitors were recorded"):
        services.session_not_held(session=session, user=officer, state="cancelled", reason="x")


@time_machine.travel(WEDNESDAY, tick=False)
def test_undo_withdraws_but_keeps_the_record_and_the_key(beethoven, session) -> None:
    officer = staff_user("officer", roles.OFFICER, beethoven)
    services.session_start(session=session, user=officer)
    key = uuid.uuid4()
    logged = services.visit_log(
        user=officer, session=session, purpose="advice", idempotency_key=key
    )
    services.visit_withdraw(visit=logged.visit, user=officer)
    assert session.visits.counted().count() == 0
    assert Visit.objects.count() == 1
    # A late retry of the undone tap does not bring it back.
    again = services.visit_log(user=officer, session=session, purpose="advice", idempotency_key=key)
    assert not again.created
    assert session.visits.counted().count() == 0


def test_officers_cannot_undo_old_or_other_peoples_visits(beethoven, session) -> None:
    officer = staff_user("officer", roles.OFFICER, beethoven)
    colleague = staff_user("colleague", roles.OFFICER, beethoven)
    with time_machine.travel(WEDNESDAY, tick=False):
        services.session_start(session=session, user=officer)
        logged = services.visit_log(
            user=officer, session=session, purpose="advice", idempotency_key=uuid.uuid4()
        )
        with pytest.raises(ValidationError, match="Only a visit you logged"):
            services.visit_withdraw(visit=logged.visit, user=colleague)
    with time_machine.travel(WEDNESDAY + timedelta(minutes=20), tick=False):
        with pytest.raises(ValidationError, match="last 15 minutes"):
            services.visit_withdraw(visit=logged.visit, user=officer)
        services.visit_withdraw(visit=logged.visit, user=staff_user("manager", roles.MANAGER))


@time_machine.travel(WEDNESDAY, tick=False)
def test_every_change_is_in_the_history_with_who_made_it(beethoven, session) -> None:
    officer = staff_user("officer", roles.OFFICER, beethoven)
    services.session_start(session=session, user=officer)
    logged = services.visit_log(
        user=officer, session=session, purpose="advice", idempotency_key=uuid.uuid4()
    )
    services.visit_update(visit=logged.visit, user=officer, heard_via="poster")
    history = list(logged.visit.history.order_by("history_date"))
    assert [h.history_type for h in history] == ["+", "~"]
    assert {h.history_user for h in history} == {officer}
    assert history[-1].heard_via == "poster"
    assert session.history.filter(history_user=officer, state="held").exists()


def test_a_visit_has_no_free_text_about_the_visitor() -> None:
    free_text = [
        field.name
        for field in Visit._meta.get_fields()
        if isinstance(field, (models.CharField, models.TextField)) and not field.choices
    ]
    assert free_text == []


def test_a_visit_is_only_accepted_while_its_session_runs(beethoven, session) -> None:
    """Before the session is started, timed before its start, after its end or in the
    future: refused, each with a plain reason."""
    officer = staff_user("officer", roles.OFFICER, beethoven)

    def log(at: datetime) -> None:
        services.visit_log(
            user=officer, session=session, purpose="advice", idempotency_key=uuid.uuid4(),
            arrived_at=at,
        )  # fmt: skip

    with time_machine.travel(WEDNESDAY, tick=False):
        with pytest.raises(ValidationError, match="Start the session"):
            log(WEDNESDAY)
        services.session_start(session=session, user=officer)
        with pytest.raises(ValidationError, match="before the session started"):
            log(WEDNESDAY - timedelta(minutes=10))
        with pytest.raises(ValidationError, match="in the future"):
            log(WEDNESDAY + timedelta(hours=1))
        log(WEDNESDAY)  # at the counter, now
    with time_machine.travel(WEDNESDAY + timedelta(minutes=50), tick=False):
        services.session_end(session=session, user=officer)
        # A tap queued offline during the session still fits after it ended.
        log(WEDNESDAY + timedelta(minutes=20))
    with pytest.raises(ValidationError, match="after the session ended"):
        log(WEDNESDAY + timedelta(minutes=51))
    assert session.visits.counted().count() == 2


def test_a_session_cannot_be_started_days_early_or_after_it_ended(beethoven, session) -> None:
    officer = staff_user("officer", roles.OFFICER, beethoven)
    with (
        time_machine.travel(WEDNESDAY - timedelta(days=2), tick=False),
        pytest.raises(ValidationError, match="can be started from half an hour before"),
    ):
        services.session_start(session=session, user=officer)
    with (
        time_machine.travel(WEDNESDAY + timedelta(hours=3), tick=False),
        pytest.raises(ValidationError, match="advertised time is over"),
    ):
        services.session_start(session=session, user=officer)
    session.refresh_from_db()
    assert session.state == SessionState.SCHEDULED


@time_machine.travel(WEDNESDAY, tick=False)
def test_changed_hours_regenerate_the_sessions_not_yet_started(beethoven, session) -> None:
    """The Wednesday session is under way; when the Saturday hours move to Sunday, the
    Saturday sessions ahead (untouched) become Sunday ones; the Wednesday one stays."""
    officer = staff_user("pc", roles.OFFICER, beethoven)
    services.session_start(session=session, user=officer)
    start = datetime(2026, 11, 23, tzinfo=LONDON)
    services.sessions_schedule(contact_point=beethoven, start=start, end=start + timedelta(days=21))
    saturday = beethoven.opening_rules.get(weekday=5)
    saturday.weekday = 6
    saturday.save()
    # As the back office and the importer do after writing hours: in the same transaction.
    contactpoints_services.hours_changed(contact_point_id=beethoven.pk)
    days = [
        s.scheduled_start.astimezone(LONDON).strftime("%a %d")
        for s in StaffedSession.objects.filter(contact_point=beethoven).order_by("scheduled_start")
    ]
    # As far as sessions were scheduled (Saturday 12th); the daily scheduling goes on.
    assert days == ["Wed 25", "Sun 29", "Wed 02", "Sun 06", "Wed 09"]
    session.refresh_from_db()
    assert session.state == SessionState.HELD
