"""The finder pages: search by postcode, district, place or location; embed; posters."""

import re
from datetime import date, datetime, time
from decimal import Decimal

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client

from contactpoints.models import Basis, Fact, FactCheck, Kind
from core.time import LONDON
from places.models import Postcode
from tests.factories import ContactPointFactory, OpeningRuleFactory

pytestmark = pytest.mark.django_db

WEDNESDAY_NOON = datetime(2026, 11, 25, 12, tzinfo=LONDON)
WEDNESDAY_EVENING = datetime(2026, 11, 25, 19, 30, tzinfo=LONDON)


@pytest.fixture(autouse=True)
def _no_remote_geocoder(settings: object) -> None:
    settings.GEOCODER = ""  # type: ignore[attr-defined]
    cache.clear()


@pytest.fixture
def westminster() -> dict[str, object]:
    Postcode.objects.create(
        postcode="WC2N 4JP", outward="WC2N", latitude=Decimal("51.509786"),
        longitude=Decimal("-0.124658"), source="codepoint",
    )  # fmt: skip
    Postcode.objects.create(
        postcode="W2 1XJ", outward="W2", latitude=Decimal("51.520469"),
        longitude=Decimal("-0.171354"), source="codepoint",
    )  # fmt: skip
    charing_cross = ContactPointFactory(
        name="Charing Cross", kind=Kind.FRONT_COUNTER_24_7,
        latitude=Decimal("51.509786"), longitude=Decimal("-0.124658"),
    )  # fmt: skip
    for day in range(7):
        OpeningRuleFactory(
            contact_point=charing_cross, weekday=day, opens=time(0), closes=time(0), overnight=True
        )
    library = ContactPointFactory(
        name="St John's Wood Library", has_private_room=True,
        latitude=Decimal("51.533654"), longitude=Decimal("-0.172628"),
    )  # fmt: skip
    OpeningRuleFactory(contact_point=library, weekday=2, opens=time(19), closes=time(20))
    beethoven = ContactPointFactory(
        name="Beethoven Centre", latitude=Decimal("51.530633"), longitude=Decimal("-0.208259")
    )
    OpeningRuleFactory(contact_point=beethoven, weekday=2, opens=time(19), closes=time(20))
    ContactPointFactory(name="Closed station", status="closed")
    ContactPointFactory(name="Draft", is_published=False, latitude=Decimal("51.5098"))
    return {"charing_cross": charing_cross, "library": library, "beethoven": beethoven}


def _names(response: object) -> list[str]:
    return [r.contact_point.name for r in response.context["results"]]  # type: ignore[attr-defined]


def test_home_has_the_search_box(client: Client) -> None:
    page = client.get("/").content.decode()
    assert 'action="/search/"' in page
    assert 'name="q"' in page
    assert "Use my location" in page


@time_machine.travel(WEDNESDAY_NOON, tick=False)
def test_postcode_search_orders_by_distance(client: Client, westminster: dict) -> None:
    response = client.get("/search/", {"q": "wc2n 4jp"})
    assert response.status_code == 200
    assert _names(response) == ["Charing Cross", "St John's Wood Library", "Beethoven Centre"]
    page = response.content.decode()
    assert "Nearest to WC2N 4JP" in page
    assert "less than 0.1 miles" in page
    assert "3.0 miles (4.8 km) away" in page or "miles (" in page
    assert "Open now — open 24 hours" in page
    assert "Closed — opens today at 19:00" in page
    assert "openstreetmap.org/directions" in page
    assert "Closed station" not in page
    assert "Draft" not in page


@time_machine.travel(WEDNESDAY_NOON, tick=False)
def test_district_and_location_searches(client: Client, westminster: dict) -> None:
    assert _names(client.get("/search/", {"q": "W2"}))[0] == "St John's Wood Library"
    by_location = client.get("/search/", {"lat": "51.5307", "lon": "-0.2082"})
    assert _names(by_location)[0] == "Beethoven Centre"
    assert "Nearest to your location" in by_location.content.decode()


@time_machine.travel(WEDNESDAY_NOON, tick=False)
def test_nothing_open_near_shows_the_nearest_open(client: Client, westminster: dict) -> None:
    westminster["charing_cross"].delete()  # type: ignore[attr-defined]
    for i in range(10):  # ten places nearer than Lewisham, none open at noon
        ContactPointFactory(latitude=Decimal(f"51.52{i}"), longitude=Decimal("-0.17"))
    twenty_four_seven = ContactPointFactory(
        name="Lewisham", latitude=Decimal("51.463245"), longitude=Decimal("-0.009826")
    )
    for day in range(7):
        OpeningRuleFactory(
            contact_point=twenty_four_seven, weekday=day, opens=time(0), closes=time(0),
            overnight=True,
        )  # fmt: skip
    response = client.get("/search/", {"q": "W2"})
    assert "Lewisham" not in _names(response)
    assert response.context["fallback"].contact_point.name == "Lewisham"
    assert "None of these is open now" in response.content.decode()


@time_machine.travel(WEDNESDAY_EVENING, tick=False)
def test_open_now_open_at_and_facility_filters(client: Client, westminster: dict) -> None:
    assert _names(client.get("/search/", {"q": "W2", "open_now": "on"})) == [
        "St John's Wood Library", "Beethoven Centre", "Charing Cross",
    ]  # fmt: skip
    saturday = client.get("/search/", {"q": "W2", "open_at": "2026-11-28T10:00"})
    assert _names(saturday) == ["Charing Cross"]
    assert "Showing places open on Saturday 28 November at 10:00" in saturday.content.decode()
    # A place where the room is not known stays, labelled; a known "no" goes.
    for place, has_room in ((westminster["library"], True), (westminster["charing_cross"], False)):
        FactCheck.objects.create(
            contact_point=place, fact=Fact.PRIVATE_ROOM, basis=Basis.SOURCE,
            source="Test listing", checked_on=date(2026, 9, 1),
        )  # fmt: skip
        assert place.has_private_room is has_room  # type: ignore[attr-defined]
    private = client.get("/search/", {"q": "W2", "facilities": "has_private_room"})
    assert _names(private) == ["St John's Wood Library", "Beethoven Centre"]
    assert [r.not_confirmed for r in private.context["results"]] == [(), ("Private room",)]


@pytest.mark.parametrize(
    ("params", "status", "message"),
    [
        ({"q": ""}, 400, "Enter a postcode or the name of a place"),
        ({"q": "x" * 150}, 400, "Use at most 100 characters"),
        ({"q": "BT1 1AA"}, 400, "Northern Ireland"),
        ({"q": "Narnia"}, 400, "couldn&#x27;t find that place"),
        ({"lat": "95", "lon": "0"}, 400, "between -90 and 90"),
        ({"lat": "abc", "lon": "0"}, 400, "Enter a number"),
        ({"q": "W2", "open_at": "soon"}, 400, "Enter a day and time"),
        ({"q": "W2", "facilities": "jacuzzi"}, 400, "Select a valid choice"),
    ],
)
def test_bad_searches_get_a_clear_message(
    client: Client, westminster: dict, params: dict, status: int, message: str
) -> None:
    response = client.get("/search/", params)
    assert response.status_code == status
    assert message in response.content.decode()


def test_unreachable_geocoder_is_a_503_with_a_way_forward(client: Client, settings: object) -> None:
    settings.GEOCODER = "nominatim"  # type: ignore[attr-defined]
    settings.GEOCODER_DOMAIN = "127.0.0.1:9"  # type: ignore[attr-defined]  # nothing listens
    settings.GEOCODER_SCHEME = "http"  # type: ignore[attr-defined]
    settings.GEOCODER_MIN_DELAY = 0  # type: ignore[attr-defined]
    from places import geocoding

    geocoding._geocode.cache_clear()
    response = client.get("/search/", {"q": "Paddington"})
    geocoding._geocode.cache_clear()
    assert response.status_code == 503
    assert "Try a postcode" in response.content.decode()


def test_search_terms_are_not_logged(
    client: Client, westminster: dict, caplog: pytest.LogCaptureFixture
) -> None:
    client.get("/search/", {"q": "10 Secret Lane"})
    client.get("/search/", {"q": "wc2n 4jp"})
    assert "Secret" not in caplog.text
    assert "4JP" not in caplog.text.upper()


@time_machine.travel(WEDNESDAY_NOON, tick=False)
def test_embed_can_be_framed_by_any_site_and_links_open_a_new_tab(
    client: Client, westminster: dict
) -> None:
    response = client.get("/embed/", {"q": "WC2N 4JP"})
    assert response.status_code == 200
    assert "X-Frame-Options" not in response
    assert "frame-ancestors *" in response["Content-Security-Policy"]
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert len(response.context["results"]) == 3
    assert 'target="_blank"' in response.content.decode()
    # Every other page still refuses to be framed.
    assert client.get("/search/", {"q": "WC2N 4JP"})["X-Frame-Options"] == "DENY"
    code = client.get("/embed/code/").content.decode()
    assert "&lt;iframe src=&quot;http://testserver/embed/&quot;" in code or (
        '&lt;iframe src="http://testserver/embed/"' in code
    )
    # "Use my location" works inside a framed page only if the frame allows it.
    assert 'allow="geolocation"' in code
    # And our own answer allows location to our own origin (the frame's).
    assert "geolocation=(self)" in response["Permissions-Policy"]


@time_machine.travel(WEDNESDAY_NOON, tick=False)
def test_poster_has_hours_facilities_qr_and_alternatives(client: Client, westminster: dict) -> None:
    library = westminster["library"]
    response = client.get(f"/contact-points/{library.slug}/poster/")  # type: ignore[attr-defined]
    page = response.content.decode()
    assert response.status_code == 200
    assert "St John&#x27;s Wood Library" in page
    assert "Every Wednesday, 19:00 to 20:00" in page
    # The poster prints only what a source confirms: this private room is recorded, but
    # nobody has confirmed it, so paper does not promise it.
    assert "Private room for a confidential conversation" not in page
    assert "call 101 to check before you travel" in page
    FactCheck.objects.create(
        contact_point=library, fact=Fact.PRIVATE_ROOM, basis=Basis.SOURCE, source="Test listing"
    )
    page = client.get(f"/contact-points/{library.slug}/poster/").content.decode()  # type: ignore[attr-defined]
    assert "Private room for a confidential conversation" in page
    assert re.search(r"<svg[^>]*>.*</svg>", page, re.S)
    assert f"http://testserver/contact-points/{library.slug}/" in page  # type: ignore[attr-defined]
    assert "Emergency: 999" in page
    assert 'media="print"' not in page or "@page" in page
    draft = ContactPointFactory(is_published=False)
    assert client.get(f"/contact-points/{draft.slug}/poster/").status_code == 404


@time_machine.travel(WEDNESDAY_NOON, tick=False)  # one window of the limit, however slow
def test_searching_too_often_is_slowed_down_politely(client: Client, westminster: dict) -> None:
    statuses = [client.get("/search/", {"q": "WC2N 4JP"}).status_code for _ in range(600)]
    assert statuses == [200] * 600  # SEARCH_RATE: 600 a minute
    response = client.get("/search/", {"q": "WC2N 4JP"})
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 61
    assert "Wait a minute, then try again" in response.content.decode()


@time_machine.travel(WEDNESDAY_NOON, tick=False)
def test_open_at_results_are_described_at_the_moment_searched_for(
    client: Client, westminster: dict
) -> None:
    """At noon on Wednesday, a search for places open at 19:30 that evening: the library is
    described as open then, not as closed now."""
    evening = client.get("/search/", {"q": "W2", "open_at": "2026-11-25T19:30"})
    results = {r.contact_point.name: r for r in evening.context["results"]}
    library = results["St John's Wood Library"]
    assert library.is_open
    assert library.status_line == "Open at that time, until 20:00"
    assert "Closed — opens" not in evening.content.decode()
    assert "Open now" not in evening.content.decode()
    late = client.get("/search/", {"q": "W2", "open_at": "2026-11-26T03:00"})
    assert _names(late) == ["Charing Cross"]
    assert late.context["results"][0].status_line == "Open at that time — open 24 hours"


def test_a_closed_status_at_a_searched_time_gives_the_next_opening_by_date() -> None:
    from contactpoints.hours import LONDON, Schedule, WeeklyRule

    schedule = Schedule(rules=[WeeklyRule(2, time(19), time(20))])
    saturday = datetime(2026, 11, 28, 14, 30, tzinfo=LONDON)
    assert schedule.status(saturday).describe(searched=True) == (
        "Closed at that time — next opens Wednesday 2 December at 19:00"
    )


def test_a_result_card_follows_an_edit_at_once(client: Client) -> None:
    """A card's fixed parts are made once per data version: an edit of the place (its
    name, a fact confirmed) shows on the next search."""
    from contactpoints.models import Basis, FactCheck

    cp = ContactPointFactory(name="Old name", latitude=51.5, longitude=-0.12)
    search = "/search/?lat=51.5&lon=-0.12"
    first = client.get(search).content.decode()
    assert ">Old name</a></h3>" in first
    assert "<li>Private room for a confidential conversation</li>" not in first
    cp.name = "New name"
    cp.has_private_room = True
    cp.save()
    FactCheck.objects.create(contact_point=cp, fact="has_private_room", basis=Basis.SOURCE,
                             source="The council's list")  # fmt: skip
    again = client.get(search).content.decode()
    assert ">New name</a></h3>" in again
    assert "<li>Private room for a confidential conversation</li>" in again


def test_each_result_says_its_status_at_the_moment_of_each_search(client: Client) -> None:
    """A result's status line is kept between searches until it next reads differently:
    searches through a closing's last minutes, at closing and at the next opening each
    show what the place, read afresh from the database, says at that moment."""
    from contactpoints.models import ContactPoint

    cp = ContactPointFactory(name="Afternoons", latitude=Decimal("51.5"), longitude=Decimal("-0.1"))
    OpeningRuleFactory(contact_point=cp, weekday=2, opens=time(16), closes=time(17))
    OpeningRuleFactory(contact_point=cp, weekday=3, opens=time(9), closes=time(10))
    shown = []
    for hour, minute, second in [(15, 59, 59), (16, 0, 0), (16, 58, 30), (16, 59, 0),
                                 (16, 59, 1), (17, 0, 0), (23, 59, 59), (0, 0, 0)]:  # fmt: skip
        day = 25 if hour else 26
        at = datetime(2026, 11, day, hour, minute, second, tzinfo=LONDON)
        with time_machine.travel(at, tick=False):
            page = client.get("/search/", {"lat": "51.5", "lon": "-0.1"}).content.decode()
            expected = ContactPoint.objects.get(pk=cp.pk).status_line(at)
        assert expected in page, (at, expected)
        shown.append(expected)
    assert len(set(shown)) >= 6  # the moments chosen do read differently
