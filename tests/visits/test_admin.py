"""The one write rule in the back office (docs/architecture.md): changes go through the
services, a refused change saves nothing and says why, and an hours edit reaches the
sessions in the same transaction."""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta

import pytest
import time_machine
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from core.time import LONDON, midnight
from tests.contactpoints.test_admin import _form, _inline, _rule
from tests.factories import ContactPointFactory, OpeningRuleFactory, staff_user
from users import roles
from visits import services
from visits.models import SessionState, StaffedSession

pytestmark = pytest.mark.django_db

WEDNESDAY = datetime(2026, 11, 25, 19, 10, tzinfo=LONDON)


@time_machine.travel(WEDNESDAY, tick=False)
def test_a_refused_session_change_saves_nothing_and_says_why(admin_client: Client) -> None:
    """Recording as cancelled a session that had visitors is refused by the service: the
    other changes in the same form (its officers) are not saved either, nothing is logged
    as changed, and the editor reads why."""
    cp = ContactPointFactory()
    OpeningRuleFactory(contact_point=cp, weekday=2, opens=time(19), closes=time(20))
    services.sessions_schedule(contact_point=cp, start=midnight(WEDNESDAY.date()),
                               end=midnight(WEDNESDAY.date()) + timedelta(days=1))  # fmt: skip
    session = StaffedSession.objects.get()
    manager = staff_user("manager", roles.MANAGER)
    services.session_start(session=session, user=manager, at=WEDNESDAY - timedelta(minutes=9))
    services.visit_log(user=manager, session=session, purpose="advice",
                       idempotency_key=uuid.uuid4(), arrived_at=WEDNESDAY)  # fmt: skip
    session.refresh_from_db()
    url = reverse("admin:visits_staffedsession_change", args=[session.pk])
    response = admin_client.post(url, {
        "contact_point": cp.pk, "scheduled_start_0": "2026-11-25", "scheduled_start_1": "19:00:00",
        "scheduled_end_0": "2026-11-25", "scheduled_end_1": "20:00:00",
        "actual_start_0": "2026-11-25", "actual_start_1": "19:01:00",
        "state": SessionState.CANCELLED, "reason": "Staff shortage", "notes": "",
        "officers": [manager.pk], "source": "schedule",
        **_inline("visits", []),
    }, follow=True)  # fmt: skip
    assert response.status_code == 200
    said = [str(m) for m in get_messages(response.wsgi_request)]
    assert said == ["Nothing was saved: Visitors were recorded in this session, so it was held."]
    session.refresh_from_db()
    assert session.state == SessionState.HELD
    assert list(session.officers.all()) == [manager]  # as it was: the form's choice not kept
    assert not LogEntry.objects.filter(action_flag=CHANGE).exists()


@time_machine.travel(WEDNESDAY - timedelta(days=2), tick=False)
def test_an_hours_edit_moves_the_sessions_not_yet_started_at_once(admin_client: Client) -> None:
    cp = ContactPointFactory(slug="library")
    rule = OpeningRuleFactory(contact_point=cp, weekday=2, opens=time(19), closes=time(20))
    start = midnight(WEDNESDAY.date() - timedelta(days=2))
    services.sessions_schedule(contact_point=cp, start=start, end=start + timedelta(days=14))
    assert {s.scheduled_start.astimezone(LONDON).hour for s in StaffedSession.objects.all()} == {19}
    data = _form([]) | {"name": cp.name, "slug": "library"}
    data |= _inline(
        "opening_rules",
        [_rule(2, "17:00", "18:00") | {"id": str(rule.pk), "contact_point": str(cp.pk)}],
        initial=1,
    )
    url = reverse("admin:contactpoints_contactpoint_change", args=[cp.pk])
    assert admin_client.post(url, data).status_code == 302
    assert {s.scheduled_start.astimezone(LONDON).hour for s in StaffedSession.objects.all()} == {17}
