"""Opening hours: the one place that decides when a contact point is open.

Pure Python, no database: the models turn their rows into a `Schedule` and ask it.

Rules, in order of precedence for a given local date (Europe/London):

1. Dated exceptions. If any exception covers the date, the most specific ones (the
   shortest date range) replace everything else for that date: "closed" wins over
   "different hours" when both are equally specific.
2. Bank holidays (England & Wales). If the contact point closes on bank holidays and the
   date is one, it is closed.
3. Recurring rules: weekly, fortnightly (every other week, counted from an anchor date) or
   monthly ("first Thursday", "last Saturday"), each with an optional validity period.

A session belongs to the local date it starts on. It may close after midnight (`overnight`),
and "opens 00:00, closes 00:00 overnight" is a whole day. All wall-clock times are turned
into aware datetimes in Europe/London and compared in UTC, so DST changes are handled by
zoneinfo, not by arithmetic on naive times.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from core.time import LONDON, local
from core.time import at as _at

from . import bank_holidays

# How far ahead to look for the next session before saying there is none.
HORIZON_DAYS = 400
_DAYS_KEPT = 64  # days a schedule remembers (Schedule.day_hours)
# An open run longer than this is "open 24 hours".
CONTINUOUS_AFTER = timedelta(days=7)


class Recurrence(StrEnum):
    WEEKLY = "weekly"
    FORTNIGHTLY = "fortnightly"
    MONTHLY = "monthly"


LAST_WEEK = -1  # week_of_month value meaning "the last <weekday> of the month"


def bank_holiday_name(day: date) -> str | None:
    """The name of the England & Wales bank holiday on `day`, or None: GOV.UK's list
    (substitute days, never the weekend dates they replace). See bank_holidays.py."""
    return bank_holidays.name(day)


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _check_times(opens: time, closes: time, overnight: bool) -> None:
    if not overnight and closes <= opens:
        raise ValueError("closing time must be after opening time unless overnight")
    if overnight and closes > opens:
        raise ValueError("an overnight session must close no later than it opened")


@dataclass(frozen=True)
class WeeklyRule:
    """A recurring session: on `weekday` (0 = Monday) from `opens` to `closes`."""

    weekday: int
    opens: time
    closes: time
    overnight: bool = False
    recurrence: Recurrence = Recurrence.WEEKLY
    week_of_month: int | None = None  # 1–5, or LAST_WEEK; monthly rules only
    anchor: date | None = None  # a date in a week the rule runs; fortnightly rules only
    valid_from: date | None = None
    valid_until: date | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise ValueError("weekday must be 0 (Monday) to 6 (Sunday)")
        _check_times(self.opens, self.closes, self.overnight)
        if self.recurrence == Recurrence.FORTNIGHTLY and self.anchor is None:
            raise ValueError("a fortnightly rule needs an anchor date")
        if self.recurrence == Recurrence.MONTHLY and self.week_of_month not in (
            1,
            2,
            3,
            4,
            5,
            LAST_WEEK,
        ):
            raise ValueError("a monthly rule needs week_of_month 1–5 or -1 (last)")

    def is_valid_on(self, day: date) -> bool:
        return (self.valid_from is None or day >= self.valid_from) and (
            self.valid_until is None or day <= self.valid_until
        )

    def occurs_on(self, day: date) -> bool:
        if day.weekday() != self.weekday or not self.is_valid_on(day):
            return False
        if self.recurrence == Recurrence.FORTNIGHTLY:
            assert self.anchor is not None
            weeks = (_monday(day) - _monday(self.anchor)).days // 7
            return weeks % 2 == 0
        if self.recurrence == Recurrence.MONTHLY:
            if self.week_of_month == LAST_WEEK:
                return (day + timedelta(days=7)).month != day.month
            return (day.day - 1) // 7 + 1 == self.week_of_month
        return True

    def session_on(self, day: date, note: str = "") -> Session:
        return Session.for_day(day, self.opens, self.closes, self.overnight, note)

    @property
    def is_all_day(self) -> bool:
        return self.overnight and self.opens == self.closes == time(0)


@dataclass(frozen=True)
class DatedException:
    """Dates (inclusive) on which the usual hours do not apply: closed, or other hours."""

    starts_on: date
    ends_on: date
    closed: bool
    opens: time | None = None
    closes: time | None = None
    overnight: bool = False
    reason: str = ""

    def __post_init__(self) -> None:
        if self.ends_on < self.starts_on:
            raise ValueError("an exception cannot end before it starts")
        if self.closed:
            if self.opens is not None or self.closes is not None:
                raise ValueError("a closure has no opening times")
        else:
            if self.opens is None or self.closes is None:
                raise ValueError("different hours need an opening and a closing time")
            _check_times(self.opens, self.closes, self.overnight)

    def covers(self, day: date) -> bool:
        return self.starts_on <= day <= self.ends_on

    @property
    def days(self) -> int:
        return (self.ends_on - self.starts_on).days + 1


@dataclass(frozen=True, order=True)
class Session:
    """One period of opening. `start` and `end` are aware datetimes in UTC."""

    start: datetime
    end: datetime
    note: str = field(default="", compare=False)

    @classmethod
    def for_day(
        cls, day: date, opens: time, closes: time, overnight: bool, note: str = ""
    ) -> Session:
        end_day = day + timedelta(days=1) if overnight else day
        return cls(_at(day, opens), _at(end_day, closes), note)

    @property
    def local_start(self) -> datetime:
        return self.start.astimezone(LONDON)

    @property
    def local_end(self) -> datetime:
        return self.end.astimezone(LONDON)

    def contains(self, when: datetime) -> bool:
        return self.start <= when < self.end

    @property
    def is_all_day(self) -> bool:
        """Midnight to midnight, London time (23 to 25 hours long across DST)."""
        start, end = self.local_start, self.local_end
        return start.time() == end.time() == time(0) and end.date() == start.date() + timedelta(
            days=1
        )


@dataclass(frozen=True)
class DayHours:
    """What happens on one local date, for week tables."""

    day: date
    sessions: tuple[Session, ...]
    note: str = ""  # an exception's reason or a bank holiday's name
    closed_for_holiday: bool = False  # closed because it is a bank holiday


@dataclass(frozen=True)
class Status:
    """Open or closed at `at`, with what a resident needs next."""

    at: datetime
    is_open: bool
    closes_at: datetime | None = None  # end of the current open run; None if continuous
    next_session: Session | None = None  # when closed: the next opening, if any

    @property
    def continuous(self) -> bool:
        return self.is_open and self.closes_at is None

    def describe(self, *, searched: bool = False) -> str:
        """The status line residents read: "Open now until 20:00", "Closed — opens …".
        With `searched`, the moment is one the resident asked about ("open at"), not now,
        and the line says so: "Open at that time, until 15:00"."""
        now = local(self.at)
        if searched:
            return self._describe_searched(now)
        if self.is_open:
            if self.closes_at is None:
                return "Open now — open 24 hours"
            closes = local(self.closes_at)
            minutes = int((self.closes_at - self.at).total_seconds() // 60)
            when = _describe_moment(closes, now, today="{clock}")
            if minutes < 60:
                unit = "minute" if minutes == 1 else "minutes"
                return f"Open now — closes in {minutes} {unit} ({when})"
            return f"Open now until {when}"
        if self.next_session is None:
            return "Closed — no upcoming opening times"
        return f"Closed — opens {_describe_moment(self.next_session.local_start, now)}"

    def _describe_searched(self, moment: datetime) -> str:
        if self.is_open:
            if self.closes_at is None:
                return "Open at that time — open 24 hours"
            return f"Open at that time, until {_on_day_of(local(self.closes_at), moment)}"
        if self.next_session is None:
            return "Closed at that time — no later opening times"
        opens = _on_day_of(self.next_session.local_start, moment)
        return f"Closed at that time — next opens {opens}"


def _on_day_of(moment: datetime, searched: datetime) -> str:
    """'15:00' on the searched day; otherwise with its own date ('Sunday 29 November at
    09:00'): never 'today' or 'tomorrow', which would be read as from now."""
    clock = moment.strftime("%H:%M")
    if moment.date() == searched.date():
        return clock
    weekday = calendar.day_name[moment.weekday()]
    return f"{weekday} {moment.day} {calendar.month_name[moment.month]} at {clock}"


def _describe_moment(moment: datetime, now: datetime, today: str = "today at {clock}") -> str:
    """'today at 19:00', 'tomorrow at 10:00', 'Thursday at 19:00',
    'Thursday 3 December at 19:00'; `today` formats a time later the same day."""
    clock = moment.strftime("%H:%M")
    days = (moment.date() - now.date()).days
    if days == 0:
        return today.format(clock=clock)
    if days == 1:
        return f"tomorrow at {clock}"
    weekday = calendar.day_name[moment.weekday()]
    if days < 7:
        return f"{weekday} at {clock}"
    return f"{weekday} {moment.day} {calendar.month_name[moment.month]} at {clock}"


def _exception_order(exc: DatedException) -> tuple[object, ...]:
    return (exc.days, not exc.closed, exc.opens or time(0), exc.closes or time(0), exc.reason)


def _skip_vanished(sessions: list[Session], note: str) -> tuple[tuple[Session, ...], str]:
    """Drop sessions that do not happen because the clocks go forward through them
    (01:00 to 02:00 on the last Sunday of March lasts no time at all) and say so. A time
    that does not exist is read as RFC 5545 and zoneinfo read it: an hour later (01:30 is
    02:30 BST), so a session that starts in the skipped hour and ends after it is shorter."""
    kept = sorted(s for s in sessions if s.end > s.start)
    if len(kept) < len(sessions):
        skipped = "Clocks go forward at 01:00: no session between 01:00 and 02:00 today"
        note = f"{note}. {skipped}" if note else skipped
    return tuple(kept), note


@dataclass(frozen=True)
class Schedule:
    """Everything needed to answer questions about one contact point's hours."""

    rules: Sequence[WeeklyRule] = ()
    exceptions: Sequence[DatedException] = ()
    closed_on_bank_holidays: bool = True
    bank_holidays: Mapping[date, str] | None = None  # default: England & Wales
    # Days already worked out. A schedule is built once per place and data version and
    # shared by every request that shows the place (contactpoints.search keeps them), and
    # its answers depend only on its own fields, so each day is worked out once, not once
    # per question: a search's status lines, "open now" and freshness ask of the same days.
    _days: dict[date, DayHours] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )

    def _bank_holiday(self, day: date) -> str | None:
        if self.bank_holidays is not None:
            return self.bank_holidays.get(day)
        return bank_holiday_name(day)

    def day_hours(self, day: date) -> DayHours:
        found = self._days.get(day)
        if found is None:
            if len(self._days) >= _DAYS_KEPT:
                self._days.clear()  # a year's overlap check, say: keep the memo small
            found = self._days[day] = self._work_out(day)
        return found

    def _work_out(self, day: date) -> DayHours:
        # Sorted, so that which reason is shown never depends on the order the
        # database returned the rows in (SQLite and PostgreSQL sort NULLs differently).
        covering = sorted((e for e in self.exceptions if e.covers(day)), key=_exception_order)
        if covering:
            span = min(e.days for e in covering)
            specific = [e for e in covering if e.days == span]
            closures = [e for e in specific if e.closed]
            if closures:
                return DayHours(day, (), closures[0].reason or "Closed")
            reason = specific[0].reason or "Different hours"
            sessions = [
                Session.for_day(day, e.opens, e.closes, e.overnight, reason)  # type: ignore[arg-type]
                for e in specific
            ]
            return DayHours(day, *_skip_vanished(sessions, reason))
        holiday = self._bank_holiday(day)
        if holiday and self.closed_on_bank_holidays:
            return DayHours(day, (), f"Closed: {holiday} (bank holiday)", True)
        sessions = [r.session_on(day) for r in self.rules if r.occurs_on(day)]
        return DayHours(day, *_skip_vanished(sessions, holiday or ""))

    def sessions_on(self, day: date) -> tuple[Session, ...]:
        """Sessions that start on local date `day`."""
        return self.day_hours(day).sessions

    def iter_sessions(self, from_day: date, days: int = HORIZON_DAYS) -> Iterator[Session]:
        """Sessions in start order, from local date `from_day` for `days` days."""
        for offset in range(days):
            yield from self.sessions_on(from_day + timedelta(days=offset))

    def is_open_at(self, when: datetime) -> bool:
        day = local(when).date()
        return any(
            s.contains(when) for d in (day - timedelta(days=1), day) for s in self.sessions_on(d)
        )

    def next_sessions(self, after: datetime, n: int = 5) -> list[Session]:
        """The next `n` sessions that have not ended by `after` (the current one first)."""
        found: list[Session] = []
        for session in self.iter_sessions(local(after).date() - timedelta(days=1)):
            if session.end > after:
                found.append(session)
                if len(found) >= n:
                    break
        return found

    def sessions_between(self, start: datetime, end: datetime) -> list[Session]:
        """Sessions that start in [start, end)."""
        first = local(start).date()
        days = (local(end).date() - first).days + 1
        return [s for s in self.iter_sessions(first, days) if start <= s.start < end]

    def week(self, when: datetime) -> list[DayHours]:
        """Monday to Sunday of the London week containing `when`."""
        monday = _monday(local(when).date())
        return [self.day_hours(monday + timedelta(days=i)) for i in range(7)]

    def status(self, when: datetime) -> Status:
        run_end: datetime | None = None
        for session in self.iter_sessions(local(when).date() - timedelta(days=1)):
            if run_end is None:
                if session.contains(when):
                    run_end = session.end
                elif session.start > when:
                    return Status(when, is_open=False, next_session=session)
            elif session.start <= run_end:
                run_end = max(run_end, session.end)  # back-to-back or overlapping
            else:
                break
            if run_end is not None and run_end - when > CONTINUOUS_AFTER:
                return Status(when, is_open=True, closes_at=None)
        if run_end is None:
            return Status(when, is_open=False)
        return Status(when, is_open=True, closes_at=run_end)

    def rules_valid_on(self, day: date) -> list[WeeklyRule]:
        """The recurring rules in force on `day` (or starting later), for display."""
        return sorted(
            (r for r in self.rules if r.valid_until is None or r.valid_until >= day),
            key=lambda r: (r.valid_from or date.min, r.weekday, r.opens),
        )


_ORDINALS = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth", LAST_WEEK: "last"}


def format_date(day: date) -> str:
    return f"{day.day} {calendar.month_name[day.month]} {day.year}"


def describe_times(opens: time, closes: time, overnight: bool) -> str:
    if overnight and opens == closes == time(0):
        return "open 24 hours"
    text = f"{opens:%H:%M} to {closes:%H:%M}"
    return f"{text} (next day)" if overnight else text


def describe_rule(rule: WeeklyRule) -> str:
    """'Every Wednesday, 19:00 to 20:00', 'First Thursday of the month, …'."""
    day = calendar.day_name[rule.weekday]
    if rule.recurrence == Recurrence.FORTNIGHTLY:
        assert rule.anchor is not None
        when = f"Every other {day} (including the week of {format_date(rule.anchor)})"
    elif rule.recurrence == Recurrence.MONTHLY:
        assert rule.week_of_month is not None
        when = f"{_ORDINALS[rule.week_of_month].capitalize()} {day} of the month"
    else:
        when = f"Every {day}"
    text = f"{when}, {describe_times(rule.opens, rule.closes, rule.overnight)}"
    if rule.valid_from:
        text += f", from {format_date(rule.valid_from)}"
    if rule.valid_until:
        text += f", until {format_date(rule.valid_until)}"
    return text


# How far ahead the overlap check looks: a year and a bit, so that clashes that happen
# only in some months (a fifth Thursday) or some fortnights are found.
OVERLAP_DAYS = 400


def describe_rules(rules: Sequence[WeeklyRule]) -> list[str]:
    """Like describe_rule for each rule, but weekly rules with the same times and dates
    on consecutive days are said once: 'Monday to Friday, 10:00 to 22:00'."""
    lines: list[str] = []
    groups: dict[tuple[object, ...], list[WeeklyRule]] = {}
    for rule in rules:
        if rule.recurrence != Recurrence.WEEKLY:
            continue
        key = (rule.opens, rule.closes, rule.overnight, rule.valid_from, rule.valid_until)
        groups.setdefault(key, []).append(rule)
    said: set[int] = set()
    for rule in rules:
        if id(rule) in said:
            continue
        if rule.recurrence != Recurrence.WEEKLY:
            lines.append(describe_rule(rule))
            continue
        group = groups[(rule.opens, rule.closes, rule.overnight, rule.valid_from, rule.valid_until)]
        said.update(id(r) for r in group)
        days = sorted({r.weekday for r in group})
        runs: list[list[int]] = []
        for day in days:
            if runs and day == runs[-1][-1] + 1:
                runs[-1].append(day)
            else:
                runs.append([day])
        names = []
        for run in runs:
            if len(run) == 2:
                names += [calendar.day_name[d] for d in run]
            elif len(run) == 1:
                names.append(calendar.day_name[run[0]])
            else:
                names.append(f"{calendar.day_name[run[0]]} to {calendar.day_name[run[-1]]}")
        if len(days) == 7:
            when = "Every day"
        elif len(names) == 1 and len(days) == 1:
            when = f"Every {names[0]}"
        else:
            when = ", ".join(names[:-1]) + (" and " if len(names) > 1 else "") + names[-1]
        text = f"{when}, {describe_times(rule.opens, rule.closes, rule.overnight)}"
        if rule.valid_from:
            text += f", from {format_date(rule.valid_from)}"
        if rule.valid_until:
            text += f", until {format_date(rule.valid_until)}"
        lines.append(text)
    return lines


def find_overlaps(
    rules: Sequence[WeeklyRule], today: date | None = None
) -> list[tuple[WeeklyRule, WeeklyRule]]:
    """Pairs of rules that would be open at the same moment on some date in the
    OVERLAP_DAYS from `today` (or from when both are valid), sessions past midnight
    included (a Wednesday 22:00–02:00 clashes with a Thursday 01:00 session)."""
    start_day = today or datetime.now(LONDON).date()
    clashes = []
    for i, first in enumerate(rules):
        for second in rules[i + 1 :]:
            start = max(start_day, first.valid_from or date.min, second.valid_from or date.min)
            end = min(
                first.valid_until or date.max,
                second.valid_until or date.max,
                start + timedelta(days=OVERLAP_DAYS),
            )
            if end < start or not _days_touch(first, second):
                continue
            if _sessions_clash(first, second, start, end):
                clashes.append((first, second))
    return clashes


def _days_touch(first: WeeklyRule, second: WeeklyRule) -> bool:
    """Whether the two can ever meet: the same weekday, or one runs past midnight into
    the other's day."""
    if first.weekday == second.weekday:
        return True
    return (first.overnight and (first.weekday + 1) % 7 == second.weekday) or (
        second.overnight and (second.weekday + 1) % 7 == first.weekday
    )


def _sessions_clash(first: WeeklyRule, second: WeeklyRule, start: date, end: date) -> bool:
    days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
    ours = [first.session_on(d) for d in days if first.occurs_on(d)]
    theirs = [second.session_on(d) for d in days if second.occurs_on(d)]
    j = 0
    for session in ours:
        while j < len(theirs) and theirs[j].end <= session.start:
            j += 1
        if j < len(theirs) and theirs[j].start < session.end:
            return True
    return False
