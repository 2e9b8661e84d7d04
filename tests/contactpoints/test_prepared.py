"""Exports are worked out when the data changes, not when someone asks: after the daily
work (or an edit) a reader's answer computes no opening_hours at all, and an edit to one
place makes only that place's value new."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client

from contactpoints import exports, prepared
from contactpoints.models import ContactPoint, PreparedHours
from contactpoints.services import hours_changed
from core.time import LONDON
from tests.factories import ContactPointFactory, OpeningRuleFactory

pytestmark = pytest.mark.django_db(transaction=True)  # edits prepare on commit

NOON = datetime(2026, 11, 25, 12, tzinfo=LONDON)
TODAY = date(2026, 11, 25)


@pytest.fixture
def places() -> list[ContactPoint]:
    found = []
    for n in range(3):
        cp = ContactPointFactory(slug=f"p{n}", name=f"Place {n}")
        OpeningRuleFactory(contact_point=cp, weekday=n, opens=time(10), closes=time(12 + n))
        found.append(cp)
    prepared._memo.clear()
    return found


def _refuse(*args: Any, **kwargs: Any) -> str:
    raise AssertionError("worked out while a reader waited")


def test_after_the_daily_work_no_reader_works_out_hours(
    client: Client, places: list[ContactPoint], monkeypatch: pytest.MonkeyPatch
) -> None:
    with time_machine.travel(NOON, tick=False):
        expected = {
            cp.slug: cp.osm_opening_hours(TODAY) for cp in ContactPoint.objects.with_hours()
        }
        call_command("daily", verbosity=0)
        prepared._memo.clear()  # another worker: only the database has them
        monkeypatch.setattr(exports, "osm_opening_hours", _refuse)
        body = client.get("/api/v1/contact-points").json()
        near = client.get("/api/v1/contact-points/nearest", {"lat": 51.53, "lon": -0.2}).json()
    got = {f["id"]: f["properties"]["opening_hours"] for f in body["features"]}
    assert got == expected  # the same strings the export itself makes
    assert {f["id"] for f in near["features"]} <= set(expected)
    # Today's and tomorrow's are kept, so the day boundary costs no reader either.
    assert set(PreparedHours.objects.values_list("day", flat=True)) == {TODAY, date(2026, 11, 26)}


def test_an_edit_makes_only_that_places_value_new(
    client: Client, places: list[ContactPoint], monkeypatch: pytest.MonkeyPatch
) -> None:
    with time_machine.travel(NOON, tick=False):
        prepared.prepare(TODAY)
        before = set(PreparedHours.objects.values_list("key", flat=True))
        OpeningRuleFactory(contact_point=places[0], weekday=5, opens=time(9), closes=time(10))
        hours_changed(contact_point_id=places[0].pk)  # as the back office does, then commits
        after = set(PreparedHours.objects.values_list("key", flat=True))
        assert len(after - before) == 2  # the edited place, today and tomorrow
        prepared._memo.clear()
        monkeypatch.setattr(exports, "osm_opening_hours", _refuse)
        answer = client.get("/api/v1/contact-points/p0").json()
    assert "Sa 09:00-10:00" in answer["properties"]["opening_hours"]


def test_yesterdays_values_are_forgotten(places: list[ContactPoint]) -> None:
    prepared.prepare(date(2026, 11, 24))
    prepared.prepare(TODAY)
    assert min(PreparedHours.objects.values_list("day", flat=True)) == TODAY
