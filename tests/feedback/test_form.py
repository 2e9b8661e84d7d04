"""The feedback form as a visitor, a robot and a ballot-stuffer meet it: answered in under a
minute; nothing but the answers and the day kept; one response per device and place a day;
a ticket used once and not answered faster than a person reads; a trap field; a per-address
budget."""

import re
from datetime import datetime, timedelta

import pytest
import time_machine
from django.test import Client

from core.time import LONDON
from feedback.models import Response
from tests.factories import ContactPointFactory

pytestmark = [pytest.mark.django_db, pytest.mark.cache]
NOON = datetime(2026, 11, 25, 12, tzinfo=LONDON)
ANSWERS = {"found_easily": "difficult", "spoke_privately": "no", "got_what_needed": "yes",
           "heard_via": "poster"}  # fmt: skip


@pytest.fixture
def place() -> object:
    return ContactPointFactory(name="Marylebone Library", slug="marylebone-library")


def ticket(client: Client) -> str:
    page = client.get("/feedback/marylebone-library/").content.decode()
    return re.search(r'name="ticket" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]


def test_a_visitor_answers_once_and_only_the_answers_and_day_are_kept(
    client: Client, place: object
) -> None:
    with time_machine.travel(NOON, tick=False) as clock:
        form = client.get("/feedback/marylebone-library/").content.decode()
        assert form.count('type="radio"') == 3 + 3 + 3 + 7
        assert "<textarea" not in form
        sent = ticket(client)
        clock.shift(timedelta(seconds=20))
        answered = client.post("/feedback/marylebone-library/", {**ANSWERS, "ticket": sent})
        assert answered.status_code == 302
        assert client.get(answered["Location"]).status_code == 200
        # The same phone again today: told so, nothing counted.
        again = client.get("/feedback/marylebone-library/").content.decode()
        assert "You have already told us about this place today" in again
        repeat = client.post("/feedback/marylebone-library/", {**ANSWERS, "ticket": sent})
        assert repeat.status_code == 409
    row = Response.objects.get()
    assert {f.name for f in Response._meta.get_fields()} == {
        "id", "contact_point", "day", "found_easily", "spoke_privately", "got_what_needed",
        "heard_via", "synthetic",
    }  # fmt: skip
    assert (row.day, row.found_easily, row.heard_via) == (NOON.date(), "difficult", "poster")
    cookie = answered.cookies["feedback-" + str(row.contact_point_id)]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"
    assert cookie["path"] == "/feedback/marylebone-library/"
    assert 0 < int(cookie["max-age"]) <= 12 * 3600  # until midnight
    # Tomorrow the same phone may answer again.
    with time_machine.travel(NOON + timedelta(days=1), tick=False) as clock:
        sent = ticket(client)
        clock.shift(timedelta(seconds=30))
        assert client.post("/feedback/marylebone-library/",
                           {**ANSWERS, "ticket": sent}).status_code == 302  # fmt: skip
    assert Response.objects.count() == 2


def test_robots_and_stuffing_are_turned_away(client: Client, place: object) -> None:
    url = "/feedback/marylebone-library/"
    with time_machine.travel(NOON, tick=False) as clock:
        sent = ticket(client)
        # Answered faster than anyone reads four questions: the answers come back to send.
        quick = client.post(url, {**ANSWERS, "ticket": sent})
        assert quick.status_code == 400
        assert "That was very quick" in quick.content.decode()
        assert 'value="difficult" id="id_found_easily_1" required checked' in quick.content.decode()
        clock.shift(timedelta(seconds=10))
        # A filled trap field.
        trapped = client.post(url, {**ANSWERS, "ticket": sent, "website": "http://spam"})
        assert trapped.status_code == 400
        # A forged ticket, and one for another place.
        forged = client.post(url, {**ANSWERS, "ticket": "x:y:z"})
        assert forged.status_code == 400
        assert "This form had expired" in forged.content.decode()
        # One ticket, used twice from a browser without cookies: counted once.
        assert Client().post(url, {**ANSWERS, "ticket": sent}).status_code == 302
        assert Client().post(url, {**ANSWERS, "ticket": sent}).status_code == 409
        # Missing answers are named.
        partial = client.post(url, {"found_easily": "yes", "ticket": ticket(client)})
        assert partial.status_code == 400
        assert "Answer “Could you speak privately?”" in partial.content.decode()
        # Made-up answers are refused.
        assert client.post(url, {**ANSWERS, "heard_via": "telepathy",
                                 "ticket": sent}).status_code == 400  # fmt: skip
    # A day later the ticket has expired.
    with time_machine.travel(NOON + timedelta(days=1, seconds=1), tick=False):
        late = Client().post(url, {**ANSWERS, "ticket": sent})
        assert late.status_code == 400
        assert "This form had expired" in late.content.decode()
    assert Response.objects.count() == 1


def test_a_flood_from_a_few_addresses_is_turned_away_one_visitor_is_not(
    place: object, settings: object
) -> None:
    """35 answers in a minute from three addresses (what padded the old figures) cannot
    get through: each address may send 3 in ten minutes (FEEDBACK_RATE). A visitor on
    another connection answers as ever, even after correcting a missed question."""
    url = "/feedback/marylebone-library/"
    accepted = refused = 0
    with time_machine.travel(NOON, tick=False) as clock:
        # Forms fetched ahead, then 36 answers sent in under a minute.
        devices = [Client(REMOTE_ADDR=f"203.0.113.{n % 3}") for n in range(36)]
        tickets = [ticket(device) for device in devices]
        clock.shift(timedelta(seconds=5))
        for device, sent in zip(devices, tickets, strict=True):
            clock.shift(timedelta(seconds=1))
            status = device.post(url, {**ANSWERS, "ticket": sent}).status_code
            accepted += status == 302
            refused += status == 429
        visitor = Client(REMOTE_ADDR="198.51.100.4")
        sent = ticket(visitor)
        clock.shift(timedelta(seconds=20))
        missed = {key: value for key, value in ANSWERS.items() if key != "heard_via"}
        assert visitor.post(url, {**missed, "ticket": sent}).status_code == 400
        assert visitor.post(url, {**ANSWERS, "ticket": sent}).status_code == 302
    assert (accepted, refused) == (9, 27)
    assert Response.objects.count() == 10


def test_an_address_may_send_only_so_many_a_day(place: object) -> None:
    url = "/feedback/marylebone-library/"
    statuses = []
    with time_machine.travel(NOON, tick=False) as clock:
        for _ in range(21):
            device = Client(REMOTE_ADDR="203.0.113.9")
            sent = ticket(device)
            clock.shift(timedelta(minutes=11))  # past the ten-minute limit each time
            statuses.append(device.post(url, {**ANSWERS, "ticket": sent}).status_code)
    assert statuses == [302] * 20 + [429]  # FEEDBACK_DAILY_RATE: 20 a day


def test_the_poster_and_the_card_carry_the_form(client: Client, place: object) -> None:
    poster = client.get("/contact-points/marylebone-library/poster/").content.decode()
    card = client.get("/feedback/marylebone-library/card/").content.decode()
    assert "Been here? Tell us how it went" in poster
    assert "QR code linking to http://testserver/feedback/marylebone-library/" in poster
    assert "QR code linking to http://testserver/feedback/marylebone-library/" in card
    assert client.get("/feedback/no-such-place/").status_code == 404


def test_nothing_kept_identifies_who_answered(
    place: object, caplog: pytest.LogCaptureFixture
) -> None:
    import logging

    from django.db import connection

    caplog.set_level(logging.DEBUG)
    device = Client(REMOTE_ADDR="203.0.113.58", HTTP_USER_AGENT="Phone/1.0 (unique-agent)")
    with time_machine.travel(NOON, tick=False) as clock:
        sent = ticket(device)
        clock.shift(timedelta(seconds=15))
        assert device.post("/feedback/marylebone-library/",
                           {**ANSWERS, "ticket": sent}).status_code == 302  # fmt: skip
    secrets = ["203.0.113.58", "unique-agent", "12:00", "12:00:15"]
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            quoted = connection.ops.quote_name(table)
            cursor.execute(f"SELECT * FROM {quoted}")  # noqa: S608 (names from the database)
            text = repr(cursor.fetchall())
            for secret in secrets[:2]:
                assert secret not in text, (table, secret)
    stored = repr(list(Response.objects.values()))
    assert "12, 0" not in stored  # no time of day with the answers
    assert all(s not in r.getMessage() for r in caplog.records for s in secrets[:2])
