"""The counter pages over HTTP: sign-in, permissions, two-tap logging, retries."""

import io
import uuid
from datetime import datetime, time, timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from core.time import LONDON, local
from tests.conftest import sign_in
from tests.factories import ContactPointFactory, OpeningRuleFactory, staff_user
from users import roles
from visits import services
from visits.models import StaffedSession, Visit
from visits.tasks import schedule_sessions
from visits.views import RECENT_VISITS

pytestmark = pytest.mark.django_db

WEDNESDAY = datetime(2026, 11, 25, 19, 5, tzinfo=LONDON)


@pytest.fixture
def officer_client(client: Client, beethoven) -> Client:
    return sign_in(client, staff_user("officer", roles.OFFICER, beethoven))


def _todays_session(client: Client) -> StaffedSession:
    schedule_sessions(today=local(timezone.now()).date())  # what the daily command does
    response = client.get("/staff/")
    assert response.status_code == 200
    return response.context["sessions"][0]


def test_staff_pages_need_sign_in_and_a_second_factor(client: Client, beethoven) -> None:
    assert client.get("/staff/").status_code == 302
    assert client.get("/staff/")["Location"].startswith("/accounts/login/")
    client.force_login(staff_user("officer", roles.OFFICER, beethoven))  # password only
    assert client.get("/staff/").status_code == 302


@time_machine.travel(WEDNESDAY, tick=False)
def test_officer_logs_visits_in_two_taps(officer_client: Client) -> None:
    session = _todays_session(officer_client)
    assert "Beethoven Centre" in officer_client.get("/staff/").content.decode()
    officer_client.post(f"/staff/sessions/{session.pk}/start/")
    page = officer_client.get(f"/staff/sessions/{session.pk}/").content.decode()
    assert "+ Report a crime" in page
    key = uuid.uuid4()
    tap = officer_client.post(
        f"/staff/sessions/{session.pk}/visits/", {"purpose": "report_crime", "idempotency_key": key}
    )
    assert tap.status_code == 302  # tap one: logged
    details = officer_client.post(
        f"/staff/visits/{key}/details/", {"private_room": "used", "heard_via": "poster"}
    )
    assert details.status_code == 302  # tap two: optional details
    visit = Visit.objects.get()
    assert (visit.purpose, visit.private_room, visit.heard_via) == (
        "report_crime",
        "used",
        "poster",
    )
    page = officer_client.get(f"/staff/sessions/{session.pk}/").content.decode()
    assert "Visitors: <span data-visit-count>1</span>" in page


@time_machine.travel(WEDNESDAY, tick=False)
def test_a_retried_submission_is_stored_once(officer_client: Client) -> None:
    session = _todays_session(officer_client)
    officer_client.post(f"/staff/sessions/{session.pk}/start/")
    key = str(uuid.uuid4())
    answers = [
        officer_client.post(
            f"/staff/sessions/{session.pk}/visits/",
            {"purpose": "advice", "idempotency_key": key},
            HTTP_ACCEPT="application/json",
        )
        for _ in range(3)
    ]
    assert [a.status_code for a in answers] == [201, 200, 200]
    assert [a.json()["created"] for a in answers] == [True, False, False]
    assert answers[-1].json()["visits"] == 1
    assert Visit.objects.count() == 1


@time_machine.travel(WEDNESDAY, tick=False)
def test_a_key_used_for_another_session_is_refused_not_taken_as_a_retry(
    officer_client: Client,
) -> None:
    session = _todays_session(officer_client)
    officer_client.post(f"/staff/sessions/{session.pk}/start/")
    other = StaffedSession.objects.create(
        contact_point=session.contact_point,
        scheduled_start=session.scheduled_start - timedelta(minutes=30),
        scheduled_end=session.scheduled_end, actual_start=session.actual_start,
        state=session.state,
    )  # fmt: skip
    key = str(uuid.uuid4())
    first, second = (
        officer_client.post(f"/staff/sessions/{pk}/visits/",
                            {"purpose": "advice", "idempotency_key": key},
                            HTTP_ACCEPT="application/json")
        for pk in (session.pk, other.pk)
    )  # fmt: skip
    assert (first.status_code, second.status_code) == (201, 409)
    assert "already used for another visit" in second.json()["error"]
    assert list(Visit.objects.values_list("session", flat=True)) == [session.pk]


@time_machine.travel(WEDNESDAY, tick=False)
def test_a_tap_reads_and_writes_only_what_it_needs(
    officer_client: Client, django_assert_max_num_queries
) -> None:
    """Sixteen statements (eighteen before permissions were read in one query and the key
    looked up only for a retry): the signed-in request's reads, the checks, one
    transaction for the visit, its history, the session's count and the day's roll-up,
    and the answer."""
    session = _todays_session(officer_client)
    officer_client.post(f"/staff/sessions/{session.pk}/start/")
    with django_assert_max_num_queries(16):
        tap = officer_client.post(
            f"/staff/sessions/{session.pk}/visits/",
            {"purpose": "advice", "idempotency_key": str(uuid.uuid4())},
            HTTP_ACCEPT="application/json",
        )
    assert tap.status_code == 201
    assert tap.json()["visits"] == 1


@time_machine.travel(WEDNESDAY, tick=False)
def test_a_busy_counter_counts_every_visitor_and_lists_the_latest(
    officer_client: Client,
) -> None:
    """The counter's answers stay small however busy the session: the count is of every
    visitor, the list of the latest, numbered from the count down."""
    session = _todays_session(officer_client)
    officer_client.post(f"/staff/sessions/{session.pk}/start/")
    total = RECENT_VISITS + 5
    keys = []
    for minute in range(total):
        with time_machine.travel(WEDNESDAY + timedelta(minutes=minute), tick=False):
            keys.append(str(uuid.uuid4()))
            answer = officer_client.post(
                f"/staff/sessions/{session.pk}/visits/",
                {
                    "purpose": "advice" if minute < total - 1 else "bail",
                    "idempotency_key": keys[-1],
                },
                HTTP_ACCEPT="application/json",
            )
    state = answer.json()["state"]
    assert (answer.json()["visits"], state["count"]) == (total, total)
    assert [v["key"] for v in state["visits"]] == keys[-RECENT_VISITS:]  # oldest first
    assert state["visits"][-1]["label"] == "Bail or signing on"
    page = officer_client.get(f"/staff/sessions/{session.pk}/").content.decode()
    assert f"Visitors: <span data-visit-count>{total}</span>" in page
    assert f'reversed start="{total}"' in page
    assert f"The latest <span data-visit-list-shown>{RECENT_VISITS}</span> are listed." in page
    assert page.count(": Advice or information</li>") == RECENT_VISITS - 1


@time_machine.travel(WEDNESDAY, tick=False)
def test_undo_over_http(officer_client: Client) -> None:
    session = _todays_session(officer_client)
    officer_client.post(f"/staff/sessions/{session.pk}/start/")
    key = uuid.uuid4()
    officer_client.post(
        f"/staff/sessions/{session.pk}/visits/", {"purpose": "advice", "idempotency_key": key}
    )
    undo = officer_client.post(f"/staff/visits/{key}/undo/", HTTP_ACCEPT="application/json")
    assert undo.json()["visits"] == 0
    assert officer_client.post(f"/staff/visits/{uuid.uuid4()}/undo/").status_code == 404


@time_machine.travel(WEDNESDAY, tick=False)
def test_officer_gets_403_elsewhere_and_analyst_reads_only(client: Client, beethoven) -> None:
    other = ContactPointFactory(name="Elsewhere")
    OpeningRuleFactory(contact_point=other, weekday=2, opens=time(19), closes=time(20))
    day = datetime(2026, 11, 25, tzinfo=LONDON)
    services.sessions_schedule(contact_point=other, start=day, end=day + timedelta(days=1))
    other_session = StaffedSession.objects.get(contact_point=other)
    officer = sign_in(client, staff_user("officer", roles.OFFICER, beethoven))
    assert officer.get(f"/staff/sessions/{other_session.pk}/").status_code == 403
    assert officer.post(f"/staff/sessions/{other_session.pk}/start/").status_code == 403
    post = officer.post(
        f"/staff/sessions/{other_session.pk}/visits/",
        {"purpose": "advice", "idempotency_key": uuid.uuid4()},
    )
    assert post.status_code == 403
    assert all(s.contact_point == beethoven for s in officer.get("/staff/").context["sessions"])

    analyst = sign_in(Client(), staff_user("analyst", roles.ANALYST))
    page = analyst.get(f"/staff/sessions/{other_session.pk}/")
    assert page.status_code == 200
    assert "You can see this session but not record in it" in page.content.decode()
    assert analyst.post(f"/staff/sessions/{other_session.pk}/start/").status_code == 403
    assert analyst.get("/admin/visits/visit/").status_code == 200
    assert (
        analyst.get(f"/admin/visits/staffedsession/{other_session.pk}/change/").status_code == 200
    )
    assert Visit.objects.count() == 0


@time_machine.travel(WEDNESDAY, tick=False)
def test_bad_posts_get_a_clear_4xx(officer_client: Client) -> None:
    session = _todays_session(officer_client)
    officer_client.post(f"/staff/sessions/{session.pk}/start/")
    bad = officer_client.post(
        f"/staff/sessions/{session.pk}/visits/",
        {"purpose": "gossip", "idempotency_key": "not-a-key"},
        HTTP_ACCEPT="application/json",
    )
    assert bad.status_code == 400
    assert bad.json()["error"] == "Choose why the visitor came."
    assert officer_client.get(f"/staff/sessions/{session.pk}/visits/").status_code == 405
    not_held = officer_client.post(
        f"/staff/sessions/{session.pk}/not-held/", {"state": "held", "reason": ""},
        HTTP_ACCEPT="application/json",
    )  # fmt: skip
    assert not_held.status_code == 400
    assert officer_client.get("/staff/sessions/999999/").status_code == 404


def test_sign_in_is_locked_after_repeated_failures(client: Client, beethoven) -> None:
    staff_user("officer", roles.OFFICER, beethoven)
    for _ in range(6):
        response = client.post(
            "/accounts/login/",
            {"username": "officer", "password": "wrong", "otp_token": "12345678"},
        )
    assert response.status_code == 429  # the fifth began a pause
    assert "Signing in is paused" in response.content.decode()
    right = client.post(
        "/accounts/login/",
        {"username": "officer", "password": "a long test password", "otp_token": "x"},
    )
    assert right.status_code == 429  # even the right password, until the pause ends


def test_two_factor_is_required_at_sign_in(client: Client, beethoven) -> None:
    user = staff_user("officer", roles.OFFICER, beethoven)
    device = user.staticdevice_set.create(name="Backup codes")
    device.token_set.create(token="goodcode")
    no_code = client.post(
        "/accounts/login/", {"username": "officer", "password": "a long test password"}
    )
    assert no_code.status_code == 200
    assert "_auth_user_id" not in client.session
    ok = client.post(
        "/accounts/login/",
        {"username": "officer", "password": "a long test password", "otp_token": "goodcode"},
    )
    assert ok.status_code == 302
    assert client.get("/staff/").status_code == 200
    # The single-use code is spent.
    assert not device.token_set.exists()
    # And the back office asks for it too: officers are not staff of the admin at all.
    assert client.get("/admin/").status_code == 302


def test_an_authenticator_app_code_signs_in(client: Client, beethoven) -> None:
    from django.core.management import call_command
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    staff_user("officer", roles.OFFICER, beethoven)
    call_command("staff_second_factor", "officer", stdout=io.StringIO())
    device = TOTPDevice.objects.get(user__username="officer")
    code = f"{totp(device.bin_key):06d}"
    response = client.post(
        "/accounts/login/",
        {"username": "officer", "password": "a long test password", "otp_token": code},
    )
    assert response.status_code == 302
    assert client.get("/staff/").status_code == 200


@time_machine.travel(WEDNESDAY, tick=False)
def test_session_not_held_with_a_reason(officer_client: Client) -> None:
    session = _todays_session(officer_client)
    response = officer_client.post(
        f"/staff/sessions/{session.pk}/not-held/",
        {"state": "venue_unavailable", "reason": "Library closed for a power cut"},
    )
    assert response.status_code == 302
    page = officer_client.get(f"/staff/sessions/{session.pk}/").content.decode()
    assert "Recorded as not held: Library closed for a power cut" in page
    assert "+ Report a crime" not in page


def test_schedule_sessions_command(beethoven) -> None:
    from django.core.management import call_command

    out = io.StringIO()
    call_command("schedule_sessions", "--from", "2026-11-23", "--days", "14", stdout=out)
    assert "Scheduled 4 new session(s)" in out.getvalue()
    call_command("schedule_sessions", "--from", "2026-11-23", "--days", "14", stdout=out)
    assert StaffedSession.objects.count() == 4


def test_a_tap_queued_offline_is_kept_after_the_session_ended(officer_client: Client) -> None:
    """The phone was offline: the tap made at 19:20 reaches the server at 20:30, after the
    session ended. It is stored at its own time, inside the session; a post without the
    tap's time (no script) after the end is refused with a reason."""
    with time_machine.travel(WEDNESDAY, tick=False):
        session = _todays_session(officer_client)
        officer_client.post(f"/staff/sessions/{session.pk}/start/")
    with time_machine.travel(WEDNESDAY + timedelta(minutes=55), tick=False):
        officer_client.post(f"/staff/sessions/{session.pk}/end/")
    with time_machine.travel(WEDNESDAY + timedelta(minutes=85), tick=False):
        queued = officer_client.post(
            f"/staff/sessions/{session.pk}/visits/",
            {"purpose": "advice", "idempotency_key": uuid.uuid4(),
             "tapped_at": (WEDNESDAY + timedelta(minutes=15)).isoformat()},
            HTTP_ACCEPT="application/json",
        )  # fmt: skip
        assert queued.status_code == 201
        late = officer_client.post(
            f"/staff/sessions/{session.pk}/visits/",
            {"purpose": "advice", "idempotency_key": uuid.uuid4()},
            HTTP_ACCEPT="application/json",
        )
        assert late.status_code == 409
        assert "after the session ended" in late.json()["error"]
    assert Visit.objects.get().arrived_at == WEDNESDAY + timedelta(minutes=15)


def test_sign_in_never_says_which_part_was_wrong_and_wrong_codes_count(
    client: Client, beethoven
) -> None:
    """A right password with a wrong code reads exactly like a wrong password, the
    password typed is never sent back, and wrong codes lead to the pause too."""
    staff_user("officer", roles.OFFICER, beethoven)
    wrong_password = client.post(
        "/accounts/login/",
        {"username": "officer", "password": "not-the-password-xyz", "otp_token": "12345678"},
    )
    wrong_code = client.post(
        "/accounts/login/",
        {"username": "officer", "password": "a long test password", "otp_token": "12345678"},
    )
    messages = [
        [str(e) for e in r.context["form"].non_field_errors()] for r in (wrong_password, wrong_code)
    ]
    assert messages[0] == messages[1]
    assert "Those details did not work" in messages[0][0]
    assert "not-the-password-xyz" not in wrong_password.content.decode()
    assert "a long test password" not in wrong_code.content.decode()
    for _ in range(4):
        response = client.post(
            "/accounts/login/",
            {"username": "officer", "password": "a long test password", "otp_token": "000000"},
        )
    # Five wrong tries, three of them wrong codes only, began a pause: the sixth is refused.
    assert response.status_code == 429
