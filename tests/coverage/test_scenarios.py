"""Scenarios: a proposal's effect worked out by the same engine, for staff with the
permission only, and frozen with the review that cites it."""

import re
from datetime import datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.test import Client
from geopy.distance import geodesic

from core.time import LONDON
from coverage.models import Scenario, ScenarioIsFrozen
from places.models import Postcode
from reviews.services import review_publish
from tests.conftest import sign_in
from tests.factories import ContactPointFactory, OpeningRuleFactory, staff_user
from tests.shared_data import load_westminster
from visits.services import sessions_schedule

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 25, 12, tzinfo=LONDON)


@pytest.fixture
def planner(client: Client, tmp_path: Path) -> Client:
    load_westminster(tmp_path)
    return sign_in(client, staff_user("analyst", "Analyst"))


def test_closing_the_only_place_and_adding_one_elsewhere(planner: Client) -> None:
    station = ContactPointFactory(
        name="Charing Cross", latitude=Decimal("51.509786"), longitude=Decimal("-0.124658"),
        annual_cost=Decimal("500000"),
    )  # fmt: skip
    for weekday in range(7):
        OpeningRuleFactory(contact_point=station, weekday=weekday, opens=time(0), closes=time(23))
    with time_machine.travel(NOW, tick=False):
        answer = planner.post(
            "/coverage/scenarios/new/",
            {
                "name": "Close Charing Cross, open at Marylebone",
                "removes": [station.pk],
                "add_name": "Marylebone library", "add_postcode": "nw1 5pt",
                "add_days": ["0", "1", "2", "3", "4"], "add_opens": "10:00",
                "add_closes": "14:00", "add_cost": "20000",
            },
        )  # fmt: skip
        assert answer.status_code == 302
        page = planner.get(answer["Location"])
    text = page.content.decode()
    assert page.status_code == 200
    # Before: Charing Cross open 00:00–23:00 every day; after: a library open 20 hours a week.
    assert "saves £480000 a year" in text
    assert "Marylebone library (NW1 5PT)" in text
    scenario = Scenario.objects.get()
    assert scenario.additions[0]["weekdays"] == [0, 1, 2, 3, 4]
    # Westminster loses most of its reach: the London row for 20 minutes falls.
    london = re.search(
        r"Within 20 minutes</th><td class=\"num\">(\d+)%</td><td class=\"num\">(\d+)%", text
    )
    assert london is not None
    before, after = (int(x) for x in london.groups())
    assert before > 20
    assert after < before


def test_bad_proposals_are_told_plainly(planner: Client) -> None:
    answer = planner.post("/coverage/scenarios/new/", {"name": "Nothing"})
    assert answer.status_code == 400
    assert "Change something" in answer.content.decode()
    answer = planner.post(
        "/coverage/scenarios/new/",
        {"name": "Bad", "add_name": "X", "add_postcode": "ZZ9 9ZZ", "add_days": ["0"],
         "add_opens": "14:00", "add_closes": "10:00"},
    )  # fmt: skip
    text = answer.content.decode()
    assert answer.status_code == 400
    assert "It must close after it opens, the same day." in text
    assert "ZZ9 9ZZ is not in our postcode list." in text


def test_only_staff_with_the_permission(client: Client, tmp_path: Path) -> None:
    assert client.get("/coverage/scenarios/").status_code == 302  # sign in first
    sign_in(client, staff_user("officer", "Officer"))
    assert client.get("/coverage/scenarios/").status_code == 403
    assert client.post("/coverage/scenarios/new/", {"name": "x"}).status_code == 403


def test_a_cited_scenario_is_frozen_when_its_review_is_published(planner: Client) -> None:
    from reviews.models import Review

    station = ContactPointFactory(latitude=Decimal("51.509786"), longitude=Decimal("-0.124658"))
    OpeningRuleFactory(contact_point=station, weekday=2, opens=time(9), closes=time(17))
    october = datetime(2026, 10, 1, tzinfo=LONDON)  # usage data, so October is published
    sessions_schedule(contact_point=station, start=october, end=october + timedelta(days=14))
    author = staff_user("author", "Analyst")
    approver = staff_user("approver", "Manager")
    approver.user_permissions.add(Permission.objects.get(codename="publish_review"))
    review = Review.objects.create(
        title="Westminster", slug="westminster", period_start="2026-10-01",
        period_end="2026-10-31", summary="…", author=author,
    )  # fmt: skip
    with time_machine.travel(NOW, tick=False):
        scenario = Scenario.objects.create(
            name="Close it", week="2026-11-23", created_by=author, review=review
        )
        scenario.removes.add(station)
        review_publish(review=review, approver=approver)
    scenario.refresh_from_db()
    assert scenario.frozen is not None
    assert scenario.frozen["london"]["after"] == [0.0, 0.0, 0.0]
    assert scenario.frozen["london"]["before"][2] > 0
    review.refresh_from_db()
    assert review.snapshot["evidence"]["scenarios"][0]["scenario"] == "Close it"
    # Later edits to the places do not change what was published.
    station.status = "closed"
    station.save()
    scenario.name = "Changed"
    with pytest.raises(ScenarioIsFrozen):
        scenario.save()
    page = planner.get(f"/coverage/scenarios/{scenario.pk}/")
    assert "these are the figures as published, frozen" in page.content.decode()
    assert Postcode.objects.exists()


def test_a_new_place_put_where_the_map_is_clicked(planner: Client) -> None:
    from places import svg
    from places.models import Area, AreaKind

    westminster = Area.objects.get(kind=AreaKind.BOROUGH)
    frame = svg.Frame.around(
        list(Area.objects.filter(kind=AreaKind.WARD).values_list("outline", flat=True))
    )
    assert frame is not None
    x, y = frame.xy(-0.124658, 51.509786)  # Charing Cross on the borough's map
    form = {"name": "A pop-up", "add_name": "Pop-up", "add_days": ["0", "2"],
            "add_opens": "10:00", "add_closes": "14:00", "map_area": westminster.code}  # fmt: skip
    with time_machine.travel(NOW, tick=False):
        empty = planner.get("/coverage/scenarios/new/").content.decode()
        picture = planner.get(f"/coverage/scenarios/map.svg?area={westminster.code}")
        clicked = planner.post("/coverage/scenarios/new/", {**form, "place.x": x, "place.y": y})
        corner = planner.post("/coverage/scenarios/new/", {**form, "place.x": 0, "place.y": 0})
    assert 'type="image" name="place"' in empty
    assert picture["Content-Type"] == "image/svg+xml"
    assert picture.content.decode().count("<path ") == 20
    # The page comes back with what was typed and the point clicked; nothing is saved.
    text = clicked.content.decode()
    assert clicked.status_code == 200
    assert not Scenario.objects.exists()
    assert 'value="Pop-up"' in text
    assert 'value="2" id="id_add_days_2" checked' in text
    lat, lon = (
        float(re.findall(rf'name="add_{name}" value="([-\d.]+)"', text)[0])
        for name in ("latitude", "longitude")
    )
    # One pixel of Westminster's 800-wide map is about 10 m.
    assert geodesic((lat, lon), (51.509786, -0.124658)).meters < 15
    assert f"lat={lat:.6f}&amp;lon={lon:.6f}" in text  # the map shows the point chosen
    # Enter on the map (its corner) places nothing and says how to.
    assert "Click on the map where the new place would be" in corner.content.decode()
    assert 'name="add_latitude" value="5' not in corner.content.decode()
    with time_machine.travel(NOW, tick=False):
        saved = planner.post(
            "/coverage/scenarios/new/", {**form, "add_latitude": lat, "add_longitude": lon}
        )
        far = planner.post(
            "/coverage/scenarios/new/", {**form, "add_latitude": 53.48, "add_longitude": -2.24}
        )
        page = planner.get(saved["Location"])
    assert saved.status_code == 302
    addition = Scenario.objects.get().additions[0]
    assert (addition["latitude"], addition["longitude"]) == (lat, lon)
    assert addition["postcode"] == ""
    assert f"Add Pop-up (at {lat:.5f}, {lon:.5f})" in page.content.decode()
    assert far.status_code == 400
    assert "That point is not near any postcode we know." in far.content.decode()
