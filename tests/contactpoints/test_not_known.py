"""A filter never silently drops a place where what was asked for is not known: a resident
who needs a private room is shown the place round the corner whose room is not confirmed,
labelled, and is told the nearest place where one is confirmed — not sent six miles with
no word about the nearer one."""

from datetime import date, datetime, time
from decimal import Decimal

import pytest
import time_machine
from django.test import Client

from contactpoints.models import Basis, Fact, FactCheck
from core.time import LONDON
from tests.factories import ContactPointFactory, OpeningRuleFactory

pytestmark = pytest.mark.django_db

NOON = datetime(2026, 11, 25, 12, tzinfo=LONDON)
HERE = {"lat": "51.4450", "lon": "-0.0200"}


def _place(name: str, lat: str, *, room: bool, confirmed: bool):  # type: ignore[no-untyped-def]
    cp = ContactPointFactory(
        name=name, slug=name.lower(), latitude=Decimal(lat), longitude=Decimal("-0.0200"),
        has_private_room=room,
    )  # fmt: skip
    for weekday in range(7):
        OpeningRuleFactory(contact_point=cp, weekday=weekday, opens=time(0), closes=time(23, 59))
    if confirmed:
        FactCheck.objects.create(
            contact_point=cp, fact=Fact.PRIVATE_ROOM, basis=Basis.SOURCE,
            source="Test listing", checked_on=date(2026, 9, 1),
        )  # fmt: skip
    return cp


@pytest.fixture
def places() -> None:
    _place("Roundthecorner", "51.4460", room=False, confirmed=False)  # not known
    _place("Knownnot", "51.4500", room=False, confirmed=True)  # known: no room
    _place("Farawayroom", "51.5300", room=True, confirmed=True)  # six miles: has one


def test_a_place_where_it_is_not_known_stays_labelled_and_the_nearest_confirmed_is_named(
    client: Client, places: None
) -> None:
    with time_machine.travel(NOON, tick=False):
        page = client.get("/search/", {**HERE, "facilities": "has_private_room"})
    results = [r.contact_point.name for r in page.context["results"]]
    assert results == ["Roundthecorner", "Farawayroom"]  # the known "no" left out
    text = page.content.decode()
    assert "Private room not confirmed</strong> — call 101 to check" in text
    assert "Not every place below is known to have a private room." in text
    assert "The nearest place confirmed to have a private room is" in text
    assert page.context["confirmed"].contact_point.name == "Farawayroom"


def test_the_api_keeps_them_too_and_says_how_each_is_known(client: Client, places: None) -> None:
    with time_machine.travel(NOON, tick=False):
        answer = client.get(
            "/api/v1/contact-points/nearest", {**HERE, "facility": "has_private_room"}
        ).json()
    names = [f["properties"]["name"] for f in answer["features"]]
    assert names == ["Roundthecorner", "Farawayroom"]
    first = answer["features"][0]["properties"]["facts"]["has_private_room"]
    assert first["basis"] == "unconfirmed"


def test_from_se13_a_resident_needing_a_private_room_is_shown_lewisham(client: Client) -> None:
    """The journey that sent residents six miles: Lewisham Police Station (open 24/7, round
    the corner) is listed first, its room "not confirmed", beside the nearest confirmed one."""
    from django.core.management import call_command

    call_command("load_demo", verbosity=0)  # the demo and the real 2025 Met list
    se13_5jz = {"lat": "51.463245", "lon": "-0.009826"}  # Code-Point Open 2014
    with time_machine.travel(NOON, tick=False):
        page = client.get("/search/", {**se13_5jz, "facilities": "has_private_room"})
    first = page.context["results"][0]
    assert first.contact_point.name == "Lewisham Police Station"
    assert first.not_confirmed == ("Private room",)
    text = page.content.decode()
    assert "Private room not confirmed" in text
    # Whether or not a place nearby is confirmed to have one, the page says which.
    confirmed = page.context["confirmed"]
    assert (
        "The nearest place confirmed to have a private room is" in text
        if confirmed
        else "km is confirmed to have a private room: call 101" in text
    )
