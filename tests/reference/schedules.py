"""Schedules for the reference tests: generated ones, and `hours.py`'s own reading of
them as merged open intervals, which every export must reproduce."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from hypothesis import strategies as st

from contactpoints.hours import DatedException, Recurrence, Schedule, WeeklyRule
from core.time import local

TODAY = date(2026, 11, 27)  # 2026 has 53 ISO weeks: fortnights cross its end


def site_intervals(
    schedule: Schedule, start: datetime, end: datetime
) -> list[tuple[datetime, datetime]]:
    """`hours.py`'s open intervals within [start, end), touching sessions merged."""
    merged: list[tuple[datetime, datetime]] = []
    first = local(start).date() - timedelta(days=1)
    days = (local(end).date() - first).days + 1
    for session in schedule.iter_sessions(first, days):
        a, b = max(session.start, start), min(session.end, end)
        if a >= b:
            continue
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


# --- Generated schedules ------------------------------------------------------------------

days_ahead = st.integers(-30, 420).map(lambda n: TODAY + timedelta(days=n))


@st.composite
def rules(draw: st.DrawFn) -> WeeklyRule:
    start = draw(st.integers(0, 95))
    overnight = start == 95 or draw(st.booleans())
    end = draw(st.integers(0, start) if overnight else st.integers(start + 1, 95))
    opens, closes = (time(q // 4, q % 4 * 15) for q in (start, end))
    recurrence = draw(st.sampled_from(list(Recurrence)))
    valid_from = draw(st.none() | days_ahead)
    valid_until = draw(st.none() | days_ahead)
    if valid_from and valid_until and valid_until < valid_from:
        valid_from, valid_until = valid_until, valid_from
    return WeeklyRule(
        draw(st.integers(0, 6)),
        opens,
        closes,
        overnight=overnight,
        recurrence=recurrence,
        week_of_month=draw(st.sampled_from([1, 2, 3, 4, 5, -1]))
        if recurrence == "monthly"
        else None,
        anchor=draw(days_ahead) if recurrence == "fortnightly" else None,
        valid_from=valid_from,
        valid_until=valid_until,
    )


@st.composite
def exceptions(draw: st.DrawFn) -> DatedException:
    starts = draw(days_ahead)
    ends = starts + timedelta(days=draw(st.integers(0, 20)))
    if draw(st.booleans()):
        return DatedException(
            starts, ends, True, reason=draw(st.sampled_from(["", "Training", 'A "quote"']))
        )
    rule = draw(rules())
    return DatedException(
        starts, ends, False, rule.opens, rule.closes, rule.overnight, reason="Other hours"
    )


def schedules_strategy() -> st.SearchStrategy[Schedule]:
    return st.builds(
        Schedule,
        rules=st.lists(rules(), max_size=6),
        exceptions=st.lists(exceptions(), max_size=4),
        closed_on_bank_holidays=st.booleans(),
    )
