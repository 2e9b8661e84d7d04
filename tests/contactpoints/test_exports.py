"""schema.org, OpenStreetMap and iCalendar exports of opening hours."""

from datetime import UTC, date, datetime, time

import icalendar
import time_machine

from contactpoints.exports import icalendar_feed, osm_opening_hours, schema_opening_hours
from contactpoints.hours import DatedException, Recurrence, Schedule, WeeklyRule

CONTACT_POINT = [
    WeeklyRule(2, time(19), time(20)),
    WeeklyRule(3, time(19), time(20)),
    WeeklyRule(5, time(14), time(15)),
]
TODAY = date(2026, 11, 27)


def test_osm_groups_days_with_the_same_hours() -> None:
    schedule = Schedule(rules=CONTACT_POINT)
    # No bank holiday falls on a Wednesday, Thursday or Saturday within the horizon.
    assert osm_opening_hours(schedule, TODAY) == (
        "We-Th 19:00-20:00; Sa 14:00-15:00; "
        '2028 Jan 01-2099 Dec 31 unknown "Hours after 31 December 2027 not published yet"'
    )


def test_osm_front_counter_hours_from_march_2026() -> None:
    rules = [WeeklyRule(d, time(10), time(22), valid_from=date(2026, 3, 3)) for d in range(5)]
    rules += [WeeklyRule(d, time(9), time(19), valid_from=date(2026, 3, 3)) for d in (5, 6)]
    schedule = Schedule(rules=rules, closed_on_bank_holidays=False)
    assert osm_opening_hours(schedule, TODAY).startswith("Mo-Fr 10:00-22:00; Sa-Su 09:00-19:00; ")


def test_osm_24_7_monthly_fortnightly_and_exceptions() -> None:
    always = [WeeklyRule(d, time(0), time(0), overnight=True) for d in range(7)]
    assert osm_opening_hours(Schedule(rules=always, closed_on_bank_holidays=False), TODAY) == (
        "Mo-Su 00:00-24:00; "
        '2028 Jan 01-2099 Dec 31 unknown "Hours after 31 December 2027 not published yet"'
    )
    rules = [
        WeeklyRule(3, time(17), time(18), recurrence=Recurrence.MONTHLY, week_of_month=1),
        WeeklyRule(1, time(10), time(12), recurrence=Recurrence.FORTNIGHTLY, anchor=TODAY),
        WeeklyRule(4, time(22), time(2), overnight=True),
    ]
    closure = DatedException(date(2026, 12, 24), date(2027, 1, 2), True, reason="Christmas")
    text = osm_opening_hours(Schedule(rules=rules, exceptions=[closure]), TODAY)
    # Each day's hours on their own day (a later rule for Saturday cannot cut Friday
    # night short); fortnights by week number for each year, as 2026 has 53 weeks; the
    # closure over its whole span; bank holidays as dates (and the Saturday after Good
    # Friday loses Friday night's hours after midnight).
    assert text == (
        "Fr 22:00-24:00; Sa 00:00-02:00, 2026 week 02-52/2 Tu 10:00-12:00, "
        "2027 week 01-51/2 Tu 10:00-12:00, Th[1] 17:00-18:00; "
        '2026 Dec 24-2027 Jan 02 off "Christmas"; 2027 Mar 26 off "Bank holiday"; '
        "2027 Mar 27 off; "
        '2028 Jan 01-2099 Dec 31 unknown "Hours after 31 December 2027 not published yet"'
    )


def test_schema_org_regular_and_special_hours() -> None:
    closure = DatedException(date(2026, 12, 2), date(2026, 12, 2), True, reason="Training")
    schedule = Schedule(rules=CONTACT_POINT, exceptions=[closure])
    regular, special = schema_opening_hours(schedule, TODAY)
    assert regular[0] == {
        "@type": "OpeningHoursSpecification",
        "dayOfWeek": "https://schema.org/Wednesday",
        "opens": "19:00",
        "closes": "20:00",
    }
    assert len(regular) == 3
    closed_days = {s["validFrom"] for s in special if s["opens"] == s["closes"] == "00:00"}
    # The training day. Saturday 26 December is not a bank holiday (Monday 28th is, when
    # this place has no session), so its Saturday session runs.
    assert "2026-12-02" in closed_days
    assert "2026-12-26" not in closed_days


def test_icalendar_round_trip() -> None:
    schedule = Schedule(rules=CONTACT_POINT)
    sessions = schedule.next_sessions(datetime(2026, 11, 27, 12, tzinfo=UTC), 4)
    body = icalendar_feed(
        name="Beethoven Centre", uid_prefix="beethoven@test", url="https://x/", sessions=sessions
    )
    calendar = icalendar.Calendar.from_ical(body)
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 4
    starts = [e.decoded("dtstart") for e in events]
    assert starts == [s.start for s in sessions]
    assert events[0]["summary"] == "Beethoven Centre: open"
    assert len({str(e["uid"]) for e in events}) == 4


def test_the_feed_is_the_same_bytes_all_day_and_new_the_next() -> None:
    """A calendar app or a cache that compares the feed sees a change only when there is
    one: DTSTAMP is the start of the London day the feed was made, not the moment."""
    schedule = Schedule(rules=CONTACT_POINT)
    sessions = schedule.next_sessions(datetime(2026, 11, 27, 12, tzinfo=UTC), 4)

    def made_at(moment: datetime) -> bytes:
        with time_machine.travel(moment, tick=False):
            return icalendar_feed(
                name="B", uid_prefix="b@test", url="https://x/", sessions=sessions
            )

    # 00:30 and 23:50 in London on 27 November (GMT): one day, one feed.
    morning = made_at(datetime(2026, 11, 27, 0, 30, tzinfo=UTC))
    assert made_at(datetime(2026, 11, 27, 23, 50, tzinfo=UTC)) == morning
    stamp = icalendar.Calendar.from_ical(morning).walk("VEVENT")[0].decoded("dtstamp")
    assert stamp == datetime(2026, 11, 27, tzinfo=UTC)
    assert made_at(datetime(2026, 11, 28, 0, 1, tzinfo=UTC)) != morning


def test_schema_org_never_reads_an_all_day_session_as_closed() -> None:
    """A dated exception open all day (00:00 to 24:00) must not export as opens 00:00
    closes 00:00, which schema.org defines as closed all day."""
    open_all_day = DatedException(
        date(2026, 12, 3), date(2026, 12, 3), False, opens=time(0), closes=time(0),
        overnight=True, reason="Open day",
    )  # fmt: skip
    schedule = Schedule(rules=CONTACT_POINT, exceptions=[open_all_day])
    _regular, special = schema_opening_hours(schedule, TODAY)
    day = [s for s in special if s["validFrom"] == "2026-12-03"]
    assert day == [
        {
            "@type": "OpeningHoursSpecification",
            "validFrom": "2026-12-03",
            "validThrough": "2026-12-03",
            "opens": "00:00",
            "closes": "23:59",
        }
    ]
