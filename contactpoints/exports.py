"""Opening hours in other people's formats: schema.org JSON-LD, OSM opening_hours, iCalendar.

Pure functions over `hours.Schedule`, so they can be tested without the database.
"""

from __future__ import annotations

import calendar
import copy
import functools
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypeVar

import icalendar

from core.time import midnight

from . import hours

SCHEMA_DAYS = [f"https://schema.org/{name}" for name in calendar.day_name]
OSM_DAYS = ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"]
OSM_MONTHS = [calendar.month_abbr[m] for m in range(13)]

# How far ahead schema.org's dated entries (exceptions, bank holidays, fortnightly and
# monthly sessions) are exported: over a year, as the OSM string.
SCHEMA_HORIZON_DAYS = 400


Export = TypeVar("Export")


def _remembered_by_content(
    maxsize: int,
) -> Callable[[Callable[[hours.Schedule, date], Export]], Callable[[hours.Schedule, date], Export]]:
    """Remember an export by the hours' content (rules, exceptions and policy are
    immutable values), so pages and the API work out a year of dates once a day per set
    of hours, and an edit can never be answered from a stale entry. Results are copied,
    so callers may edit them."""

    def decorate(
        export: Callable[[hours.Schedule, date], Export],
    ) -> Callable[[hours.Schedule, date], Export]:
        @functools.lru_cache(maxsize=maxsize)
        def remembered(
            rules: tuple[hours.WeeklyRule, ...],
            exceptions: tuple[hours.DatedException, ...],
            closed_on_bank_holidays: bool,
            today: date,
        ) -> Export:
            return export(hours.Schedule(rules, exceptions, closed_on_bank_holidays), today)

        @functools.wraps(export)
        def wrapper(schedule: hours.Schedule, today: date) -> Export:
            if schedule.bank_holidays is not None:  # a custom list: not worth remembering
                return export(schedule, today)
            return copy.deepcopy(
                remembered(
                    tuple(schedule.rules),
                    tuple(schedule.exceptions),
                    schedule.closed_on_bank_holidays,
                    today,
                )
            )

        return wrapper

    return decorate


def _hhmm(moment: time) -> str:
    return f"{moment:%H:%M}"


# --- schema.org ---------------------------------------------------------------------------


@_remembered_by_content(maxsize=1024)
def schema_opening_hours(
    schedule: hours.Schedule, today: date
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(openingHoursSpecification, specialOpeningHoursSpecification) for schema.org.

    Weekly rules become regular specifications (with validFrom/validThrough). What weekly
    rules cannot say — fortnightly or monthly sessions, exceptions and bank holidays over the
    next SCHEMA_HORIZON_DAYS — becomes dated special specifications. A closed day is given as
    opens = closes = 00:00, as schema.org recommends.
    """
    regular = []
    for rule in schedule.rules_valid_on(today):
        if rule.recurrence != hours.Recurrence.WEEKLY:
            continue
        spec: dict[str, Any] = {
            "@type": "OpeningHoursSpecification",
            "dayOfWeek": SCHEMA_DAYS[rule.weekday],
            "opens": _hhmm(rule.opens),
            "closes": "23:59" if rule.is_all_day else _hhmm(rule.closes),
        }
        if rule.valid_from:
            spec["validFrom"] = rule.valid_from.isoformat()
        if rule.valid_until:
            spec["validThrough"] = rule.valid_until.isoformat()
        regular.append(spec)

    weekly_only = hours.Schedule(
        rules=[r for r in schedule.rules if r.recurrence == hours.Recurrence.WEEKLY],
        exceptions=(),
        closed_on_bank_holidays=False,
        bank_holidays={},
    )
    special = []
    for offset in range(SCHEMA_HORIZON_DAYS):
        day = today + timedelta(days=offset)
        actual = schedule.sessions_on(day)
        if actual == weekly_only.sessions_on(day):
            continue
        iso = day.isoformat()
        if not actual:
            special.append(
                {
                    "@type": "OpeningHoursSpecification",
                    "validFrom": iso,
                    "validThrough": iso,
                    "opens": "00:00",
                    "closes": "00:00",
                }
            )
        for session in actual:
            special.append(
                {
                    "@type": "OpeningHoursSpecification",
                    "validFrom": iso,
                    "validThrough": iso,
                    "opens": _hhmm(session.local_start.time()),
                    "closes": _schema_closes(session.local_start, session.local_end),
                }
            )
    return regular, special


def _schema_closes(start: datetime, end: datetime) -> str:
    """schema.org reads opens = closes = 00:00 as closed all day, and has no 24:00: a
    session that runs to midnight (or round the clock) closes at 23:59 for that day. A
    session past midnight keeps its real closing time (closes before opens = overnight)."""
    if end.time() == time(0) and end.date() > start.date():
        return "23:59"
    return _hhmm(end.time())


# --- OpenStreetMap ------------------------------------------------------------------------

# How far ahead the OSM string speaks. After that it says `unknown`, since bank holidays
# and exceptions beyond it are not known yet (see docs/exports.md).
OSM_HORIZON_DAYS = 400
# The year an open-ended "from this date on" range ends: OSM has no open-ended date range.
_OSM_LAST_YEAR = 2099

Minutes = tuple[tuple[int, int], ...]  # open intervals of one local day, wall-clock minutes


def _osm_day_ranges(days: Sequence[int]) -> str:
    """[0, 1, 2, 4] -> 'Mo-We,Fr'."""
    parts = []
    run: list[int] = []
    for day in sorted(days):
        if run and day == run[-1] + 1:
            run.append(day)
            continue
        if run:
            parts.append(run)
        run = [day]
    if run:
        parts.append(run)
    return ",".join(
        OSM_DAYS[r[0]] if len(r) == 1 else f"{OSM_DAYS[r[0]]}-{OSM_DAYS[r[-1]]}" for r in parts
    )


def _osm_date(day: date) -> str:
    return f"{day.year} {OSM_MONTHS[day.month]} {day.day:02d}"


def _osm_clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _osm_intervals(intervals: Minutes) -> str:
    return ",".join(f"{_osm_clock(a)}-{_osm_clock(b)}" for a, b in intervals)


def _merge(intervals: Sequence[tuple[int, int]]) -> Minutes:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(i for i in intervals if i[1] > i[0]):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return tuple(merged)


def _wall_minutes(moment: datetime) -> int:
    clock = hours.local(moment)
    return clock.hour * 60 + clock.minute


def _day_minutes(day: date, earlier: hours.DayHours, own: hours.DayHours) -> Minutes:
    """When the place is open on local date `day`, as wall-clock minutes from 00:00 to
    24:00: its own sessions (`own`) up to midnight, and what runs on from the evening
    before (`earlier`). OSM reads every rule a day at a time, so the export states each
    day this way and never relies on a time range running past midnight (a later rule
    for the next day, such as a bank holiday, would cut it off)."""
    start_of_day = midnight(day)
    next_midnight = midnight(day + timedelta(days=1))
    intervals = []
    for session in (*earlier.sessions, *own.sessions):
        start, end = max(session.start, start_of_day), min(session.end, next_midnight)
        if start >= end:
            continue
        intervals.append(
            (
                0 if start == start_of_day else _wall_minutes(start),
                24 * 60 if end == next_midnight else _wall_minutes(end),
            )
        )
    return _merge(intervals)


def _rule_minutes(rule: hours.WeeklyRule) -> tuple[tuple[int, int], tuple[int, int]]:
    """(on its own day, on the next day) for a recurring rule, in wall-clock minutes."""
    opens = rule.opens.hour * 60 + rule.opens.minute
    closes = rule.closes.hour * 60 + rule.closes.minute
    if rule.overnight:
        return (opens, 24 * 60), (0, closes)
    return (opens, closes), (0, 0)


@dataclass(frozen=True)
class _Segment:
    """Dates over which the same recurring rules are in force, and the compact OSM rules
    that say them. `minutes` is what those compact rules mean on a date: the exporter
    compares it with the real hours and writes a dated rule wherever they differ."""

    first: date
    last: date
    weekly: tuple[Minutes, ...]  # Monday..Sunday
    extra: tuple[hours.WeeklyRule, ...]  # monthly and fortnightly rules said compactly

    def minutes(self, day: date) -> Minutes:
        intervals = list(self.weekly[day.weekday()])
        for rule in self.extra:
            if _extra_matches(rule, day):
                intervals.append(_rule_minutes(rule)[0])
        return _merge(intervals)


def _extra_matches(rule: hours.WeeklyRule, day: date) -> bool:
    """Whether the compact OSM selector written for `rule` matches `day`, as OSM reads
    it: `Th[1]`, `Th[-1]`; fortnightly as `<year> week NN-MM/2 Th`, where the year is the
    calendar year and the week the ISO week (so early January dates that belong to the
    previous ISO year do not match, and are written out as dates when they should)."""
    if day.weekday() != rule.weekday:
        return False
    if rule.recurrence == hours.Recurrence.MONTHLY:
        return rule.occurs_on(day)
    iso = day.isocalendar()
    first_week = _fortnight_first_week(rule, day.year)
    return iso.year == day.year and iso.week >= first_week and (iso.week - first_week) % 2 == 0


def _fortnight_first_week(rule: hours.WeeklyRule, year: int) -> int:
    """The first ISO week of `year` (1 or 2) in which a fortnightly rule runs."""
    assert rule.anchor is not None
    monday_of_week_1 = date.fromisocalendar(year, 1, 1)
    weeks = (monday_of_week_1 - (rule.anchor - timedelta(days=rule.anchor.weekday()))).days // 7
    return 1 if weeks % 2 == 0 else 2


def _segments(schedule: hours.Schedule, first: date, last: date) -> list[_Segment]:
    """Split [first, last] wherever a recurring rule starts or stops applying."""
    cuts = {first, last + timedelta(days=1)}
    for rule in schedule.rules:
        if rule.valid_from and first < rule.valid_from <= last:
            cuts.add(rule.valid_from)
        if rule.valid_until and first <= rule.valid_until < last:
            cuts.add(rule.valid_until + timedelta(days=1))
    edges = sorted(cuts)
    segments = []
    for start, stop in itertools.pairwise(edges):
        end = stop - timedelta(days=1)
        rules = [
            r
            for r in schedule.rules
            if (r.valid_from is None or r.valid_from <= start)
            and (r.valid_until is None or r.valid_until >= end)
        ]
        weekly: list[list[tuple[int, int]]] = [[] for _ in range(7)]
        extra = []
        for rule in rules:
            if rule.recurrence == hours.Recurrence.WEEKLY:
                own, next_day = _rule_minutes(rule)
                weekly[rule.weekday].append(own)
                weekly[(rule.weekday + 1) % 7].append(next_day)
            elif not rule.overnight:
                extra.append(rule)
            # An overnight monthly or fortnightly session is written out as dates.
        segments.append(
            _Segment(start, end, tuple(_merge(w) for w in weekly), tuple(sorted(extra, key=repr)))
        )
    return segments


def _osm_dates(days: Sequence[date]) -> str:
    """Dates as OSM date ranges, consecutive days joined: '2026 Dec 24-2026 Dec 26,...'."""
    runs: list[list[date]] = []
    for day in sorted(days):
        if runs and day == runs[-1][-1] + timedelta(days=1):
            runs[-1].append(day)
        else:
            runs.append([day])
    return ",".join(
        _osm_date(r[0]) if len(r) == 1 else f"{_osm_date(r[0])}-{_osm_date(r[-1])}" for r in runs
    )


def _osm_segment(segment: _Segment, prefix: str) -> list[str]:
    """The compact rules of one segment: weekdays with the same hours grouped, then the
    monthly and fortnightly rules as additional rules (`,`), which add to a day rather
    than replace it."""
    if all(day == ((0, 24 * 60),) for day in segment.weekly) and not segment.extra:
        return [f"{prefix}Mo-Su 00:00-24:00"]
    groups: dict[Minutes, list[int]] = {}
    for weekday, intervals in enumerate(segment.weekly):
        if intervals:
            groups.setdefault(intervals, []).append(weekday)
    rules = [
        f"{prefix}{_osm_day_ranges(days)} {_osm_intervals(intervals)}"
        for intervals, days in groups.items()
    ]
    extras = []
    for rule in segment.extra:
        times = _osm_intervals((_rule_minutes(rule)[0],))
        day = OSM_DAYS[rule.weekday]
        if rule.recurrence == hours.Recurrence.MONTHLY:
            extras.append(f"{prefix}{day}[{rule.week_of_month}] {times}")
            continue
        for year in range(segment.first.year, segment.last.year + 1):
            start = _fortnight_first_week(rule, year)
            weeks = date(year, 12, 28).isocalendar().week  # 52 or 53
            end = weeks if (weeks - start) % 2 == 0 else weeks - 1
            # A year selector, not the segment's date range: OSM cannot combine the two
            # in one selector, so the segment's limits are enforced by dated rules.
            extras.append(f"{year} week {start:02d}-{end:02d}/2 {day} {times}")
    if not rules:
        return [", ".join(extras)] if extras else []
    return ["; ".join(rules) + "".join(f", {e}" for e in extras)]


@_remembered_by_content(maxsize=4096)
def osm_opening_hours(schedule: hours.Schedule, today: date) -> str:
    """The OSM `opening_hours` value for the hours from `today` for OSM_HORIZON_DAYS.

    Built to mean, when read by OSM's reference evaluator, exactly what `hours.py` says:
    the usual week (weekdays with the same hours grouped; a session past midnight is
    written as its two days' parts), monthly rules as `Th[1]`, fortnightly rules as
    week-number ranges for each calendar year; then, for every date on which the real
    hours differ from what those rules say (exceptions, bank holidays, changes of hours,
    the weeks a fortnightly rule's parity cannot say, the hour skipped when the clocks go
    forward), a dated rule with that day's hours (`off` or `open` with the reason). After
    the horizon the value says `unknown`, since exceptions and bank holidays beyond it
    are not known. Deterministic: the same hours give the same string on any database.
    """
    last = today + timedelta(days=OSM_HORIZON_DAYS - 1)
    segments = _segments(schedule, today, last)
    # Each date's hours, from the day before `today` (whose sessions may run past
    # midnight), worked out once.
    day_hours = [
        schedule.day_hours(today + timedelta(days=offset)) for offset in range(-1, OSM_HORIZON_DAYS)
    ]
    many = len(segments) > 1
    rules: list[str] = []
    days: list[tuple[date, Minutes, str, bool]] = []  # (day, its hours, reason, said wrongly)
    for segment in segments:
        if many:
            # A fortnightly rule's year selector would reach into the other segments,
            # so with changes of hours ahead its dates are written out instead.
            segment = _Segment(
                segment.first,
                segment.last,
                segment.weekly,
                tuple(r for r in segment.extra if r.recurrence == hours.Recurrence.MONTHLY),
            )
        prefix = f"{_osm_date(segment.first)}-{_osm_date(segment.last)} " if many else ""
        rules += _osm_segment(segment, prefix)
        for offset in range((segment.last - segment.first).days + 1):
            day = segment.first + timedelta(days=offset)
            hours_of_day = day_hours[(day - today).days + 1]
            actual = _day_minutes(day, day_hours[(day - today).days], hours_of_day)
            # One comment for every bank holiday, so they share one rule.
            note = "Bank holiday" if hours_of_day.closed_for_holiday else hours_of_day.note
            days.append((day, actual, note, actual != segment.minutes(day)))
    # A dated rule for every day the compact rules get wrong, widened to the neighbouring
    # days with the same hours and reason, so an exception reads as its whole span
    # ("Dec 24-Jan 02 off"), not just the days it happens to change.
    corrections: dict[tuple[Minutes, str], list[date]] = {}
    wanted = [differs for _day, _actual, _note, differs in days]
    for direction in (1, -1):
        indexes = range(len(days)) if direction == 1 else range(len(days) - 1, -1, -1)
        for i in indexes:
            j = i - direction
            if 0 <= j < len(days) and wanted[j] and not wanted[i]:
                _d, actual, note, _x = days[i]
                _d, actual_j, note_j, _x = days[j]
                wanted[i] = bool(note) and (actual, note) == (actual_j, note_j)
    for (day, actual, note, _differs), keep in zip(days, wanted, strict=True):
        if keep:
            corrections.setdefault((actual, note), []).append(day)
    for (intervals, note), dates in sorted(corrections.items(), key=lambda item: item[1][0]):
        comment = f' "{_osm_comment(note)}"' if note else ""
        state = f"{_osm_intervals(intervals)} open" if intervals else "off"
        rules.append(f"{_osm_dates(dates)} {state}{comment}")
    if not rules:
        rules.append("off")
    rules.append(
        f"{_osm_date(last + timedelta(days=1))}-{_OSM_LAST_YEAR} Dec 31 unknown "
        f'"Hours after {hours.format_date(last)} not published yet"'
    )
    return "; ".join(rules)


def _osm_comment(text: str) -> str:
    return text.replace('"', "'")


# --- iCalendar ----------------------------------------------------------------------------


def icalendar_feed(
    *, name: str, uid_prefix: str, url: str, sessions: Sequence[hours.Session]
) -> bytes:
    """An iCalendar (RFC 5545) calendar with one event per session."""
    cal = icalendar.Calendar()
    cal.add("prodid", "-//Contact Points//Opening sessions//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", f"{name}: opening times")
    cal.add("x-wr-timezone", "Europe/London")
    # DTSTAMP, for a calendar with no METHOD, is when its information was last revised.
    # The feed is made afresh from the schedule each day, so it is stamped with the start
    # of that day: the same schedule gives the same bytes all day long, and the feed's ETag
    # and compressed copy hold. (An edited session is a new event anyway: its UID names its
    # start and end.)
    stamp = midnight(hours.local(datetime.now(UTC)).date())
    # A UID names one session: two sessions that start together but end apart are two
    # events (a calendar treats a repeated UID as an edit of the same event), and the
    # same session given twice is one.
    for session in sorted(set(sessions)):
        event = icalendar.Event()
        event.add(
            "uid", f"{uid_prefix}-{session.start:%Y%m%dT%H%M%SZ}-{session.end:%Y%m%dT%H%M%SZ}"
        )
        event.add("dtstamp", stamp)
        event.add("dtstart", session.start)
        event.add("dtend", session.end)
        summary = f"{name}: open"
        if session.note:
            summary += f" ({session.note})"
        event.add("summary", summary)
        event.add("url", url)
        event.add("transp", "TRANSPARENT")
        cal.add_component(event)
    return cal.to_ical()
