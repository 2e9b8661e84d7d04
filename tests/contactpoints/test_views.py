"""The public pages, as a resident (or a search engine, or a calendar app) meets them."""

import json
import re
from datetime import date, datetime, time

import icalendar
import pytest
import time_machine
from django.db import DatabaseError, connection
from django.test import Client
from django.urls import reverse

from contactpoints.models import Kind, Status
from core.time import LONDON
from tests.factories import ContactPointFactory, HoursExceptionFactory, OpeningRuleFactory

pytestmark = pytest.mark.django_db

# Wednesday 25 November 2026, 19:30 in London.
WEDNESDAY_EVENING = datetime(2026, 11, 25, 19, 30, tzinfo=LONDON)
FRIDAY_NOON = datetime(2026, 11, 27, 12, tzinfo=LONDON)


def _travel(moment: datetime) -> time_machine.travel:
    return time_machine.travel(moment, tick=False)


def _contact_point(**kwargs: object) -> object:
    cp = ContactPointFactory(**kwargs)
    for weekday in (2, 3):
        OpeningRuleFactory(contact_point=cp, weekday=weekday, opens=time(19), closes=time(20))
    OpeningRuleFactory(contact_point=cp, weekday=5, opens=time(14), closes=time(15))
    return cp


def _names(response: object) -> list[str]:
    return [cp.name for cp, _line, _open, _unsure in response.context["rows"]]  # type: ignore[attr-defined]


# --- Directory ------------------------------------------------------------------------------


def test_directory_lists_published_contact_points_only(client: Client) -> None:
    _contact_point(name="Beethoven Centre")
    ContactPointFactory(name="Draft place", is_published=False)
    response = client.get(reverse("contactpoints:directory"))
    assert response.status_code == 200
    assert _names(response) == ["Beethoven Centre"]
    assert "Draft place" not in response.content.decode()
    assert "1 place found" in response.content.decode()


@_travel(WEDNESDAY_EVENING)
def test_directory_shows_status_and_filters_open_now(client: Client) -> None:
    _contact_point(name="Open one")
    closed = ContactPointFactory(name="Closed tonight")
    OpeningRuleFactory(contact_point=closed, weekday=5, opens=time(10), closes=time(12))
    ContactPointFactory(name="Closed for good", status=Status.CLOSED)

    response = client.get(reverse("contactpoints:directory"))
    page = response.content.decode()
    assert "Open now — closes in 30 minutes (20:00)" in page
    assert "Closed — opens Saturday at 10:00" in page
    assert "Closed permanently" in page

    response = client.get(reverse("contactpoints:directory"), {"open_now": "on"})
    assert _names(response) == ["Open one"]


def test_directory_filters_by_borough_kind_and_facility(client: Client) -> None:
    """A facility filter leaves out only a confirmed "no": a place where nobody knows
    stays, and its card says the facility is not confirmed."""
    both_rooms = ["has_private_room", "has_hearing_loop"]
    ContactPointFactory(
        name="A", borough="Westminster", has_private_room=True, confirmed=both_rooms
    )
    ContactPointFactory(
        name="B", borough="Lambeth", kind=Kind.FRONT_COUNTER, confirmed=both_rooms
    )  # a confirmed no to both
    ContactPointFactory(
        name="C", borough="Lambeth", has_private_room=True, has_hearing_loop=True,
        confirmed=both_rooms,
    )  # fmt: skip
    ContactPointFactory(name="D", borough="Camden", has_private_room=True)  # not known
    url = reverse("contactpoints:directory")
    assert _names(client.get(url, {"borough": "Lambeth"})) == ["B", "C"]
    assert _names(client.get(url, {"kind": Kind.FRONT_COUNTER})) == ["B"]
    private = client.get(url, {"facilities": "has_private_room"})
    assert _names(private) == ["A", "C", "D"]
    cards = private.content.decode().split('class="card"')
    unsure = [card for card in cards if "Private room not confirmed" in card]
    assert len(unsure) == 1
    assert ">D</a>" in unsure[0]
    both = client.get(url, {"facilities": both_rooms})
    assert _names(both) == ["C", "D"]
    by_borough = client.get(url, {"sort": "borough"})
    assert _names(by_borough) == ["D", "B", "C", "A"]  # Camden, Lambeth, Westminster


def test_directory_bad_filter_is_a_400_with_a_clear_message(client: Client) -> None:
    ContactPointFactory(borough="Westminster")
    response = client.get(reverse("contactpoints:directory"), {"borough": "Atlantis"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem with the filters" in page
    assert "Select a valid choice" in page
    response = client.get(reverse("contactpoints:directory"), {"facilities": "jacuzzi"})
    assert response.status_code == 400


def test_directory_paginates(client: Client) -> None:
    for i in range(25):
        ContactPointFactory(name=f"Place {i:02d}")
    url = reverse("contactpoints:directory")
    first = client.get(url, {"sort": "name"})
    assert len(_names(first)) == 20
    assert "Page 1 of 2" in first.content.decode()
    assert 'href="?sort=name&amp;page=2"' in first.content.decode()
    second = client.get(url, {"sort": "name", "page": 2})
    assert _names(second) == [f"Place {i}" for i in range(20, 25)]
    assert client.get(url, {"page": 99}).status_code == 404


def test_directory_map_data_is_passed_as_json_not_script(client: Client) -> None:
    ContactPointFactory(name="</script><script>alert(1)</script>")
    page = client.get(reverse("contactpoints:directory")).content.decode()
    data = re.search(r'<script id="map-points" type="application/json">(.*?)</script>', page)
    assert data
    points = json.loads(data.group(1))
    assert points[0]["name"] == "</script><script>alert(1)</script>"
    assert "<script>alert(1)" not in page


# --- Contact point page ---------------------------------------------------------------------


@_travel(WEDNESDAY_EVENING)
def test_page_shows_status_week_and_facilities(client: Client) -> None:
    cp = _contact_point(name="Beethoven Centre", has_private_room=True)
    HoursExceptionFactory(
        contact_point=cp, starts_on=date(2026, 12, 2), ends_on=date(2026, 12, 2), reason="Training"
    )
    response = client.get(cp.get_absolute_url())  # type: ignore[attr-defined]
    assert response.status_code == 200
    page = response.content.decode()
    assert "Open now — closes in 30 minutes (20:00)" in page
    assert "Wednesday 25 November (today)" in page
    assert "Wednesday and Thursday, 19:00 to 20:00" in page
    assert "Wednesday 2 December 2026" in page
    assert "Training" in page
    assert "Private room for a confidential conversation" in page
    assert "call <strong>999</strong>" in page


@_travel(FRIDAY_NOON)
def test_closed_page_offers_the_nearest_open_alternative(client: Client) -> None:
    cp = _contact_point(name="Beethoven Centre")
    always = ContactPointFactory(
        name="Charing Cross",
        kind=Kind.FRONT_COUNTER_24_7,
        latitude="51.509786",
        longitude="-0.124658",
    )
    for day in range(7):
        OpeningRuleFactory(
            contact_point=always, weekday=day, opens=time(0), closes=time(0), overnight=True
        )
    page = client.get(cp.get_absolute_url()).content.decode()  # type: ignore[attr-defined]
    assert "Closed — opens tomorrow at 14:00" in page
    assert "Open now nearby" in page
    assert "Charing Cross" in page
    assert "miles" in page


def test_permanently_closed_page_says_so_and_what_replaced_it(client: Client) -> None:
    old = ContactPointFactory(
        name="Harrow Road Police Station", status=Status.CLOSED, closed_on=date(2013, 9, 1)
    )
    new = _contact_point(name="Beethoven Centre")
    new.replaces.add(old)  # type: ignore[attr-defined]
    page = client.get(old.get_absolute_url()).content.decode()
    assert "Closed permanently on 1 September 2013" in page
    assert "Replaced by" in page
    assert "Beethoven Centre" in page
    page = client.get(new.get_absolute_url()).content.decode()  # type: ignore[attr-defined]
    assert "Replaced" in page
    assert "equivalent or better" in page


def test_unpublished_and_unknown_pages_are_404_with_help(client: Client) -> None:
    draft = ContactPointFactory(is_published=False)
    for url in (
        draft.get_absolute_url(),
        reverse("contactpoints:sessions_ics", kwargs={"slug": draft.slug}),
        "/contact-points/no-such-place/",
    ):
        response = client.get(url)
        assert response.status_code == 404
    page = response.content.decode()
    assert "Page not found" in page
    assert "See all contact points" in page


@_travel(WEDNESDAY_EVENING)
def test_json_ld_describes_a_police_station_with_hours(client: Client) -> None:
    cp = _contact_point(name="Beethoven Centre", postcode="W10 4JL")
    page = client.get(cp.get_absolute_url()).content.decode()  # type: ignore[attr-defined]
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert block
    data = json.loads(block.group(1))
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "PoliceStation"
    assert data["address"]["postalCode"] == "W10 4JL"
    assert data["geo"]["latitude"] == pytest.approx(51.530633)
    days = [spec["dayOfWeek"] for spec in data["openingHoursSpecification"]]
    assert days == [
        "https://schema.org/Wednesday",
        "https://schema.org/Thursday",
        "https://schema.org/Saturday",
    ]
    # Christmas Day (Friday) needs no entry; Saturday 26 December is not a bank holiday
    # (the substitute day is Monday 28th), so the Saturday session stands.
    special = {s["validFrom"] for s in data.get("specialOpeningHoursSpecification", [])}
    assert "2026-12-26" not in special


@_travel(WEDNESDAY_EVENING)
def test_icalendar_feed_parses_back_to_the_sessions(client: Client) -> None:
    cp = _contact_point(slug="beethoven-centre")
    response = client.get(
        reverse("contactpoints:sessions_ics", kwargs={"slug": "beethoven-centre"})
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = icalendar.Calendar.from_ical(response.content)
    starts = [event.decoded("dtstart").astimezone(LONDON) for event in calendar.walk("VEVENT")]
    assert starts[0].strftime("%a %d %b %H:%M") == "Wed 25 Nov 19:00"
    assert starts[1].strftime("%a %d %b %H:%M") == "Thu 26 Nov 19:00"
    # About 90 days of three sessions a week, less bank holidays.
    assert 35 <= len(starts) <= 40
    # Saturday 26 December is not a bank holiday (Monday 28th is): its session runs.
    assert any(s.date() == date(2026, 12, 26) for s in starts)
    assert all(s.date() != date(2026, 12, 25) for s in starts)  # Christmas Day (no session)
    assert cp is not None


# --- Site-wide ------------------------------------------------------------------------------


def test_home_page_links_to_the_directory(client: Client) -> None:
    page = client.get("/").content.decode()
    assert reverse("contactpoints:directory") in page


def test_healthz_reports_the_database(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}


def test_pages_carry_a_strict_content_security_policy(client: Client) -> None:
    response = client.get(reverse("contactpoints:directory"))
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert '<html lang="en-GB">' in response.content.decode()


def test_static_files_have_hashed_names(client: Client) -> None:
    page = client.get("/").content.decode()
    assert re.search(r"/static/css/site\.[0-9a-f]{12}\.css", page)


@_travel(WEDNESDAY_EVENING)
def test_a_24_hour_counter_reads_as_open_24_hours(client: Client) -> None:
    cp = ContactPointFactory(name="Charing Cross", kind=Kind.FRONT_COUNTER_24_7)
    for day in range(7):
        OpeningRuleFactory(
            contact_point=cp, weekday=day, opens=time(0), closes=time(0), overnight=True
        )
    page = client.get(cp.get_absolute_url()).content.decode()
    assert "Open now — open 24 hours" in page
    assert page.count("Open 24 hours") == 7  # every day of the week table
    assert "Next opening times" not in page
    assert "Every day, open 24 hours" in page


def test_healthz_says_when_the_database_is_unreachable(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken() -> None:
        raise DatabaseError("connection refused")

    monkeypatch.setattr(connection, "cursor", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"


def test_healthz_says_when_the_cache_is_unreachable(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.core.cache import cache

    def broken(*args: object, **kwargs: object) -> None:
        raise ConnectionError("cache down")

    monkeypatch.setattr(cache, "set", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "ok", "cache": "unreachable"}


def test_a_database_outage_is_a_503_with_retry_after_not_a_500(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.db import OperationalError

    from contactpoints.views import DirectoryView

    def down(self: object) -> None:
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(DirectoryView, "get_queryset", down)
    page = client.get(reverse("contactpoints:directory"))
    assert page.status_code == 503
    assert page["Retry-After"] == "5"
    assert "Briefly unavailable" in page.content.decode()
    monkeypatch.setattr("contactpoints.api._filtered", lambda *args: down(None))
    api = client.get("/api/v1/contact-points")
    assert api.status_code == 503
    assert api.json()["detail"].startswith("The service is briefly unavailable")
