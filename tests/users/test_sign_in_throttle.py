"""Sign-in throttling as an attacker and a colleague would meet it: per username and per
address separately, growing pauses that cannot be held open by trying, wrong codes
counted, and nothing about the password given away."""

from datetime import datetime, timedelta

import pytest
import time_machine
from django.test import Client

from core.time import LONDON
from tests.factories import staff_user
from users import roles
from users.throttle import pause_for

pytestmark = pytest.mark.django_db

NOON = datetime(2026, 11, 25, 12, 0, tzinfo=LONDON)
RIGHT = "a long test password"


@pytest.fixture
def officer(beethoven):
    user = staff_user("officer", roles.OFFICER, beethoven)
    device = user.staticdevice_set.create(name="Backup codes")
    for n in range(5):
        device.token_set.create(token=f"goodcode{n}")
    return user


def _try(
    password: str,
    *,
    username: str = "officer",
    code: str = "goodcode0",
    address: str = "198.51.100.1",
) -> int:
    response = Client(REMOTE_ADDR=address).post(
        "/accounts/login/", {"username": username, "password": password, "otp_token": code}
    )
    return response.status_code


@pytest.fixture
def beethoven():
    from tests.factories import ContactPointFactory

    return ContactPointFactory()


def test_a_username_is_paused_from_every_address(officer) -> None:
    with time_machine.travel(NOON, tick=False):
        assert [_try("wrong", address=f"203.0.113.{n}") for n in range(5)] == [200] * 5
        # The fifth wrong try began a pause: the right password, from yet another address.
        assert _try(RIGHT, address="192.0.2.77") == 429


def test_an_address_is_paused_for_every_username(officer) -> None:
    with time_machine.travel(NOON, tick=False):
        statuses = [_try("wrong", username=f"guess{n}") for n in range(20)]
        assert statuses == [200] * 20
        assert _try(RIGHT) == 429  # a real user, from the attacker's address
        assert _try(RIGHT, address="192.0.2.1") == 302  # from their own: fine


def test_a_pause_cannot_be_held_open_by_trying(officer) -> None:
    with time_machine.travel(NOON, tick=False) as clock:
        for _ in range(5):
            _try("wrong")
        for _ in range(10):  # an attacker keeps trying during the pause
            clock.shift(timedelta(seconds=5))
            assert _try("wrong") == 429
        clock.shift(timedelta(seconds=11))  # one minute after the pause began
        assert _try(RIGHT) == 302


def test_pauses_grow_with_each_wrong_try_up_to_an_hour(officer) -> None:
    with time_machine.travel(NOON, tick=False) as clock:
        for _ in range(5):
            _try("wrong")
        waited = []
        for pause in (1, 2, 4, 8):
            clock.shift(timedelta(minutes=pause) - timedelta(seconds=1))
            assert _try(RIGHT) == 429
            clock.shift(timedelta(seconds=1))
            waited.append(pause)
            assert _try("wrong") == 200  # tried again once the pause ended: wrong again
        assert waited == [1, 2, 4, 8]
        clock.shift(timedelta(minutes=16))
        assert _try(RIGHT) == 302
    assert [pause_for(n, "user") for n in (4, 5, 6, 11, 12, 40)] == [
        None, timedelta(minutes=1), timedelta(minutes=2), timedelta(hours=1),
        timedelta(hours=1), timedelta(hours=1),
    ]  # fmt: skip


def test_wrong_codes_count_and_say_nothing_about_the_password(officer) -> None:
    client = Client(REMOTE_ADDR="198.51.100.1")
    with time_machine.travel(NOON, tick=False):
        wrong_password = client.post(
            "/accounts/login/", {"username": "officer", "password": "wrong", "otp_token": "x"}
        )
        wrong_code = client.post(
            "/accounts/login/", {"username": "officer", "password": RIGHT, "otp_token": "badcode1"}
        )
        for page in (wrong_password, wrong_code):
            body = page.content.decode()
            assert "Those details did not work." in body
            assert RIGHT not in body
            assert 'value="wrong"' not in body
        for _ in range(3):
            _try(RIGHT, code="badcode1")
        paused = client.post(
            "/accounts/login/", {"username": "officer", "password": RIGHT, "otp_token": "goodcode1"}
        )
    assert paused.status_code == 429
    assert paused["Retry-After"] == "61"
    assert "Try again in 1 minute, after 12:01." in paused.content.decode()


def test_counts_are_forgotten_after_a_day_and_after_signing_in(officer) -> None:
    with time_machine.travel(NOON, tick=False) as clock:
        for _ in range(4):
            _try("wrong")
        clock.shift(timedelta(days=1, minutes=1))
        for _ in range(4):
            _try("wrong")
        assert _try(RIGHT) == 302  # four in a day: no pause; signing in clears them
        for _ in range(4):
            assert _try("wrong", code="goodcode2") == 200
        assert _try(RIGHT, code="goodcode3") == 302


# --- The owner cannot be held out (OWASP device cookies) ------------------------------------
def _phone() -> Client:
    """The officer's own phone: it has signed in as them before, and signed out."""
    phone = Client(REMOTE_ADDR="192.0.2.10")
    response = phone.post(
        "/accounts/login/", {"username": "officer", "password": RIGHT, "otp_token": "goodcode0"}
    )
    assert response.status_code == 302
    phone.post("/accounts/logout/")
    return phone


def _sign_in(client: Client, code: str, password: str = RIGHT) -> int:
    return client.post(
        "/accounts/login/", {"username": "officer", "password": password, "otp_token": code}
    ).status_code


def _hold_out(tries: int = 30) -> None:
    """Someone who knows only the username, guessing from many addresses."""
    for n in range(tries):
        _try("guess", address=f"203.0.113.{n}")


def test_wrong_tries_elsewhere_do_not_pause_the_officers_own_browser(officer) -> None:
    with time_machine.travel(NOON, tick=False):
        phone = _phone()
        _hold_out()
        assert _try(RIGHT, code="goodcode1", address="192.0.2.99") == 429  # an unknown browser
        assert _sign_in(phone, "goodcode1") == 302  # the officer's phone signs in


def test_a_known_browsers_own_wrong_tries_still_pause_it(officer) -> None:
    with time_machine.travel(NOON, tick=False):
        phone = _phone()
        assert [_sign_in(phone, "goodcode1", password="wrong") for _ in range(5)] == [200] * 5
        assert _sign_in(phone, "goodcode1") == 429
        # Its pause is its own: the username is not paused for other browsers.
        assert _try(RIGHT, code="goodcode1", address="192.0.2.98") == 302


def test_a_made_up_or_borrowed_device_cookie_counts_for_nothing(officer, beethoven) -> None:
    other = staff_user("other", roles.OFFICER, beethoven)
    other_device = other.staticdevice_set.create(name="Backup codes")
    other_device.token_set.create(token="othercode")
    with time_machine.travel(NOON, tick=False):
        borrowed = Client(REMOTE_ADDR="192.0.2.20")  # signed in as someone else
        assert (
            borrowed.post(
                "/accounts/login/",
                {"username": "other", "password": RIGHT, "otp_token": "othercode"},
            ).status_code
            == 302
        )
        forged = Client(REMOTE_ADDR="192.0.2.21")
        forged.cookies["cp_device"] = "W1sib2ZmaWNlciIsIngiXV0:forged:signature"
        _hold_out()
        assert _sign_in(borrowed, "goodcode1") == 429
        assert _sign_in(forged, "goodcode1") == 429


def test_the_officer_is_told_of_wrong_tries_at_their_next_sign_in(officer) -> None:
    with time_machine.travel(NOON, tick=False) as clock:
        phone = _phone()
        _hold_out(3)
        clock.shift(timedelta(hours=2))
        phone.post(
            "/accounts/login/",
            {"username": "officer", "password": "typo", "otp_token": "goodcode1"},
        )
        clock.shift(timedelta(minutes=1))
        page = phone.post(
            "/accounts/login/",
            {"username": "officer", "password": RIGHT, "otp_token": "goodcode1"},
            follow=True,
        )
        assert page.status_code == 200
        assert (
            "4 wrong tries to sign in as you since you last signed in, the last on "
            "Wednesday 25 November at 14:00 (3 from a browser you have not used)."
        ) in page.content.decode()
        # Told once.
        phone.post("/accounts/logout/")
        again = phone.post(
            "/accounts/login/",
            {"username": "officer", "password": RIGHT, "otp_token": "goodcode2"},
            follow=True,
        )
        assert "wrong tr" not in again.content.decode()


def test_managers_see_pauses_and_may_end_one(officer, beethoven) -> None:
    from tests.conftest import sign_in
    from users.models import SignInThrottle

    with time_machine.travel(NOON, tick=False):
        _hold_out(5)
        manager = sign_in(Client(), staff_user("manager", roles.MANAGER, beethoven))
        listing = manager.get("/admin/users/signinthrottle/")
        assert listing.status_code == 200
        assert "user:officer" in listing.content.decode()
        pause = SignInThrottle.objects.get(key="user:officer")
        manager.post(f"/admin/users/signinthrottle/{pause.pk}/delete/", {"post": "yes"})
        assert _try(RIGHT, code="goodcode1", address="192.0.2.97") == 302
        analyst = sign_in(Client(), staff_user("analyst", roles.ANALYST))
        assert analyst.get("/admin/users/signinthrottle/").status_code == 403
