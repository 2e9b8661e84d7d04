"""Opening hours: the rules residents rely on, without the database."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contactpoints.hours import (
    LAST_WEEK,
    DatedException,
    Recurrence,
    Schedule,
    WeeklyRule,
    bank_holiday_name,
    describe_rule,
    find_overlaps,
)
from core.time import LONDON

WED, THU, SAT, SUN = 2, 3, 5, 6
NO_HOLIDAYS: dict[date, str] = {}


def london(*args: int) -> datetime:
    return datetime(*args, tzinfo=LONDON)  # type: ignore[misc]


def contact_point_hours(**kwargs: object) -> Schedule:
    """The typical 2013 contact point: Wed and Thu 19:00–20:00, Sat 14:00–15:00."""
    rules = [
        WeeklyRule(WED, time(19), time(20)),
        WeeklyRule(THU, time(19), time(20)),
        WeeklyRule(SAT, time(14), time(15)),
    ]
    return Schedule(rules=rules, **kwargs)  # type: ignore[arg-type]


# --- Weekly sessions --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "is_open"),
    [
        (london(2026, 11, 25, 18, 59), False),  # Wednesday, a minute before
        (london(2026, 11, 25, 19, 0), True),  # opening minute
        (london(2026, 11, 25, 19, 59, 59), True),
        (london(2026, 11, 25, 20, 0), False),  # closing time is closed
        (london(2026, 11, 26, 19, 30), True),  # Thursday
        (london(2026, 11, 27, 19, 30), False),  # Friday
        (london(2026, 11, 28, 14, 30), True),  # Saturday afternoon
        (london(2026, 11, 29, 14, 30), False),  # Sunday
    ],
)
def test_weekly_sessions(moment: datetime, is_open: bool) -> None:
    assert contact_point_hours().is_open_at(moment) is is_open


def test_several_sessions_a_day() -> None:
    schedule = Schedule(
        rules=[WeeklyRule(WED, time(10), time(12)), WeeklyRule(WED, time(14), time(16))]
    )
    assert schedule.is_open_at(london(2026, 11, 25, 11))
    assert not schedule.is_open_at(london(2026, 11, 25, 13))
    assert schedule.is_open_at(london(2026, 11, 25, 15))
    assert schedule.status(london(2026, 11, 25, 13)).describe() == "Closed — opens today at 14:00"


def test_session_past_midnight_belongs_to_the_day_it_starts() -> None:
    schedule = Schedule(rules=[WeeklyRule(4, time(22), time(2), overnight=True)])  # Friday
    assert schedule.is_open_at(london(2026, 11, 27, 23))
    assert schedule.is_open_at(london(2026, 11, 28, 1, 59))  # Saturday small hours
    assert not schedule.is_open_at(london(2026, 11, 28, 2, 0))
    assert not schedule.is_open_at(london(2026, 11, 26, 1, 0))  # Thursday small hours
    status = schedule.status(london(2026, 11, 27, 23))
    assert status.describe() == "Open now until tomorrow at 02:00"


def test_open_24_hours_every_day() -> None:
    schedule = Schedule(rules=[WeeklyRule(d, time(0), time(0), overnight=True) for d in range(7)])
    for hour in range(24):
        assert schedule.is_open_at(london(2026, 11, 29, hour, 30))
    status = schedule.status(london(2026, 11, 29, 3))
    assert status.is_open
    assert status.continuous
    assert status.describe() == "Open now — open 24 hours"


# --- Daylight saving time ---------------------------------------------------------------


def test_spring_forward_session_starts_at_london_wall_clock_time() -> None:
    # 29 March 2026: clocks go forward at 01:00 GMT. A Sunday 10:00 session is 09:00 UTC
    # after the change and 10:00 UTC the Sunday before.
    schedule = Schedule(rules=[WeeklyRule(SUN, time(10), time(12))], bank_holidays=NO_HOLIDAYS)
    (before,) = schedule.sessions_on(date(2026, 3, 22))
    (after,) = schedule.sessions_on(date(2026, 3, 29))
    assert before.start == datetime(2026, 3, 22, 10, tzinfo=UTC)
    assert after.start == datetime(2026, 3, 29, 9, tzinfo=UTC)
    assert after.local_start.hour == 10


def test_fall_back_day_is_25_hours_long_when_open_all_day() -> None:
    # 25 October 2026: clocks go back at 02:00 BST.
    schedule = Schedule(
        rules=[WeeklyRule(SUN, time(0), time(0), overnight=True)], bank_holidays=NO_HOLIDAYS
    )
    (session,) = schedule.sessions_on(date(2026, 10, 25))
    assert session.end - session.start == timedelta(hours=25)
    # 01:30 happens twice that night; it is open both times.
    first = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 01:30 BST
    second = datetime(2026, 10, 25, 1, 30, tzinfo=UTC)  # 01:30 GMT
    assert schedule.is_open_at(first)
    assert schedule.is_open_at(second)


def test_overnight_session_across_the_spring_gap_is_shorter() -> None:
    # Saturday 28 March 2026 22:00 to Sunday 03:00: one hour is skipped, so 4 hours.
    schedule = Schedule(
        rules=[WeeklyRule(SAT, time(22), time(3), overnight=True)], bank_holidays=NO_HOLIDAYS
    )
    (session,) = schedule.sessions_on(date(2026, 3, 28))
    assert session.end - session.start == timedelta(hours=4)
    assert session.local_end.hour == 3


def test_evening_session_the_week_after_the_clocks_change() -> None:
    schedule = contact_point_hours(bank_holidays=NO_HOLIDAYS)
    # Wednesday 1 April 2026, 19:30 BST = 18:30 UTC.
    assert schedule.is_open_at(datetime(2026, 4, 1, 18, 30, tzinfo=UTC))
    assert not schedule.is_open_at(datetime(2026, 4, 1, 19, 30, tzinfo=UTC))
    # Wednesday 28 October 2026, 19:30 GMT = 19:30 UTC.
    assert schedule.is_open_at(datetime(2026, 10, 28, 19, 30, tzinfo=UTC))


# --- Bank holidays ----------------------------------------------------------------------


def test_bank_holidays_for_england_and_wales() -> None:
    assert bank_holiday_name(date(2026, 12, 25)) == "Christmas Day"
    assert bank_holiday_name(date(2026, 4, 6)) == "Easter Monday"
    assert bank_holiday_name(date(2026, 8, 31)) == "Summer bank holiday"  # GOV.UK's title
    assert bank_holiday_name(date(2026, 8, 3)) is None  # Scotland's summer bank holiday
    assert bank_holiday_name(date(2026, 11, 27)) is None


def test_closed_on_bank_holidays_by_policy() -> None:
    # 2026-12-26 is a Saturday: the bank holiday is the substitute day, Monday 28th.
    easter_monday = london(2026, 4, 6, 11)
    schedule = Schedule(rules=[WeeklyRule(0, time(10), time(22))])
    assert not schedule.is_open_at(easter_monday)
    assert "Easter Monday" in schedule.day_hours(date(2026, 4, 6)).note
    open_anyway = Schedule(rules=schedule.rules, closed_on_bank_holidays=False)
    assert open_anyway.is_open_at(easter_monday)


# --- Exceptions and validity periods ----------------------------------------------------


def test_closure_overrides_weekly_hours() -> None:
    schedule = contact_point_hours(
        exceptions=[DatedException(date(2026, 12, 2), date(2026, 12, 2), True, reason="Training")]
    )
    assert not schedule.is_open_at(london(2026, 12, 2, 19, 30))
    assert schedule.is_open_at(london(2026, 12, 3, 19, 30))
    assert schedule.day_hours(date(2026, 12, 2)).note == "Training"


def test_different_hours_replace_the_day() -> None:
    schedule = contact_point_hours(
        exceptions=[
            DatedException(
                date(2026, 12, 2), date(2026, 12, 2), False, time(10), time(11), reason="Fair"
            )
        ]
    )
    assert schedule.is_open_at(london(2026, 12, 2, 10, 30))
    assert not schedule.is_open_at(london(2026, 12, 2, 19, 30))


def test_exception_opens_on_a_bank_holiday() -> None:
    schedule = contact_point_hours(
        exceptions=[
            DatedException(
                date(2026, 12, 28),
                date(2026, 12, 28),
                False,
                time(12),
                time(13),
                reason="Special session",
            )
        ]
    )
    assert schedule.is_open_at(london(2026, 12, 28, 12, 30))


def test_the_most_specific_exception_wins() -> None:
    closure = DatedException(date(2026, 12, 1), date(2026, 12, 31), True, reason="Refurbishment")
    pop_up = DatedException(
        date(2026, 12, 16), date(2026, 12, 16), False, time(19), time(20), reason="Pop-up"
    )
    schedule = contact_point_hours(exceptions=[closure, pop_up])
    assert not schedule.is_open_at(london(2026, 12, 17, 19, 30))
    assert schedule.is_open_at(london(2026, 12, 16, 19, 30))


def test_hours_change_from_a_date() -> None:
    old = WeeklyRule(1, time(10), time(18), valid_until=date(2026, 3, 2))
    new = WeeklyRule(1, time(10), time(22), valid_from=date(2026, 3, 3))
    schedule = Schedule(rules=[old, new], bank_holidays=NO_HOLIDAYS)
    assert not schedule.is_open_at(london(2026, 2, 24, 20))  # Tuesday before the change
    assert schedule.is_open_at(london(2026, 3, 3, 20))  # first Tuesday after
    assert [describe_rule(r) for r in schedule.rules_valid_on(date(2026, 11, 27))] == [
        "Every Tuesday, 10:00 to 22:00, from 3 March 2026"
    ]


# --- Non-weekly recurrence --------------------------------------------------------------


def test_first_thursday_of_the_month() -> None:
    rule = WeeklyRule(THU, time(17), time(18), recurrence=Recurrence.MONTHLY, week_of_month=1)
    firsts = [d for d in _days(date(2026, 11, 1), 62) if rule.occurs_on(d)]
    assert firsts == [date(2026, 11, 5), date(2026, 12, 3)]
    assert describe_rule(rule) == "First Thursday of the month, 17:00 to 18:00"


def test_last_saturday_of_the_month() -> None:
    rule = WeeklyRule(
        SAT, time(10), time(11), recurrence=Recurrence.MONTHLY, week_of_month=LAST_WEEK
    )
    lasts = [d for d in _days(date(2026, 11, 1), 61) if rule.occurs_on(d)]
    assert lasts == [date(2026, 11, 28), date(2026, 12, 26)]


def test_every_other_week_counts_from_the_anchor() -> None:
    rule = WeeklyRule(
        1, time(10), time(12), recurrence=Recurrence.FORTNIGHTLY, anchor=date(2026, 11, 5)
    )
    # The anchor is a Thursday; the rule runs on the Tuesday of that week and every
    # second week after (and before).
    days = [d for d in _days(date(2026, 10, 19), 42) if rule.occurs_on(d)]
    assert days == [date(2026, 10, 20), date(2026, 11, 3), date(2026, 11, 17)]


def _days(start: date, count: int) -> list[date]:
    return [start + timedelta(days=i) for i in range(count)]


# --- Next sessions, weeks and the status line --------------------------------------------


def test_next_sessions_include_the_current_one_and_skip_closures() -> None:
    schedule = contact_point_hours(
        exceptions=[DatedException(date(2026, 11, 28), date(2026, 11, 28), True, reason="Off")]
    )
    sessions = schedule.next_sessions(london(2026, 11, 26, 19, 30), 3)
    assert [s.local_start for s in sessions] == [
        london(2026, 11, 26, 19),
        london(2026, 12, 2, 19),
        london(2026, 12, 3, 19),
    ]


def test_week_runs_monday_to_sunday_with_notes() -> None:
    schedule = contact_point_hours()
    week = schedule.week(london(2026, 12, 24, 9))
    assert [d.day for d in week] == _days(date(2026, 12, 21), 7)
    christmas = week[4]
    assert christmas.sessions == ()
    assert "Christmas Day" in christmas.note
    assert [s.local_start.hour for s in week[2].sessions] == [19]


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (london(2026, 11, 25, 19, 0), "Open now until 20:00"),
        (london(2026, 11, 25, 19, 40), "Open now — closes in 20 minutes (20:00)"),
        (london(2026, 11, 25, 19, 59), "Open now — closes in 1 minute (20:00)"),
        (london(2026, 11, 25, 12, 0), "Closed — opens today at 19:00"),
        (london(2026, 11, 25, 20, 0), "Closed — opens tomorrow at 19:00"),
        (london(2026, 11, 28, 16, 0), "Closed — opens Wednesday at 19:00"),
    ],
)
def test_status_line(moment: datetime, expected: str) -> None:
    assert contact_point_hours().status(moment).describe() == expected


def test_status_line_far_ahead_and_never() -> None:
    monthly = Schedule(
        rules=[WeeklyRule(THU, time(17), time(18), recurrence="monthly", week_of_month=1)]  # type: ignore[arg-type]
    )
    assert (
        monthly.status(london(2026, 11, 6, 9)).describe()
        == "Closed — opens Thursday 3 December at 17:00"
    )
    assert Schedule().status(london(2026, 11, 6, 9)).describe() == (
        "Closed — no upcoming opening times"
    )


# --- Validation and overlaps ------------------------------------------------------------


def test_invalid_rules_are_refused() -> None:
    with pytest.raises(ValueError, match="closing time must be after"):
        WeeklyRule(WED, time(20), time(19))
    with pytest.raises(ValueError, match="anchor"):
        WeeklyRule(WED, time(19), time(20), recurrence=Recurrence.FORTNIGHTLY)
    with pytest.raises(ValueError, match="week_of_month"):
        WeeklyRule(WED, time(19), time(20), recurrence=Recurrence.MONTHLY)
    with pytest.raises(ValueError, match="end before"):
        DatedException(date(2026, 1, 2), date(2026, 1, 1), True)
    with pytest.raises(ValueError, match="naive"):
        contact_point_hours().is_open_at(datetime(2026, 1, 1, 12))  # noqa: DTZ001


def test_overlapping_rules_are_found() -> None:
    a = WeeklyRule(WED, time(19), time(20))
    b = WeeklyRule(WED, time(19, 30), time(21))
    c = WeeklyRule(WED, time(20), time(21))  # back to back with a: fine
    d = WeeklyRule(WED, time(19), time(20), recurrence=Recurrence.MONTHLY, week_of_month=1)
    e = WeeklyRule(WED, time(19), time(20), valid_from=date(2030, 1, 1))
    f = WeeklyRule(WED, time(19), time(20), valid_until=date(2025, 1, 1))
    assert find_overlaps([a, b]) == [(a, b)]
    assert find_overlaps([a, c]) == []
    assert find_overlaps([a, d]) == [(a, d)]
    assert find_overlaps([e, f]) == []
    fortnight_1 = WeeklyRule(
        WED, time(19), time(20), recurrence=Recurrence.FORTNIGHTLY, anchor=date(2026, 11, 4)
    )
    fortnight_2 = WeeklyRule(
        WED, time(19), time(20), recurrence=Recurrence.FORTNIGHTLY, anchor=date(2026, 11, 11)
    )
    assert find_overlaps([fortnight_1, fortnight_2]) == []


# --- Properties -------------------------------------------------------------------------

quarter_hours = st.integers(min_value=4 * 4, max_value=23 * 4).map(
    lambda q: time(q // 4, (q % 4) * 15)
)


@st.composite
def daytime_rules(draw: st.DrawFn) -> WeeklyRule:
    """Rules outside the small hours, so a wall-clock oracle is exact across DST."""
    opens = draw(quarter_hours)
    closes = draw(quarter_hours.filter(lambda t: t > opens))
    return WeeklyRule(draw(st.integers(0, 6)), opens, closes)


# Hypothesis takes naive bounds and attaches the timezone itself.
instants = st.datetimes(
    min_value=datetime(2024, 1, 1),  # noqa: DTZ001
    max_value=datetime(2028, 12, 31),  # noqa: DTZ001
    timezones=st.just(UTC),
)


@settings(max_examples=300, deadline=None)
@given(rules=st.lists(daytime_rules(), max_size=6), when=instants)
def test_open_matches_a_wall_clock_oracle(rules: list[WeeklyRule], when: datetime) -> None:
    schedule = Schedule(rules=rules, bank_holidays=NO_HOLIDAYS)
    wall = when.astimezone(LONDON)
    expected = any(
        r.weekday == wall.weekday() and r.opens <= wall.time().replace(tzinfo=None) < r.closes
        for r in rules
    )
    assert schedule.is_open_at(when) is expected


overnight_or_day = st.one_of(
    daytime_rules(),
    st.builds(
        lambda d, o, c: WeeklyRule(d, o, c, overnight=True),
        st.integers(0, 6),
        st.sampled_from([time(20), time(22), time(23, 30)]),
        st.sampled_from([time(0), time(1), time(3), time(6)]),
    ),
)


@settings(max_examples=200, deadline=None)
@given(rules=st.lists(overnight_or_day, min_size=1, max_size=5), when=instants)
def test_status_agrees_with_is_open_and_its_own_times(
    rules: list[WeeklyRule], when: datetime
) -> None:
    schedule = Schedule(rules=rules)
    status = schedule.status(when)
    assert status.is_open is schedule.is_open_at(when)
    if status.is_open and status.closes_at is not None:
        assert not schedule.is_open_at(status.closes_at)
        assert schedule.is_open_at(status.closes_at - timedelta(seconds=1))
    if not status.is_open and status.next_session is not None:
        start = status.next_session.start
        assert start > when
        assert schedule.is_open_at(start)
        assert not schedule.is_open_at(when + (start - when) / 2)


@settings(max_examples=100, deadline=None)
@given(rules=st.lists(overnight_or_day, min_size=1, max_size=5), when=instants)
def test_next_sessions_are_ordered_and_not_over(rules: list[WeeklyRule], when: datetime) -> None:
    sessions = Schedule(rules=rules).next_sessions(when, 5)
    assert all(s.end > when for s in sessions)
    assert all(s.end > s.start for s in sessions)
    assert sessions == sorted(sessions)


def test_a_session_in_the_hour_the_clocks_skip_does_not_open() -> None:
    """29 March 2026, 01:00 to 02:00 London time does not exist: the session does not
    take place, the day says why, and the status line never says it opens."""
    rule = WeeklyRule(6, time(1), time(2))
    schedule = Schedule(rules=[rule], closed_on_bank_holidays=False)
    spring = date(2026, 3, 29)
    day = schedule.day_hours(spring)
    assert day.sessions == ()
    assert "Clocks go forward" in day.note
    saturday_evening = datetime(2026, 3, 28, 20, tzinfo=UTC)
    status = schedule.status(saturday_evening)
    assert status.next_session is not None
    assert status.next_session.local_start.date() == date(2026, 4, 5)
    assert schedule.day_hours(date(2026, 4, 5)).sessions[0].end - schedule.day_hours(
        date(2026, 4, 5)
    ).sessions[0].start == timedelta(hours=1)


def test_overlaps_are_found_anywhere_in_the_year() -> None:
    """A fortnightly Thursday and the fifth Thursday of the month first meet on 29 April
    2027, five months ahead; a Wednesday night session runs into Thursday morning's."""
    today = date(2026, 11, 27)
    fortnightly = WeeklyRule(
        3, time(19), time(20), recurrence=Recurrence.FORTNIGHTLY, anchor=date(2026, 12, 24)
    )
    fifth = WeeklyRule(3, time(19, 30), time(21), recurrence=Recurrence.MONTHLY, week_of_month=5)
    assert find_overlaps([fortnightly, fifth], today) == [(fortnightly, fifth)]
    night = WeeklyRule(2, time(22), time(2), overnight=True)
    morning = WeeklyRule(3, time(1), time(3))
    assert find_overlaps([night, morning], today) == [(night, morning)]
    later = WeeklyRule(3, time(2), time(3))
    assert find_overlaps([night, later], today) == []
