"""/coverage/ as a councillor reads it, without JavaScript: Westminster's real postcodes and
wards, and contact points whose hours change the figures."""

import csv
import html
import io
import re
from datetime import datetime, time
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from django.test import Client
from geopy.distance import geodesic

from core.time import LONDON
from places.boundaries import BoundaryFileError, import_boundaries
from places.models import Area, Postcode
from tests.factories import ContactPointFactory, OpeningRuleFactory
from tests.shared_data import load_westminster

pytestmark = [pytest.mark.django_db, pytest.mark.cache]
NOW = datetime(2026, 11, 25, 12, tzinfo=LONDON)  # a Wednesday


@pytest.fixture
def westminster(tmp_path: Path) -> None:
    load_westminster(tmp_path)


@pytest.fixture
def charing_cross(westminster: None) -> object:
    """Open weekdays 08:00–20:00 only."""
    cp = ContactPointFactory(latitude=Decimal("51.509786"), longitude=Decimal("-0.124658"))
    for weekday in range(5):
        OpeningRuleFactory(contact_point=cp, weekday=weekday, opens=time(8), closes=time(20))
    return cp


def within_20_minutes(origin: tuple[float, float]) -> int:
    """Westminster postcodes within 20 minutes' walk of `origin`, counted one by one:
    20 × 80 m ÷ 1.3 of straight line, by geodesic (a few at the edge may differ by the
    sphere's 0.5 %)."""
    reach = 20 * 80 / 1.3
    return sum(
        1
        for lat, lon in Postcode.objects.values_list("latitude", "longitude")
        if geodesic(origin, (float(lat), float(lon))).meters <= reach
    )


def test_the_pages_show_who_is_within_reach_and_when(client: Client, charing_cross: object) -> None:
    with time_machine.travel(NOW, tick=False):
        page = client.get("/coverage/")
        borough = client.get("/coverage/E09000033/?within=20&when=weekday-evening")
        download = client.get("/coverage/coverage.csv")
    assert page.status_code == borough.status_code == download.status_code == 200
    text = page.content.decode()
    # One shape per ward on the map, each named, and the map's table.
    assert text.count("<path ") == 20
    assert "St James&#x27;s: " in text
    assert "Map: share of each ward's postcodes within 20 minutes&#x27; walk" in text
    assert '<a href="/coverage/E09000033/?within=20&amp;when=week">City of Westminster</a>' in text
    # Nights: Charing Cross is closed, nobody is within reach.
    rows = list(csv.DictReader(io.StringIO(download.content.decode())))
    assert len(rows) == 20
    assert {row["within 30 min: nights 00:00 to 06:00"] for row in rows} == {"0.0"}
    # Weekdays 09:00–17:00, London-wide (here, Westminster): the postcodes within reach.
    total = Postcode.objects.count()
    shown = sum(
        float(r["within 20 min: weekdays 09:00 to 17:00"]) * int(r["postcodes"]) for r in rows
    )
    expected = within_20_minutes((51.509786, -0.124658))
    assert abs(shown - expected) <= 0.005 * expected + 2
    assert 0 < expected < total
    # The borough's grid: 09:00 on a Tuesday is covered, 21:00 is not.
    grid = borough.content.decode()
    tuesday = grid.split('<tr><th scope="row">Tuesday</th>')[1].split("</tr>")[0]
    cells = re.findall(r">(\d+%)</td>", tuesday)
    assert len(cells) == 24
    assert cells[9] != "0%"
    assert cells[21] == "0%"
    assert cells[3] == "0%"


def test_an_edit_to_hours_shows_at_once(client: Client, charing_cross: object) -> None:
    with time_machine.travel(NOW, tick=False):
        before = client.get("/coverage/coverage.csv").content.decode()
        OpeningRuleFactory(contact_point=charing_cross, weekday=6, opens=time(0), closes=time(6))
        after = client.get("/coverage/coverage.csv").content.decode()

    def nights(text: str) -> float:
        return sum(
            float(r["within 30 min: nights 00:00 to 06:00"])
            for r in csv.DictReader(io.StringIO(text))
        )

    assert nights(before) == 0 < nights(after)


def test_bad_choices_are_told_plainly(client: Client, westminster: None) -> None:
    answer = client.get("/coverage/?within=15")
    assert answer.status_code == 400
    assert "Choose a walk of 10, 20, 30 minutes." in answer.content.decode()
    assert client.get("/coverage/?when=teatime").status_code == 400
    assert client.get("/coverage/E09999999/").status_code == 404


def test_boundary_files_are_checked_and_names_tidied(tmp_path: Path, westminster: None) -> None:
    assert Area.objects.get(code="E09000033").name == "City of Westminster"
    bad = tmp_path / "bad.geojson"
    bad.write_text(
        '{"type": "FeatureCollection", "features": [{"properties": {}, "geometry": null}]}'
    )
    with pytest.raises(BoundaryFileError, match="feature 1: ward or borough code or name missing"):
        import_boundaries(bad)
    bad.write_text("not json")
    with pytest.raises(BoundaryFileError, match="not a GeoJSON file"):
        import_boundaries(bad)


def test_the_same_figures_as_geojson_and_from_the_api(
    client: Client, charing_cross: object
) -> None:
    with time_machine.travel(NOW, tick=False):
        table = client.get("/coverage/coverage.csv").content.decode()
        wards = client.get("/coverage/wards.geojson")
        api = client.get("/api/v1/coverage")
        docs = client.get("/api/v1/openapi.json").json()
    assert wards["Content-Type"] == "application/geo+json"
    features = wards.json()["features"]
    assert len(features) == 20
    assert all(f["geometry"]["type"] in ("Polygon", "MultiPolygon") for f in features)
    by_code = {row["ward code"]: row for row in csv.DictReader(io.StringIO(table))}
    for feature in features:
        row = by_code[feature["id"]]
        shares = feature["properties"]["shares"]
        assert shares["weekday-evening"]["20"] == pytest.approx(
            float(row["within 20 min: weekday evenings 18:00 to 22:00"]), abs=1e-4
        )
    data = api.json()
    assert data["week"] == "2026-11-23"
    assert data["method"]["detour_factor"] == 1.3
    assert [b["code"] for b in data["boroughs"]] == ["E09000033"]
    assert data["london"]["shares"]["night"] == {"10": 0.0, "20": 0.0, "30": 0.0}
    assert data["wards"] == [f["properties"] for f in features]
    assert "/api/v1/coverage" in docs["paths"]


def test_then_and_now_follows_closures_and_replacements(client: Client, westminster: None) -> None:
    """A station open weekdays 08:00–20:00 until it closed in April 2013, replaced by a
    contact point at the same spot open on Mondays 10:00–12:00 from September 2013: the
    weekday daytime share then is everyone within reach, afterwards 2 hours in 40."""
    from datetime import date

    from contactpoints.models import OpeningRule, Status

    spot = {"latitude": Decimal("51.509786"), "longitude": Decimal("-0.124658")}
    station = ContactPointFactory(
        name="Old station", status=Status.CLOSED, closed_on=date(2013, 4, 1), **spot
    )
    for weekday in range(5):
        OpeningRule.objects.create(
            contact_point=station, weekday=weekday, opens=time(8), closes=time(20),
            valid_until=date(2013, 3, 31),
        )  # fmt: skip
    replacement = ContactPointFactory(name="New point", opened_on=date(2013, 9, 1), **spot)
    OpeningRule.objects.create(
        contact_point=replacement, weekday=0, opens=time(10), closes=time(12)
    )
    within = within_20_minutes((51.509786, -0.124658)) / Postcode.objects.count()
    with time_machine.travel(NOW, tick=False):
        text = client.get("/coverage/?within=20&when=weekday-daytime").content.decode()
    section = html.unescape(text.split('id="then-and-now"')[1])
    section = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", section))
    row = re.search(r"Weekdays 09:00 to 17:00 (\d+)% (\d+)% (\d+)%", section)
    assert row is not None
    then, after, now = (int(x) for x in row.groups())
    assert abs(then - within * 100) <= 1
    assert abs(after - within * 100 * 2 / 40) <= 1
    assert now == after
    assert "Places counted with their hours 1 1 1" in section
    assert f"{then}% of postcodes were within 20 minutes' walk" in section
    # The answer comes first, before any table.
    answer = html.unescape(text.split('id="answer-title"')[1].split("</section>")[0])
    assert text.index('id="answer-title"') < text.index("<table")
    assert "No: worse." in answer
    assert f"{then}% of postcodes were within 20 minutes' walk" in answer

    # A station that may have been open then, with no hours recorded for then, and one
    # with no location: named with the right reasons, and the share becomes a range from
    # the first closed all week to open all week. Even so the answer holds: at most
    # 2 hours in 168 now against at least 60 in 168 then.
    ContactPointFactory(name="Unknown hours", status=Status.CLOSED, **spot)
    ContactPointFactory(
        name="Nowhere", status=Status.CLOSED, latitude=None, longitude=None,
        closed_by=date(2013, 3, 29),
    )  # fmt: skip
    with time_machine.travel(NOW, tick=False):
        text = html.unescape(client.get("/coverage/?within=20&when=week").content.decode())
    flat = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text))
    assert (
        "Unknown hours (hours that week not recorded; opening date not recorded; closing "
        "date not recorded)" in flat
    )
    assert (
        "Nowhere (no location recorded; opening date not recorded; closing date not "
        "recorded, closed by 29 March 2013 at the latest)" in flat
    )
    low, high = re.search(r"Every hour of the week (\d+)% to (\d+)%", flat).groups()  # type: ignore[union-attr]
    assert abs(int(low) - within * 100 * 60 / 168) <= 1
    assert abs(int(high) - within * 100) <= 1
    assert "No: worse." in flat
    # After 29 March 2013 "Nowhere" had closed: the January 2014 column does not name it.
    then_2014 = flat.split("After the 2013 closures (week of 6 January 2014):")
    assert all("Nowhere" not in part for part in then_2014[1:])


def test_without_wards_or_postcodes_the_pages_say_so(client: Client) -> None:
    for url in ("/coverage/", "/coverage/coverage.csv", "/coverage/wards.geojson"):
        answer = client.get(url)
        assert answer.status_code == 503
        assert "not available yet" in answer.content.decode()
    answer = client.get("/api/v1/coverage")
    assert answer.status_code == 503
    assert answer.json() == {
        "detail": "Coverage is not available yet: no ward boundaries are loaded."
    }


def test_a_period_of_weeks_averages_them(client: Client, charing_cross: object) -> None:
    """Charing Cross gains Saturday hours from 1 December: the three weeks from 23
    November average one week without them and two with."""
    from datetime import date

    from contactpoints.models import OpeningRule

    OpeningRule.objects.create(
        contact_point=charing_cross, weekday=5, opens=time(8), closes=time(20),
        valid_from=date(2026, 12, 1),
    )  # fmt: skip
    key = "within 20 min: weekends 09:00 to 17:00"
    with time_machine.travel(NOW, tick=False):
        weeks = [
            client.get(f"/coverage/coverage.csv?from={day}&to={day}").content.decode()
            for day in ("2026-11-23", "2026-11-30", "2026-12-07")
        ]
        period = client.get("/coverage/coverage.csv?from=2026-11-25&to=2026-12-13")
        page = client.get("/coverage/?from=2026-11-25&to=2026-12-13").content.decode()
        bad = [
            client.get(f"/coverage/?{query}").status_code
            for query in ("from=2026-12-01", "from=2026-12-01&to=2026-11-01",
                          "from=2026-01-01&to=2026-12-31", "from=tuesday&to=2026-12-01")
        ]  # fmt: skip

    def weekend(text: str) -> float:
        return sum(float(r[key]) * int(r["postcodes"]) for r in csv.DictReader(io.StringIO(text)))

    first, second, third = (weekend(w) for w in weeks)
    assert first == 0 < second == third
    # (the CSV rounds each share to four places)
    assert weekend(period.content.decode()) == pytest.approx((first + second + third) / 3, rel=1e-3)
    assert (
        'filename="coverage-week-of-2026-11-23-to-2026-12-07.csv"' in period["Content-Disposition"]
    )
    assert "the 3 weeks from 23 November 2026 to 13 December 2026" in page
    assert bad == [400, 400, 400, 400]


def test_the_map_follows_new_boundaries(client: Client, charing_cross: object) -> None:
    """The outlines are drawn once per version of the boundaries: a ward redrawn is seen
    at once, and a ward without an outline is left off the map."""
    with time_machine.travel(NOW, tick=False):
        before = client.get("/coverage/").content.decode()
        ward = Area.objects.get(name="St James's")
        ring = ward.outline["coordinates"][0]
        ward.outline = {"type": "Polygon", "coordinates": [[*ring[:-1][::2], ring[0]]]}
        ward.save(update_fields=["outline"])
        redrawn = client.get("/coverage/").content.decode()
        Area.objects.filter(pk=ward.pk).update(outline=None)
        without = client.get("/coverage/").content.decode()

    def path_of(page: str) -> str:
        found = re.search(r'<path d="([^"]+)"[^>]*>\s*<title>St James&#x27;s: ', page)
        assert found, "St James's is drawn"
        return found.group(1)

    assert path_of(redrawn) != path_of(before)
    assert before.count("<path ") == redrawn.count("<path ") == 20
    assert without.count("<path ") == 19


def test_a_wards_name_is_text_on_the_map_and_in_the_tables(
    client: Client, charing_cross: object
) -> None:
    """Names come from boundary files anyone can supply: shown as text, never as markup,
    in the map's titles and both ward tables."""
    Area.objects.filter(name="St James's").update(name='<img src=x onerror="alert(1)"> & Co')
    with time_machine.travel(NOW, tick=False):
        pages = [client.get(url).content.decode() for url in ("/coverage/", "/coverage/E09000033/")]
    for page in pages:
        assert "<img src=x" not in page
        shown = "&lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; Co"
        assert page.count(f"<title>{shown}: ") == 1
        assert page.count(f'<th scope="row">{shown}</th>') == 1
