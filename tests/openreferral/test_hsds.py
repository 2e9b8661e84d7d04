"""The Open Referral HSDS 3.0 API, read as a council directory or referral tool would: every
answer for every demo place valid against the standard's own compiled schemas (JSON Schema
2020-12, formats checked), the standard's paging, clear 400s, stable ids, facts only as
certain as their sources, and schedules that an independent iCalendar reader expands to
exactly the hours the site states."""

from __future__ import annotations

import html
import json
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
import recurring_ical_events
import time_machine
from django.core.management import call_command
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from icalendar import Calendar, Event
from jsonschema import Draft202012Validator, FormatChecker

from contactpoints.hours import Recurrence, Schedule, WeeklyRule
from contactpoints.models import ContactPoint
from core.time import LONDON
from openreferral import hsds
from tests.reference import schedules
from tests.shared_data import SHARED_DATA, postcode_from_the_london_file

pytestmark = pytest.mark.django_db

SCHEMAS = SHARED_DATA / "openreferral-hsds-3" / "schema"
NOON = datetime(2026, 11, 25, 12, tzinfo=LONDON)
PAGE_KEYS = {"total_items", "total_pages", "page_number", "size", "first_page", "last_page",
             "empty", "contents"}  # fmt: skip


def _validator(name: str) -> Draft202012Validator:
    schema = json.loads((SCHEMAS / name).read_text())
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=FormatChecker())


VALID = {
    name: _validator(path)
    for name, path in {
        "service": "compiled/service.json",
        "service_list": "compiled/service_list.json",
        "service_at_location": "compiled/service_at_location.json",
        "service_at_location_list": "compiled/service_at_location_list.json",
        "organization": "compiled/organization.json",
        "organization_list": "compiled/organization_list.json",
        "taxonomy": "taxonomy.json",
        "taxonomy_term": "taxonomy_term.json",
    }.items()
}


def _valid(kind: str, record: dict[str, Any]) -> None:
    errors = sorted(VALID[kind].iter_errors(record), key=lambda e: list(e.path))
    assert not errors, f"{kind}: " + "; ".join(
        f"{'/'.join(map(str, e.path))}: {e.message}" for e in errors[:5]
    )


def _all_pages(client: Client, url: str, **params: Any) -> list[dict[str, Any]]:
    found, page = [], 1
    while True:
        answer = client.get(url, {**params, "page": page, "per_page": 25})
        assert answer.status_code == 200, answer.content
        body = answer.json()
        assert set(body) == PAGE_KEYS
        assert body["page_number"] == page
        assert body["size"] == len(body["contents"])
        found += body["contents"]
        if body["last_page"]:
            assert body["total_items"] == len(found)
            return found
        page += 1


@pytest.fixture
def demo(client: Client) -> Client:
    postcode_from_the_london_file("SE13 5JZ")
    call_command("load_demo", verbosity=0)  # the demo and the real 2025 Met list
    return client


@time_machine.travel(NOON, tick=False)
def test_every_answer_for_every_demo_place_is_valid_hsds(demo: Client) -> None:
    about = demo.get("/hsds/").json()
    assert about["version"] == "3.0"
    assert demo.get(about["openapi_url"].removeprefix("http://testserver")).status_code == 200
    services = _all_pages(demo, "/hsds/services")
    assert [s["name"] for s in services] == [
        "Report a crime", "Lost and found property", "Bail and signing on",
        "Produce documents", "Advice and information",
    ]  # fmt: skip
    for record in services:
        _valid("service_list", record)
        _valid("service", demo.get(f"/hsds/services/{record['id']}").json())
    operating = ContactPoint.objects.published().operating().count()
    located = _all_pages(demo, "/hsds/service_at_locations", full="true")
    # No source says which services any demo place offers: each may offer each.
    assert len(located) == operating * 5
    for record in located:
        _valid("service_at_location_list", record)
        assert "not known whether it is offered here" in record["description"]
        one = demo.get(f"/hsds/service_at_locations/{record['id']}").json()
        _valid("service_at_location", one)
        assert one["location"]["id"] == record["location_id"]
    for record in _all_pages(demo, "/hsds/organizations", full_service="true"):
        _valid("organization_list", record)
        _valid("organization", demo.get(f"/hsds/organizations/{record['id']}").json())
    for record in _all_pages(demo, "/hsds/taxonomies"):
        _valid("taxonomy", record)
    for record in _all_pages(demo, "/hsds/taxonomy_terms"):
        _valid("taxonomy_term", record)
        assert demo.get(f"/hsds/taxonomy_terms/{record['id']}").json() == record


@time_machine.travel(NOON, tick=False)
def test_facts_are_only_as_certain_as_their_sources(demo: Client) -> None:
    lewisham = ContactPoint.objects.get(slug="lewisham-police-station")
    near = _all_pages(demo, "/hsds/service_at_locations", postcode="SE13 5JZ", proximity=500,
                      full="true")  # fmt: skip
    assert {r["location"]["name"] for r in near} == {lewisham.name}
    location = near[0]["location"]
    said = " ".join(a["description"] for a in location["accessibility"])
    assert "Private room for a confidential conversation: not known" in said
    assert "Step-free access: not known" in said
    assert "not known" in location["languages"][0]["note"]
    assert location["addresses"][0]["postal_code"] == "SE13 5JZ"
    # A confirmed "no" has no service_at_location at all; a confirmed yes says so.
    from contactpoints.models import Basis, Fact, FactCheck

    for fact, value in ((Fact.BAIL_SIGNING, False), (Fact.CRIME_REPORTING, True)):
        setattr(lewisham, fact, value)
        FactCheck.objects.update_or_create(
            contact_point=lewisham, fact=fact,
            defaults={"basis": Basis.SOURCE, "source": "Test listing",
                      "checked_on": date(2026, 11, 1)},
        )  # fmt: skip
    lewisham.save()
    near = _all_pages(demo, "/hsds/service_at_locations", postcode="SE13 5JZ", proximity=500)
    described = {r["service_id"]: r["description"] for r in near}
    services = {s["name"]: s["id"] for s in _all_pages(demo, "/hsds/services")}
    assert services["Bail and signing on"] not in described
    assert described[services["Report a crime"]].startswith("Report a crime: offered here")


@time_machine.travel(NOON, tick=False)
def test_ids_never_change_for_a_record(demo: Client) -> None:
    before = {r["id"] for r in _all_pages(demo, "/hsds/service_at_locations")}
    ContactPoint.objects.filter(slug="lewisham-police-station").update(name="Lewisham (renamed)")
    call_command("load_demo", verbosity=0)
    after = {r["id"] for r in _all_pages(demo, "/hsds/service_at_locations")}
    assert before == after


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("/hsds/services?page=0", "page: a whole number"),
        ("/hsds/services?per_page=1000", "per_page: a whole number"),
        ("/hsds/services?full=maybe", "full: true or false"),
        ("/hsds/services?modified_after=yesterday", "modified_after: a date"),
        ("/hsds/services?modified_after=9999-12-31", "between 1900 and 2199"),
        ("/hsds/services?taxonomy_term_id=nope", "taxonomy_term_id: a UUID"),
        ("/hsds/services?colour=blue", "Unknown parameter(s): colour"),
        ("/hsds/services?format=xml", "format: only json"),
        ("/hsds/service_at_locations?postcode=NOTAPOSTCODE", "is not a UK postcode"),
        ("/hsds/service_at_locations?postcode=SW1A+1AA", "not in our postcode data"),
        ("/hsds/service_at_locations?proximity=100", "give a postcode"),
        ("/hsds/service_at_locations?postcode=SE13+5JZ&proximity=nan", "proximity"),
        ("/hsds/service_at_locations?search=%00", "search"),
    ],
)
def test_bad_parameters_get_a_clear_400(demo: Client, url: str, message: str) -> None:
    answer = demo.get(url)
    assert answer.status_code == 400
    assert message in answer.json()["detail"]


def test_unknown_ids_are_404_json(demo: Client) -> None:
    for url in (
        "/hsds/services/x", "/hsds/service_at_locations/8e0c6b0e-0000-4000-8000-000000000000",
        "/hsds/organizations/nope", "/hsds/taxonomy_terms/nope",
    ):  # fmt: skip
        answer = demo.get(url)
        assert answer.status_code == 404
        assert "detail" in answer.json()


def test_every_answer_may_be_reused_by_browsers_and_proxies(demo: Client) -> None:
    """Cached like the rest of the API: each list and record says it is public and for
    how long, with a validator for a conditional request."""
    service = demo.get("/hsds/services").json()["contents"][0]["id"]
    term = demo.get("/hsds/taxonomy_terms").json()["contents"][0]["id"]
    taxonomy = demo.get("/hsds/taxonomies").json()["contents"][0]["id"]
    for url in ("/hsds/services", f"/hsds/services/{service}", "/hsds/service_at_locations",
                "/hsds/organizations", "/hsds/taxonomies", f"/hsds/taxonomies/{taxonomy}",
                "/hsds/taxonomy_terms", f"/hsds/taxonomy_terms/{term}"):  # fmt: skip
        answer = demo.get(url)
        assert answer["Cache-Control"].startswith("public, max-age="), url
        assert demo.get(url, HTTP_IF_NONE_MATCH=answer["ETag"]).status_code == 304, url


def _expanded(schedules: list[dict[str, Any]], first: date, last: date) -> set[tuple[float, float]]:
    """The sessions an independent reader finds: each weekly schedule as an RRULE event,
    expanded by recurring_ical_events (dated changes are left to the notes)."""
    calendar = Calendar()
    for entry in schedules:
        if "opens_at" not in entry or entry.get("description"):
            continue  # a dated change or closure: in notes, not a recurrence
        opens = time.fromisoformat(entry["opens_at"])
        closes = time.fromisoformat(entry["closes_at"])
        start_day = date.fromisoformat(entry["dtstart"])
        event = Event()
        event.add("uid", f"schedule-{len(calendar.subcomponents)}@test")  # one series each
        start = datetime.combine(start_day, opens, tzinfo=LONDON)
        end_day = start_day + timedelta(days=1) if closes <= opens else start_day
        event.add("dtstart", start)
        event.add("dtend", datetime.combine(end_day, closes, tzinfo=LONDON))
        rule: dict[str, Any] = {"freq": entry["freq"], "interval": entry["interval"],
                                "byday": entry["byday"], "wkst": "MO"}  # fmt: skip
        # HSDS `until` is a date, the last day it occurs: read as such below, rather than
        # as an RFC 5545 UNTIL instant (whose time zone handling varies between readers).
        event.add("x-until", entry.get("until", ""))
        event.add("rrule", rule)
        calendar.add_component(event)
    found = recurring_ical_events.of(calendar).between(first, last + timedelta(days=1))
    # As instants: a local time in a clock change's gap or fold never compares equal
    # across time zones (PEP 495), though it is the same moment.
    return {
        (e["DTSTART"].dt.timestamp(), e["DTEND"].dt.timestamp())
        for e in found
        if e["DTSTART"].dt.date() <= last
        and (not e.get("X-UNTIL") or e["DTSTART"].dt.date() <= date.fromisoformat(e["X-UNTIL"]))
    }


@time_machine.travel(NOON, tick=False)
def test_schedules_read_independently_give_the_sites_hours(demo: Client) -> None:
    """Over a year, on every day without a dated change or a bank holiday (those are said
    in each schedule's notes and in docs/exports.md), the expanded RRULEs give exactly the
    sessions hours.py gives — weekly, fortnightly, monthly and round-the-clock places."""
    from contactpoints.bank_holidays import name as holiday

    first, last = NOON.date(), NOON.date() + timedelta(days=365)
    checked = 0
    for cp in ContactPoint.objects.published().operating().with_hours():
        asked = {"full": "true", "search": cp.name, "per_page": 5}
        record = demo.get("/hsds/service_at_locations", asked).json()["contents"][0]
        ours = cp.schedule()
        skip = {d for e in ours.exceptions for d in _days(e.starts_on, e.ends_on)}
        skip |= {
            first + timedelta(days=n) for n in range(366) if holiday(first + timedelta(days=n))
        }
        skip |= {d - timedelta(days=1) for d in skip} | {d + timedelta(days=1) for d in skip}
        expected = {
            (s.start.timestamp(), s.end.timestamp())
            for n in range(366)
            if (day := first + timedelta(days=n)) not in skip
            for s in ours.sessions_on(day)
        }
        theirs = {
            (a, b) for a, b in _expanded(record["schedules"], first, last)
            if datetime.fromtimestamp(a, LONDON).date() not in skip
        }  # fmt: skip
        assert theirs == expected, cp.name
        checked += 1
    assert checked == ContactPoint.objects.published().operating().count() >= 30


def test_a_rule_whose_next_day_is_months_away_is_still_published() -> None:
    """A fifth Thursday that starts in January next occurs at the end of April: the rule is
    a schedule anyone can attend, so it is published with that day as its start (it was
    once dropped because the search for its first day gave up after 15 weeks)."""
    rule = WeeklyRule(
        weekday=3, opens=time(0, 0), closes=time(0, 15), recurrence=Recurrence.MONTHLY,
        week_of_month=5, valid_from=date(2027, 1, 5),
    )  # fmt: skip
    entry = hsds._rule(rule, date(2026, 11, 27))
    assert entry is not None
    assert (entry["byday"], entry["dtstart"]) == ("5TH", "2027-04-29")


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rules=st.lists(schedules.rules(), min_size=1, max_size=4))
def test_generated_rules_read_independently_give_the_same_sessions(
    rules: list[WeeklyRule],
) -> None:
    """Any weekly, fortnightly or monthly rules — past midnight, round the clock, with
    validity dates — written as HSDS recurrences and expanded by recurring_ical_events
    give the sessions hours.py gives, over 400 days (no bank holiday rule: those are in
    the notes)."""
    today = schedules.TODAY
    ours = Schedule(rules=rules, closed_on_bank_holidays=False)
    entries = [e for r in rules if (e := hsds._rule(r, today)) is not None]
    last = today + timedelta(days=400)
    expected = {
        (s.start.timestamp(), s.end.timestamp())
        for day in _days(today, last)
        for s in ours.sessions_on(day)
    }
    assert _expanded(entries, today, last) == expected


@time_machine.travel(NOON, tick=False)
def test_each_place_page_links_to_its_records(demo: Client) -> None:
    cp = ContactPoint.objects.get(slug="lewisham-police-station")
    page = demo.get(cp.get_absolute_url()).content.decode()
    link = html.unescape(
        page.split("this place as Open Referral records")[0].rsplit('href="', 1)[1]
    )
    records = demo.get(link.split('"')[0]).json()["contents"]
    assert records
    assert {r["location"]["name"] for r in records} == {cp.name}
    assert "/hsds/" in demo.get("/api/").content.decode()
