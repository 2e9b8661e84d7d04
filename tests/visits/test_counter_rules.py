"""Ending, reopening and midnight at the counter, over HTTP as the counter script sends them."""

import uuid
from datetime import datetime, time, timedelta

import pytest
import time_machine
from django.test import Client

from core.time import LONDON
from tests.conftest import sign_in
from tests.factories import ContactPointFactory, OpeningRuleFactory, staff_user
from users import roles
from visits import services
from visits.models import SessionState, StaffedSession, Visit

pytestmark = pytest.mark.django_db

JSON = {"HTTP_ACCEPT": "application/json"}
EVENING = datetime(2026, 11, 25, 19, 5, tzinfo=LONDON)


def _post(client: Client, url: str, data: dict | None = None) -> tuple[int, dict]:
    response = client.post(url, data or {}, **JSON)
    return response.status_code, response.json()


def _tap(client: Client, session: StaffedSession, purpose: str, at: datetime) -> tuple[int, dict]:
    key = uuid.uuid4()
    status, data = _post(
        client,
        f"/staff/sessions/{session.pk}/visits/",
        {"purpose": purpose, "idempotency_key": key, "tapped_at": at.isoformat()},
    )
    data["sent_key"] = str(key)
    return status, data


@pytest.fixture
def evening(beethoven) -> StaffedSession:
    day = EVENING.replace(hour=0, minute=0)
    services.sessions_schedule(contact_point=beethoven, start=day, end=day + timedelta(days=1))
    return StaffedSession.objects.get(contact_point=beethoven)


def test_the_officer_who_ended_a_session_can_reopen_it_for_half_an_hour(
    client: Client, beethoven, evening: StaffedSession
) -> None:
    officer = sign_in(client, staff_user("officer", roles.OFFICER, beethoven))
    colleague = sign_in(Client(), staff_user("colleague", roles.OFFICER, beethoven))
    base = f"/staff/sessions/{evening.pk}"
    with time_machine.travel(EVENING, tick=False):
        _post(officer, f"{base}/start/")
    with time_machine.travel(EVENING + timedelta(minutes=20), tick=False):
        status, data = _post(officer, f"{base}/end/")
        assert status == 200
        assert data["state"]["state"] == "ended"
        assert data["state"]["reopen_until"] == "2026-11-25T19:55:00+00:00"
        page = officer.get(f"{base}/").content.decode()
        assert "You can reopen it until <span data-reopen-until>19:55</span>" in page
        # Only the officer who ended it.
        status, data = _post(colleague, f"{base}/reopen/")
        assert status == 409
        assert data["error"].startswith("Only the officer who ended this session can reopen it")
    with time_machine.travel(EVENING + timedelta(minutes=49), tick=False):
        status, data = _post(officer, f"{base}/reopen/")
        assert (status, data["state"]["state"]) == (200, "open")
        assert _post(officer, f"{base}/reopen/")[0] == 200  # twice changes nothing
        assert _tap(officer, evening, "advice", EVENING + timedelta(minutes=49))[0] == 201
        _post(officer, f"{base}/end/")
    with time_machine.travel(EVENING + timedelta(minutes=80), tick=False):
        status, data = _post(officer, f"{base}/reopen/")
        assert status == 409
        assert "more than 30 minutes ago" in data["error"]
    evening.refresh_from_db()
    assert evening.actual_end == EVENING + timedelta(minutes=49)
    assert evening.visit_count == 1


def test_a_manager_can_reopen_until_the_advertised_end(
    client: Client, beethoven, evening: StaffedSession
) -> None:
    officer = sign_in(client, staff_user("officer", roles.OFFICER, beethoven))
    manager = sign_in(Client(), staff_user("manager", roles.MANAGER))
    base = f"/staff/sessions/{evening.pk}"
    with time_machine.travel(EVENING, tick=False):
        _post(officer, f"{base}/start/")
        _post(officer, f"{base}/end/")
    with time_machine.travel(EVENING + timedelta(minutes=50), tick=False):
        assert _post(manager, f"{base}/reopen/")[0] == 200


def _round_the_clock() -> tuple[Client, object]:
    place = ContactPointFactory(name="Round the clock")
    for weekday in range(7):
        OpeningRuleFactory(
            contact_point=place, weekday=weekday, opens=time(0), closes=time(0), overnight=True
        )
    officer = sign_in(Client(), staff_user("night", roles.OFFICER, place))
    return officer, place


def test_a_round_the_clock_counter_rolls_over_at_midnight_without_losing_the_visitor() -> None:
    officer, place = _round_the_clock()
    tuesday = datetime(2026, 11, 24, tzinfo=LONDON)
    services.sessions_schedule(contact_point=place, start=tuesday, end=tuesday + timedelta(days=1))
    first = StaffedSession.objects.get(contact_point=place)
    with time_machine.travel(tuesday + timedelta(hours=8), tick=False):
        _post(officer, f"/staff/sessions/{first.pk}/start/")
    late = tuesday + timedelta(hours=23, minutes=59, seconds=30)
    with time_machine.travel(late, tick=False):
        status, data = _tap(officer, first, "report_crime", late)
        assert (status, data["state"]["session"]) == (201, first.pk)
    in_front = data["sent_key"]

    # Past midnight, on the page still showing Tuesday's session.
    after = tuesday + timedelta(days=1, minutes=1)
    with time_machine.travel(after, tick=False):
        # Details for the visitor in front of the desk still reach them.
        status, _ = _post(officer, f"/staff/visits/{in_front}/details/", {"private_room": "used"})
        assert status == 200
        # A new visitor rolls the counter over.
        status, data = _tap(officer, first, "advice", after)
        assert status == 201
        second = StaffedSession.objects.get(pk=data["state"]["session"])
        assert second.pk != first.pk
        assert data["state"]["counter_url"] == f"/staff/sessions/{second.pk}/"
        # A tap made before midnight and sent late stays on Tuesday.
        queued = late + timedelta(seconds=20)
        status, data = _tap(officer, first, "documents", queued)
        assert (status, data["state"]["session"]) == (201, first.pk)
    first.refresh_from_db()
    assert first.actual_end == tuesday + timedelta(days=1)
    assert second.state == SessionState.HELD
    assert second.actual_start == tuesday + timedelta(days=1)
    assert list(second.officers.values_list("username", flat=True)) == ["night"]
    assert Visit.objects.get(idempotency_key=in_front).private_room == "used"
    by_session = {
        pk: sorted(Visit.objects.filter(session_id=pk).values_list("purpose", flat=True))
        for pk in (first.pk, second.pk)
    }
    assert by_session == {first.pk: ["documents", "report_crime"], second.pk: ["advice"]}


def test_an_evening_session_does_not_roll_into_tomorrow(
    client: Client, beethoven, evening: StaffedSession
) -> None:
    officer = sign_in(client, staff_user("officer", roles.OFFICER, beethoven))
    with time_machine.travel(EVENING, tick=False):
        _post(officer, f"/staff/sessions/{evening.pk}/start/")
    late = evening.scheduled_end + timedelta(minutes=10)
    with time_machine.travel(late, tick=False):
        status, data = _tap(officer, evening, "advice", late)
    assert (status, data["state"]["session"]) == (201, evening.pk)
    assert StaffedSession.objects.count() == 1


def test_starting_the_next_days_session_ends_the_one_left_running() -> None:
    officer, place = _round_the_clock()
    tuesday = datetime(2026, 11, 24, tzinfo=LONDON)
    services.sessions_schedule(contact_point=place, start=tuesday, end=tuesday + timedelta(days=2))
    first, second = StaffedSession.objects.filter(contact_point=place)
    with time_machine.travel(tuesday + timedelta(hours=22), tick=False):
        _post(officer, f"/staff/sessions/{first.pk}/start/")
    with time_machine.travel(tuesday + timedelta(days=1, minutes=5), tick=False):
        assert _post(officer, f"/staff/sessions/{second.pk}/start/")[0] == 200
    first.refresh_from_db()
    assert first.actual_end == tuesday + timedelta(days=1)


def test_the_counter_is_an_installable_app(client: Client) -> None:
    manifest = client.get("/staff/manifest.webmanifest")
    assert manifest["Content-Type"] == "application/manifest+json"
    data = manifest.json()
    assert (data["start_url"], data["scope"], data["display"]) == (
        "/staff/",
        "/staff/",
        "standalone",
    )
    assert {icon["sizes"] for icon in data["icons"]} == {"192x192", "512x512"}
    for icon in data["icons"]:
        assert client.get(icon["src"]).status_code == 200
    worker = client.get("/staff/sw.js")
    assert worker["Content-Type"].startswith("text/javascript")
    assert worker["Cache-Control"] == "no-cache"
    body = worker.content.decode()
    # The release names the static files it keeps: a new release replaces the old copies.
    assert '"/static/js/counter.' in body
    assert 'var OFFLINE = "/staff/offline/";' in body
    assert client.get("/staff/offline/").status_code == 200
