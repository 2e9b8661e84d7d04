"""The open data API: GeoJSON shaped as documented, CORS for GET, caching, rate limits."""

import csv
import io
import json
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client
from openapi_core import OpenAPI
from openapi_core.contrib.django import DjangoOpenAPIRequest, DjangoOpenAPIResponse

from core.time import LONDON
from places.models import Postcode
from tests.factories import ContactPointFactory, HoursExceptionFactory, OpeningRuleFactory

pytestmark = pytest.mark.django_db

WEDNESDAY_EVENING = datetime(2026, 11, 25, 19, 30, tzinfo=LONDON)


@pytest.fixture(autouse=True)
def _fresh_cache(settings: object) -> None:
    settings.GEOCODER = ""  # type: ignore[attr-defined]
    cache.clear()  # rate-limit counters live in the cache


@pytest.fixture
def spec(client: Client) -> OpenAPI:
    return OpenAPI.from_dict(client.get("/api/v1/openapi.json").json())


def get(client: Client, spec: OpenAPI, url: str, **params: Any) -> Any:
    """GET and check the response against the OpenAPI document."""
    response = client.get(url, params)
    spec.validate_response(
        DjangoOpenAPIRequest(response.wsgi_request), DjangoOpenAPIResponse(response)
    )
    return response


@pytest.fixture
def places() -> dict[str, Any]:
    Postcode.objects.create(
        postcode="WC2N 4JP", outward="WC2N", latitude=Decimal("51.509786"),
        longitude=Decimal("-0.124658"), source="codepoint",
    )  # fmt: skip
    library = ContactPointFactory(
        name="St John's Wood Library", slug="sjw-library", has_private_room=True,
        latitude=Decimal("51.533654"), longitude=Decimal("-0.172628"), borough="Westminster",
        confirmed=["has_private_room"],
    )  # fmt: skip
    OpeningRuleFactory(contact_point=library, weekday=2, opens=time(19), closes=time(20))
    HoursExceptionFactory(
        contact_point=library, starts_on=date(2026, 12, 2), ends_on=date(2026, 12, 2),
        reason="Training",
    )  # fmt: skip
    brixton = ContactPointFactory(
        name="Brixton", slug="brixton", borough="Lambeth",
        latitude=Decimal("51.464888"), longitude=Decimal("-0.113038"),
    )  # fmt: skip
    OpeningRuleFactory(contact_point=brixton, weekday=2, opens=time(10), closes=time(12))
    ContactPointFactory(name="Draft", slug="draft", is_published=False)
    return {"library": library, "brixton": brixton}


@time_machine.travel(WEDNESDAY_EVENING, tick=False)
def test_collection_is_geojson_in_lon_lat_order(
    client: Client, spec: OpenAPI, places: dict
) -> None:
    body = get(client, spec, "/api/v1/contact-points").json()
    assert body["type"] == "FeatureCollection"
    assert [f["id"] for f in body["features"]] == ["brixton", "sjw-library"]
    library = body["features"][1]
    assert library["geometry"] == {"type": "Point", "coordinates": [-0.172628, 51.533654]}
    assert library["properties"]["open_now"] is True
    assert library["properties"]["status_line"] == "Open now — closes in 30 minutes (20:00)"
    assert (
        library["properties"]["opening_hours"] == 'We 19:00-20:00; 2026 Dec 02 off "Training"; '
        '2027 Dec 30-2099 Dec 31 unknown "Hours after 29 December 2027 not published yet"'
    )
    assert library["properties"]["facilities"]["private_room"] is True
    # Nobody has said whether Brixton has one: not known, never a false "no".
    assert body["features"][0]["properties"]["facilities"]["private_room"] is None


@time_machine.travel(WEDNESDAY_EVENING, tick=False)
def test_collection_filters(client: Client, spec: OpenAPI, places: dict) -> None:
    def ids(**params: Any) -> list[str]:
        body = get(client, spec, "/api/v1/contact-points", **params).json()
        return [f["id"] for f in body["features"]]

    assert ids(borough="Lambeth") == ["brixton"]
    # Brixton's private room is not known: a filter never silently drops it.
    assert ids(facility="has_private_room") == ["brixton", "sjw-library"]
    assert ids(open_now="true") == ["sjw-library"]
    assert ids(kind="pop_up") == []
    assert client.get("/api/v1/contact-points", {"kind": "castle"}).status_code == 422


@time_machine.travel(WEDNESDAY_EVENING, tick=False)
def test_detail_has_structured_hours(client: Client, spec: OpenAPI, places: dict) -> None:
    body = get(client, spec, "/api/v1/contact-points/sjw-library").json()
    props = body["properties"]
    assert props["weekly_hours"][0]["description"] == "Every Wednesday, 19:00 to 20:00"
    assert props["changes"] == [
        {
            "starts_on": "2026-12-02", "ends_on": "2026-12-02", "closed": True,
            "opens": None, "closes": None, "reason": "Training",
        }
    ]  # fmt: skip
    assert props["next_sessions"][0]["opens"].startswith("2026-11-25T19:00:00")
    missing = get(client, spec, "/api/v1/contact-points/draft")
    assert missing.status_code == 404
    assert "No published contact point" in missing.json()["detail"]


@time_machine.travel(WEDNESDAY_EVENING, tick=False)
def test_nearest_by_postcode_and_coordinates(client: Client, spec: OpenAPI, places: dict) -> None:
    body = get(client, spec, "/api/v1/contact-points/nearest", postcode="wc2n4jp").json()
    assert body["search"]["label"] == "WC2N 4JP"
    assert [f["id"] for f in body["features"]] == ["sjw-library", "brixton"]
    distances = [f["properties"]["distance_m"] for f in body["features"]]
    assert distances == sorted(distances)
    assert 3500 < distances[0] < 4500
    by_point = get(client, spec, "/api/v1/contact-points/nearest", lat=51.47, lon=-0.11, limit=1)
    assert [f["id"] for f in by_point.json()["features"]] == ["brixton"]
    open_then = get(
        client, spec, "/api/v1/contact-points/nearest", lat=51.47, lon=-0.11,
        open_at="2026-11-25T11:00",
    )  # fmt: skip
    assert [f["id"] for f in open_then.json()["features"]] == ["brixton"]
    only_kind = get(
        client, spec, "/api/v1/contact-points/nearest", lat=51.47, lon=-0.11, kind="pop_up"
    )
    assert only_kind.json()["features"] == []


@pytest.mark.parametrize(
    ("params", "status", "detail"),
    [
        ({}, 400, "Give lat and lon, or a postcode"),
        ({"lat": "51.5"}, 400, "Give lat and lon, or a postcode"),
        ({"postcode": "garbage"}, 400, "is not a UK postcode"),
        ({"postcode": "BT1 1AA"}, 404, "Northern Ireland"),
        ({"postcode": "E1 6AN"}, 404, "couldn't find that place"),
        ({"lat": "95", "lon": "0"}, 422, None),
        ({"lat": "north", "lon": "0"}, 422, None),
        ({"lat": "51", "lon": "0", "limit": "500"}, 422, None),
        ({"lat": "51", "lon": "0", "open_at": "teatime"}, 422, None),
    ],
)
def test_nearest_bad_input_is_a_4xx_with_a_reason(
    client: Client, places: dict, params: dict, status: int, detail: str | None
) -> None:
    response = client.get("/api/v1/contact-points/nearest", params)
    assert response.status_code == status
    assert response.json()["detail"]
    if detail:
        assert detail in response.json()["detail"]


def test_cors_caching_and_rate_limit(client: Client, places: dict, settings: object) -> None:
    response = client.get("/api/v1/contact-points", HTTP_ORIGIN="https://council.example")
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["Cache-Control"].startswith("public, max-age=")
    assert 0 <= int(response["Cache-Control"].rsplit("=", 1)[1]) <= 60
    again = client.get("/api/v1/contact-points", HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304
    preflight = client.options(
        "/api/v1/contact-points",
        HTTP_ORIGIN="https://council.example",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
    )
    assert preflight.status_code == 200
    assert "GET" in preflight["Access-Control-Allow-Methods"]
    assert "POST" not in preflight["Access-Control-Allow-Methods"]
    # The public pages are not shared across origins.
    assert "Access-Control-Allow-Origin" not in client.get("/", HTTP_ORIGIN="https://x.example")

    with time_machine.travel(datetime(2026, 11, 25, 12, 0, 5, tzinfo=UTC), tick=False):
        statuses = [  # within one window of the limit, however slow the machine
            client.get("/api/v1/contact-points/nearest", {"lat": 51.5, "lon": -0.1}).status_code
            for _ in range(601)
        ]
    assert statuses[:600] == [200] * 600  # SEARCH_RATE: 600 a minute
    assert statuses[600] == 429


@time_machine.travel(WEDNESDAY_EVENING, tick=False)
def test_csv_download_matches_the_directory(client: Client, places: dict) -> None:
    response = client.get("/api/v1/contact-points.csv", {"borough": "Westminster"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [r["slug"] for r in rows] == ["sjw-library"]
    assert rows[0]["latitude"] == "51.533654"
    assert rows[0]["has_private_room"] == "yes"
    assert rows[0]["has_hearing_loop"] == "not known"


def test_openapi_document_and_docs_page(client: Client) -> None:
    document = client.get("/api/v1/openapi.json").json()
    assert document["openapi"].startswith("3.")
    assert {
        "/api/v1/contact-points",
        "/api/v1/contact-points/nearest",
        "/api/v1/contact-points/{slug}",
        "/api/v1/contact-points.csv",
    } <= set(document["paths"])
    docs = client.get("/api/").content.decode()
    assert "/api/v1/openapi.json" in docs
    assert "429" in docs


@time_machine.travel(datetime(2026, 12, 28, 12, tzinfo=UTC), tick=False)
def test_facts_say_how_they_are_known_and_the_status_never_overstates(client: Client) -> None:
    """On a bank holiday (Monday 28 December 2026, the substitute day), a place that says
    it opens, with bank holiday opening never confirmed, says so in its status line; the
    API and CSV carry how each fact is known."""
    cp = ContactPointFactory(slug="counter", closed_on_bank_holidays=False, has_private_room=True)
    OpeningRuleFactory(contact_point=cp, weekday=0, opens=time(10), closes=time(22))
    body = client.get("/api/v1/contact-points").json()
    props = body["features"][0]["properties"]
    assert props["status_line"].startswith("Open now until 22:00")
    assert "bank holiday opening not confirmed" in props["status_line"]
    assert props["facts"]["hours"] == {
        "basis": "source", "checked_on": "2026-09-01", "checked_by": "", "source": "Test listing"
    }  # fmt: skip
    assert props["facts"]["has_private_room"]["basis"] == "unconfirmed"
    rows = list(
        csv.DictReader(io.StringIO(client.get("/api/v1/contact-points.csv").content.decode()))
    )
    assert rows[0]["hours_known"] == "source 2026-09-01 (Test listing)"
    assert rows[0]["has_private_room_known"] == "unconfirmed"
    page = client.get("/contact-points/counter/").content.decode()
    assert "Bank holidays: not confirmed" in page
    assert (
        "Private room for a confidential conversation – not known (recorded, not yet "
        "confirmed): call 101 to check" in page
    )


def test_nearest_names_the_nearest_open_place_as_the_finder_does(client: Client) -> None:
    """The API answers like the finder (one search module): when none found is open now,
    it names the nearest place that is."""
    from datetime import time as clock

    from tests.factories import ContactPointFactory, OpeningRuleFactory

    near = ContactPointFactory(name="Near, mornings", latitude=Decimal("51.5001"))
    OpeningRuleFactory(contact_point=near, weekday=2, opens=clock(9), closes=clock(10))
    far = ContactPointFactory(name="Far, evenings", latitude=Decimal("51.52"))
    OpeningRuleFactory(contact_point=far, weekday=2, opens=clock(19), closes=clock(22))
    with time_machine.travel(WEDNESDAY_EVENING, tick=False):
        data = client.get(
            "/api/v1/contact-points/nearest", {"lat": 51.5, "lon": -0.208259, "limit": 1}
        ).json()
    assert [f["properties"]["name"] for f in data["features"]] == ["Near, mornings"]
    assert data["nearest_open"]["properties"]["name"] == "Far, evenings"
    assert data["search"]["within_km"] == 200


def test_every_feature_links_to_its_page_on_the_host_asked(client: Client, settings) -> None:
    """Each place's address is its own page's, on the host and scheme the request used,
    in the list, the nearest search and the detail alike."""
    settings.ALLOWED_HOSTS = ["testserver", "example.org"]
    for slug in ("lewisham", "charing-cross_2", "a-1"):
        ContactPointFactory(slug=slug, latitude=Decimal("51.5"), longitude=Decimal("-0.1"))
    host = {"HTTP_HOST": "example.org", "secure": True}
    listed = client.get("/api/v1/contact-points", **host).json()["features"]
    near = client.get("/api/v1/contact-points/nearest?lat=51.5&lon=-0.1", **host).json()
    one = client.get("/api/v1/contact-points/a-1", **host).json()
    for feature in [*listed, *near["features"], one]:
        slug = feature["properties"]["slug"]
        assert feature["properties"]["url"] == f"https://example.org/contact-points/{slug}/"
        assert client.get(f"/contact-points/{slug}/").status_code == 200
    assert len(listed) == 3


def test_a_search_after_an_edit_describes_the_place_as_edited(client: Client) -> None:
    """What a search keeps of a place between requests (its fixed properties, its days
    of hours) is kept for one data version: the next search after an edit — through any
    write path — describes the place as it now is, and the status from its new hours."""
    cp = ContactPointFactory(
        name="Before", slug="edited", latitude=Decimal("51.5"), longitude=Decimal("-0.1"),
        borough="Camden",
    )  # fmt: skip
    OpeningRuleFactory(contact_point=cp, weekday=2, opens=time(9), closes=time(10))
    url = "/api/v1/contact-points/nearest?lat=51.5&lon=-0.1"
    with time_machine.travel(WEDNESDAY_EVENING, tick=False):
        before = client.get(url).json()["features"][0]["properties"]
        type(cp).objects.filter(pk=cp.pk).update(name="After", borough="Lambeth")
        OpeningRuleFactory(contact_point=cp, weekday=2, opens=time(19), closes=time(21))
        after = client.get(url).json()["features"][0]["properties"]
    assert (before["name"], before["borough"]) == ("Before", "Camden")
    assert before["status_line"].startswith("Closed")
    assert (after["name"], after["borough"]) == ("After", "Lambeth")
    assert after["status_line"].startswith("Open now until 21:00")


def test_answers_joined_from_kept_text_say_what_each_place_says_at_each_moment(
    client: Client,
) -> None:
    """The list and the nearest search join each place's text kept between requests with
    its status kept until it next reads differently. At every moment around an opening,
    through the last minutes' countdown and at closing, each feature they send
    is, property for property and in order, what the detail endpoint (which works it all
    out afresh) says, and the text is exactly the API's own JSON encoding of it."""
    from ninja.responses import NinjaJSONEncoder

    afternoon = ContactPointFactory(
        name="Afternoons \u2014 \u201cquoted\u201d", slug="afternoons",
        latitude=Decimal("51.5"), longitude=Decimal("-0.1"),
    )  # fmt: skip
    OpeningRuleFactory(contact_point=afternoon, weekday=2, opens=time(16), closes=time(17))
    other = ContactPointFactory(slug="evenings", latitude=Decimal("51.51"))
    OpeningRuleFactory(contact_point=other, weekday=2, opens=time(16, 30), closes=time(19))
    moments = (
        "15:59:59.5 16:00 16:01 16:30 16:58:00.000001 16:58:59.999999 16:59 16:59:00.000001 "
        "16:59:59 17:00 18:59:00.000001 19:00"
    )
    for moment in moments.split():
        at = datetime.combine(date(2026, 11, 25), time.fromisoformat(moment), tzinfo=LONDON)
        with time_machine.travel(at, tick=False):
            listed = client.get("/api/v1/contact-points")
            near = client.get("/api/v1/contact-points/nearest?lat=51.5&lon=-0.1")
            afresh = {
                slug: client.get(f"/api/v1/contact-points/{slug}").json()["properties"]
                for slug in ("afternoons", "evenings")
            }
        for response in (listed, near):
            text = response.content.decode()
            assert json.dumps(json.loads(text), cls=NinjaJSONEncoder) == text
        features = [*listed.json()["features"], *near.json()["features"]]
        assert len(features) == 4
        for feature in features:
            properties = dict(feature["properties"])
            properties.pop("distance_m", None)
            detail = afresh[properties["slug"]]
            assert list(properties.items()) == list(detail.items())[: len(properties)], at
    assert afresh["afternoons"]["status_line"].startswith("Closed")
