"""The OSM `opening_hours` export, read by OSM's reference evaluator, means what the site
means: for a whole year, every open interval the evaluator reads is one `hours.py` opens,
and nothing `hours.py` opens is missing (an exact interval comparison, finer than checking
every 15 minutes). The evaluator is the `opening_hours` npm package run with node."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contactpoints.exports import OSM_HORIZON_DAYS, osm_opening_hours
from contactpoints.hours import DatedException, Recurrence, Schedule, WeeklyRule
from core.time import midnight
from tests.reference.evaluators import read_osm
from tests.reference.schedules import TODAY, schedules_strategy, site_intervals

YEAR = 366


def assert_evaluator_agrees(
    schedules: list[Schedule], today: date = TODAY, days: int = YEAR
) -> None:
    start, end = midnight(today), midnight(today + timedelta(days=days))
    values = [osm_opening_hours(s, today) for s in schedules]
    readings = read_osm([(v, start, end) for v in values])
    for schedule, value, reading in zip(schedules, values, readings, strict=True):
        assert reading.unknown == [], f"{value!r} says unknown within its horizon"
        expected = site_intervals(schedule, start, end)
        if reading.open != expected:
            missing = [i for i in expected if i not in reading.open][:3]
            extra = [i for i in reading.open if i not in expected][:3]
            pytest.fail(
                f"{value!r}\n site opens, OSM does not: {missing}"
                f"\n OSM opens, site does not: {extra}"
            )


def weekly(
    days: range | tuple[int, ...], opens: int, closes: int, **kw: object
) -> list[WeeklyRule]:
    return [WeeklyRule(d, time(opens), time(closes), **kw) for d in days]  # type: ignore[arg-type]


def test_front_counter_hours_and_bank_holidays() -> None:
    rules = weekly(range(5), 10, 22) + weekly((5, 6), 9, 19)
    assert_evaluator_agrees(
        [Schedule(rules=rules), Schedule(rules=rules, closed_on_bank_holidays=False)]
    )
    assert osm_opening_hours(Schedule(rules=rules, closed_on_bank_holidays=False), TODAY) == (
        "Mo-Fr 10:00-22:00; Sa-Su 09:00-19:00; 2028 Jan 01-2099 Dec 31 unknown "
        '"Hours after 31 December 2027 not published yet"'
    )


def test_fortnightly_across_a_53_week_year() -> None:
    """Weeks 53 of 2026 and 1 of 2027 are consecutive: `week 01-53/2` opens in both."""
    for anchor in (TODAY, TODAY + timedelta(days=7)):
        for weekday in range(7):
            rule = WeeklyRule(
                weekday, time(10), time(12), recurrence=Recurrence.FORTNIGHTLY, anchor=anchor
            )
            assert_evaluator_agrees([Schedule(rules=[rule], closed_on_bank_holidays=False)])


def test_weekly_and_monthly_on_the_same_weekday_both_run() -> None:
    rules = [
        *weekly((3,), 19, 20),
        WeeklyRule(3, time(14), time(15), recurrence=Recurrence.MONTHLY, week_of_month=1),
        WeeklyRule(3, time(10), time(11), recurrence=Recurrence.MONTHLY, week_of_month=-1),
        WeeklyRule(3, time(12), time(13), recurrence=Recurrence.MONTHLY, week_of_month=5),
    ]
    assert_evaluator_agrees([Schedule(rules=rules)])


def test_changed_hours_and_exceptions() -> None:
    change = date(2027, 3, 3)
    rules = weekly(range(5), 10, 22, valid_until=change - timedelta(days=1)) + weekly(
        range(5), 12, 18, valid_from=change
    )
    exceptions = [
        DatedException(
            date(2026, 12, 24),
            date(2026, 12, 24),
            False,
            time(10),
            time(14),
            reason="Christmas Eve",
        ),
        DatedException(date(2027, 1, 4), date(2027, 1, 8), True, reason="Refurbishment"),
        DatedException(
            date(2027, 1, 6), date(2027, 1, 6), False, time(9), time(10), reason="Open for one hour"
        ),
        DatedException(
            date(2027, 2, 1),
            date(2027, 2, 1),
            False,
            time(0),
            time(0),
            overnight=True,
            reason="Open day",
        ),
    ]
    assert_evaluator_agrees([Schedule(rules=rules, exceptions=exceptions)])


def test_overnight_session_before_a_bank_holiday_keeps_its_night() -> None:
    """Sunday 22:00 to 02:00: the part after midnight on a bank holiday Monday is still
    open (the session belongs to Sunday); `PH off` cut it off."""
    rules = weekly((6, 4), 22, 2, overnight=True)
    assert_evaluator_agrees([Schedule(rules=rules)])


def test_24_7_and_clock_changes() -> None:
    always = weekly(range(7), 0, 0, overnight=True)
    night = weekly(range(7), 1, 2) + weekly((6,), 0, 3)  # the skipped and repeated hours
    assert_evaluator_agrees(
        [
            Schedule(rules=always, closed_on_bank_holidays=False),
            Schedule(rules=always),
            Schedule(rules=night),
        ]
    )


def test_no_hours_at_all() -> None:
    assert_evaluator_agrees([Schedule()])


def test_the_export_is_independent_of_the_order_of_rules_and_exceptions() -> None:
    rules = [
        *weekly(range(5), 10, 22),
        WeeklyRule(3, time(9), time(10), recurrence=Recurrence.MONTHLY, week_of_month=2),
    ]
    exceptions = [
        DatedException(date(2026, 12, 24), date(2026, 12, 24), True, reason="A"),
        DatedException(
            date(2026, 12, 24), date(2026, 12, 24), False, time(10), time(11), reason="B"
        ),
        DatedException(
            date(2026, 12, 20), date(2026, 12, 31), False, time(9), time(10), reason="C"
        ),
    ]
    forward = osm_opening_hours(Schedule(rules=rules, exceptions=exceptions), TODAY)
    backward = osm_opening_hours(Schedule(rules=rules[::-1], exceptions=exceptions[::-1]), TODAY)
    assert forward == backward


@settings(max_examples=25, deadline=None)
@given(
    st.lists(schedules_strategy(), min_size=4, max_size=4),
    st.integers(0, 400).map(lambda n: TODAY + timedelta(days=n)),
)
def test_generated_schedules(schedules: list[Schedule], today: date) -> None:
    assert_evaluator_agrees(schedules, today)


def test_horizon_is_longer_than_a_year() -> None:
    assert OSM_HORIZON_DAYS > YEAR
