"""The schema.org and iCalendar exports, read by independent readers, mean what the site
means inside their horizons.

- schema.org: a reader written from schema.org's own definitions (not from the exporter):
  regular specifications by weekday within validFrom/validThrough; a special specification
  replaces a date's regular hours; opens = closes = 00:00 is closed all day; a closing time
  before the opening time runs into the next day; 23:59 is the end of the day.
- iCalendar: the feed is expanded by `recurring_ical_events` (an RRULE/RDATE/EXDATE
  expander independent of our exporter).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import icalendar
import pytest
import recurring_ical_events
from django.test import Client
from django.utils.html import escape
from hypothesis import given, settings
from hypothesis import strategies as st

from contactpoints.exports import SCHEMA_HORIZON_DAYS, icalendar_feed, schema_opening_hours
from contactpoints.hours import DatedException, Recurrence, Schedule, WeeklyRule
from core.time import LONDON, local, midnight
from tests.reference.schedules import TODAY, schedules_strategy, site_intervals

WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def _clock(text: str) -> time:
    return time.fromisoformat(text)


def read_schema(
    regular: list[dict[str, Any]], special: list[dict[str, Any]], first: date, days: int
) -> list[tuple[datetime, datetime]]:
    """Open intervals as a schema.org consumer reads the two lists."""
    spans = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        iso = day.isoformat()
        specs = [s for s in special if s["validFrom"] <= iso <= s["validThrough"]]
        if not specs:
            specs = [
                s
                for s in regular
                if s["dayOfWeek"].rsplit("/", 1)[-1] == WEEKDAYS[day.weekday()]
                and s.get("validFrom", "0000") <= iso <= s.get("validThrough", "9999")
            ]
        for spec in specs:
            opens, closes = _clock(spec["opens"]), _clock(spec["closes"])
            if opens == closes == time(0):
                continue  # closed all day
            start = datetime.combine(day, opens, tzinfo=LONDON)
            if closes == time(23, 59):
                end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=LONDON)
            elif closes <= opens:
                end = datetime.combine(day + timedelta(days=1), closes, tzinfo=LONDON)
            else:
                end = datetime.combine(day, closes, tzinfo=LONDON)
            spans.append((start.astimezone(UTC), end.astimezone(UTC)))
    return _merge(spans)


def _merge(spans: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    merged: list[tuple[datetime, datetime]] = []
    for start, end in sorted(spans):
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _clip(
    spans: list[tuple[datetime, datetime]], start: datetime, end: datetime
) -> list[tuple[datetime, datetime]]:
    return [(max(a, start), min(b, end)) for a, b in spans if b > start and a < end]


def assert_schema_agrees(schedule: Schedule, today: date = TODAY, days: int = 366) -> None:
    regular, special = schema_opening_hours(schedule, today)
    start, end = midnight(today), midnight(today + timedelta(days=days))
    # Sessions that began the evening before `today` are not the export's to say.
    said = _clip(read_schema(regular, special, today, days), start, end)
    expected = site_intervals(schedule, start, end)
    earlier = schedule.sessions_on(today - timedelta(days=1))
    if earlier:
        said = _clip(_merge(said + [(s.start, s.end) for s in earlier]), start, end)
    assert said == expected, (regular, special)


def test_schema_org_front_counter_and_bank_holidays() -> None:
    rules = [WeeklyRule(d, time(10), time(22)) for d in range(5)]
    rules += [WeeklyRule(d, time(9), time(19)) for d in (5, 6)]
    assert_schema_agrees(Schedule(rules=rules))


def test_schema_org_overnight_all_day_fortnightly_and_clock_changes() -> None:
    rules = [
        WeeklyRule(4, time(22), time(2), overnight=True),
        WeeklyRule(6, time(0), time(0), overnight=True),
        WeeklyRule(6, time(1), time(2)),
        WeeklyRule(1, time(10), time(12), recurrence=Recurrence.FORTNIGHTLY, anchor=TODAY),
        WeeklyRule(3, time(17), time(18), recurrence=Recurrence.MONTHLY, week_of_month=-1),
    ]
    open_day = DatedException(
        date(2026, 12, 3), date(2026, 12, 3), False, time(0), time(0), overnight=True
    )
    assert_schema_agrees(Schedule(rules=rules, exceptions=[open_day]))


@settings(max_examples=25, deadline=None)
@given(schedules_strategy(), st.integers(0, 300).map(lambda n: TODAY + timedelta(days=n)))
def test_schema_org_generated_schedules(schedule: Schedule, today: date) -> None:
    assert_schema_agrees(schedule, today)


def test_schema_org_horizon_covers_a_year() -> None:
    assert SCHEMA_HORIZON_DAYS > 366


# --- iCalendar ----------------------------------------------------------------------------


def read_ical(body: bytes, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    calendar = icalendar.Calendar.from_ical(body)
    events = recurring_ical_events.of(calendar).between(start, end)
    return _merge([(e.decoded("dtstart"), e.decoded("dtend")) for e in events])


@settings(max_examples=25, deadline=None)
@given(schedules_strategy())
def test_icalendar_feed_expands_to_the_sessions(schedule: Schedule) -> None:
    start, end = midnight(TODAY), midnight(TODAY + timedelta(days=90))
    sessions = schedule.sessions_between(start, end)
    body = icalendar_feed(name="Test", uid_prefix="t@test", url="https://x/", sessions=sessions)
    expected = _merge([(s.start, s.end) for s in sessions])
    assert _clip(read_ical(body, start, end), start, end) == _clip(expected, start, end)


@pytest.mark.django_db
def test_every_demo_place_in_all_three_formats(client: Client) -> None:
    """Every demo contact point's page: its JSON-LD, OSM string and iCalendar feed read
    back as its own hours (the OSM string by the reference evaluator)."""
    from django.core.management import call_command

    from contactpoints.models import ContactPoint
    from tests.contactpoints.test_exports_reference import assert_evaluator_agrees

    call_command("load_demo", verbosity=0)
    places = list(ContactPoint.objects.published().operating().with_hours())
    assert len(places) >= 30  # the Westminster history and the real 2025 Met list
    today = local(datetime.now(UTC)).date()
    schedules = [cp.schedule() for cp in places]
    assert_evaluator_agrees(schedules, today)
    for cp, schedule in zip(places, schedules, strict=True):
        assert_schema_agrees(schedule, today)
        page = client.get(cp.get_absolute_url())
        regular, special = schema_opening_hours(schedule, today)
        assert page.context["jsonld"]["openingHoursSpecification"] == regular
        assert page.context["jsonld"].get("specialOpeningHoursSpecification", []) == special
        assert escape(page.context["osm_opening_hours"]) in page.content.decode()
        feed = client.get(f"{cp.get_absolute_url()}sessions.ics")
        assert feed.status_code == 200
        now = datetime.now(UTC)
        start, end = now, now + timedelta(days=80)
        assert _clip(read_ical(feed.content, start, end), start, end) == site_intervals(
            schedule, start, end
        )
