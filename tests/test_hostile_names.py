"""A name a manager types is data everywhere it is shown: a contact point called like an
attack appears as that exact text in the page, its JSON-LD and map data, the map's tooltip
(tests/browser/test_hostile_names.py), iCalendar, the CSV, the poster and the API, and
never as markup, script or a spreadsheet formula."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import time

import icalendar
import pytest
from django.test import Client

from tests.factories import ContactPointFactory, OpeningRuleFactory

pytestmark = pytest.mark.django_db

HOSTILE = (
    '=HYPERLINK("http://evil") <img src=x onerror=alert(1)><svg onload=alert(2)>'
    "</script><script>alert(3)</script> & \"quoted\" 'single'"
)
MARKUP = ["<img", "<svg onload", "<script>alert"]


@pytest.fixture
def hostile():
    place = ContactPointFactory(name=HOSTILE, slug="hostile")
    OpeningRuleFactory(contact_point=place, weekday=2, opens=time(9), closes=time(17))
    return place


def _scripts(html: str, kind: str) -> list[str]:
    return re.findall(rf"<script[^>]*{kind}[^>]*>(.*?)</script>", html, flags=re.S)


def test_pages_show_the_name_as_text(client: Client, hostile) -> None:
    for path in ("/contact-points/hostile/", "/contact-points/", "/contact-points/hostile/poster/",
                 "/search/?lat=51.5306&lon=-0.2082"):  # fmt: skip
        html = client.get(path).content.decode()
        assert "&lt;img src=x onerror=alert(1)&gt;" in html, path
        for markup in MARKUP:
            assert markup not in html, (path, markup)


def test_structured_data_carries_the_exact_name(client: Client, hostile) -> None:
    html = client.get("/contact-points/hostile/").content.decode()
    (jsonld,) = _scripts(html, 'type="application/ld\\+json"')
    assert json.loads(jsonld)["name"] == HOSTILE
    (points,) = _scripts(html, 'id="map-points"')
    assert [p["name"] for p in json.loads(points) if not p.get("you")] == [HOSTILE]


def test_calendar_csv_and_api_carry_the_name_as_text(client: Client, hostile) -> None:
    calendar = icalendar.Calendar.from_ical(
        client.get("/contact-points/hostile/sessions.ics").content
    )
    names = {str(e["SUMMARY"]) for e in calendar.walk("VEVENT")}
    assert names
    assert all(HOSTILE in name for name in names)

    rows = list(csv.reader(io.StringIO(client.get("/api/v1/contact-points.csv").content.decode())))
    (row,) = [r for r in rows[1:] if "hostile" in r]
    (cell,) = [c for c in row if "HYPERLINK" in c]
    assert cell == "'" + HOSTILE  # a spreadsheet shows it as text, never runs it

    api = client.get("/api/v1/contact-points/hostile").json()
    assert api["properties"]["name"] == HOSTILE
