"""Opening hours in other people's formats: schema.org JSON-LD, OSM opening_hours, iCalendar.

Pure functions over `hours.Schedule`, so they can be tested without the database.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import icalendar

from . import hours

SCHEMA_DAYS = [f"https://schema.org/{name}" for name in calendar.day_name]
OSM_DAYS = ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"]
OSM_MONTHS = [calendar.month_abbr[m] for m in range(13)]

# How far ahead dated entries (exceptions, non-weekly sessions) are exported.
EXPORT_DAYS = 90


def _hhmm(moment: time) -> str:
    return f"{moment:%H:%M}"


# --- schema.org ---------------------------------------------------------------------------


def schema_opening_hours(
    schedule: hours.Schedule, today: date
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(openingHoursSpecification, specialOpeningHoursSpecification) for schema.org.

    Weekly rules become regular specifications (with validFrom/validThrough). What weekly
    rules cannot say — fortnightly or monthly sessions, exceptions and bank holidays over the
    next EXPORT_DAYS — becomes dated special specifications. A closed day is given as
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
    for offset in range(EXPORT_DAYS):
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


def _osm_times(opens: time, closes: time, overnight: bool) -> str:
    if overnight and opens == closes == time(0):
        return "00:00-24:00"
    return f"{_hhmm(opens)}-{_hhmm(closes)}"


def _osm_date(day: date) -> str:
    return f"{day.year} {OSM_MONTHS[day.month]} {day.day:02d}"


def osm_opening_hours(schedule: hours.Schedule, today: date) -> str:
    """The OSM `opening_hours` value for the hours in force from `today`.

    Weekly rules sharing the same times are grouped by day ("We,Th 19:00-20:00"); monthly
    rules use the nth-weekday form ("Th[1]"); fortnightly rules use ISO week parity, which
    matches the anchor except across a year with 53 ISO weeks. Upcoming dated exceptions
    follow, since later OSM rules override earlier ones.
    """
    current = [r for r in schedule.rules if r.is_valid_on(today)]
    if not current and not schedule.exceptions:
        return "off"
    if len(current) == 7 and all(
        r.is_all_day and r.recurrence == hours.Recurrence.WEEKLY for r in current
    ):
        rules = ["24/7"]
    else:
        by_times: dict[tuple[str, ...], list[int]] = {}
        for weekday in range(7):
            weekly = sorted(
                (r for r in current if r.weekday == weekday and r.recurrence == "weekly"),
                key=lambda r: r.opens,
            )
            if weekly:
                key = tuple(_osm_times(r.opens, r.closes, r.overnight) for r in weekly)
                by_times.setdefault(key, []).append(weekday)
        rules = [f"{_osm_day_ranges(days)} {','.join(times)}" for times, days in by_times.items()]
        for rule in current:
            times = _osm_times(rule.opens, rule.closes, rule.overnight)
            day = OSM_DAYS[rule.weekday]
            if rule.recurrence == hours.Recurrence.MONTHLY:
                rules.append(f"{day}[{rule.week_of_month}] {times}")
            elif rule.recurrence == hours.Recurrence.FORTNIGHTLY:
                assert rule.anchor is not None
                parity_start = 1 if rule.anchor.isocalendar().week % 2 else 2
                rules.append(f"week {parity_start:02d}-53/2 {day} {times}")
    if schedule.closed_on_bank_holidays:
        rules.append("PH off")
    horizon = today + timedelta(days=EXPORT_DAYS)
    for exc in schedule.exceptions:
        if exc.ends_on < today or exc.starts_on > horizon:
            continue
        span = _osm_date(exc.starts_on)
        if exc.ends_on != exc.starts_on:
            span += f"-{_osm_date(exc.ends_on)}"
        if exc.closed:
            rules.append(f'{span} off "{_osm_comment(exc.reason)}"')
        else:
            assert exc.opens is not None
            assert exc.closes is not None
            times = _osm_times(exc.opens, exc.closes, exc.overnight)
            rules.append(f'{span} {times} "{_osm_comment(exc.reason)}"')
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
    stamp = datetime.now(UTC)
    for session in sessions:
        event = icalendar.Event()
        event.add("uid", f"{uid_prefix}-{session.start:%Y%m%dT%H%M%SZ}")
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
