"""Time as the service keeps it: instants are aware datetimes (UTC in the database) and
people read them in London. One place for the zone, local days and calendar months."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")

# The years a date typed or sent by anyone may fall in. Far beyond any data we hold, and far
# enough inside Python's years 1 to 9999 that a month or a week either side never leaves them.
EARLIEST_YEAR, LATEST_YEAR = 1900, 2199
YEARS_ALLOWED = f"between {EARLIEST_YEAR} and {LATEST_YEAR}"


def plausible(day: date) -> bool:
    return EARLIEST_YEAR <= day.year <= LATEST_YEAR


def local(when: datetime) -> datetime:
    """`when` in London time. Naive datetimes are refused: they are a bug upstream."""
    if when.tzinfo is None:
        raise ValueError("naive datetime: pass an aware datetime")
    return when.astimezone(LONDON)


def at(day: date, moment: time) -> datetime:
    """The instant (UTC) at which London clocks show `moment` on `day`."""
    return datetime.combine(day, moment, tzinfo=LONDON).astimezone(UTC)


def midnight(day: date) -> datetime:
    """The instant (UTC) at which London day `day` begins."""
    return at(day, time(0))


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(month: date) -> date:
    return date(month.year + (month.month == 12), month.month % 12 + 1, 1)


def previous_month(month: date) -> date:
    return date(month.year - (month.month == 1), (month.month - 2) % 12 + 1, 1)


def months_from(month: date, n: int) -> date:
    """The first of the month n months after (or before, when negative) `month`'s."""
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)
