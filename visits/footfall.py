"""Importing paper footfall sheets (CSV): every cell checked first, then all rows or none.

Each row becomes one visit whose idempotency key is derived from the row's content and
how many identical rows came before it in the file, so uploading the same sheet again
records nothing twice (whichever date format it uses), while two genuinely identical
visits on one sheet both count.

Checking reads the database a handful of times whatever the sheet's length (contact
points, the user's assignments, the held sessions in the sheet's span); importing is one
short transaction of bulk inserts and one recount per contact point and day, so a sheet of
10,000 rows takes seconds and other officers' taps wait at most that long (see
docs/decisions/0010-offline-counter-and-sign-in.md for SQLite's part).
"""

from __future__ import annotations

import bisect
import csv
import io
import re
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db import IntegrityError
from django.db.models import TextChoices
from django.utils import timezone

from contactpoints.models import ContactPoint
from core.time import LONDON, local
from users.models import User

from . import services
from .models import (
    Assignment,
    HeardVia,
    Outcome,
    PrivateRoom,
    Purpose,
    SessionState,
    StaffedSession,
)

COLUMNS = [
    "contact_point",
    "date",
    "arrived",
    "purpose",
    "private_room",
    "heard_via",
    "outcome",
    "language_assistance",
]
REQUIRED = {"contact_point", "date", "arrived", "purpose"}
NAMESPACE = uuid.UUID("6b1d7c1e-6f0b-4d59-9a3a-2f7c3e0a9b11")
MAX_ROWS = 10_000
MAX_CELL = 200  # characters: no real cell is longer (names are the longest)
EARLIEST = date(2000, 1, 1)
# The coded columns: what each accepts (the code or its label, in any case).
CODES: dict[str, type[TextChoices]] = {
    "purpose": Purpose,
    "private_room": PrivateRoom,
    "heard_via": HeardVia,
    "outcome": Outcome,
}
DEFAULTS = {
    "private_room": PrivateRoom.NOT_NEEDED,
    "heard_via": HeardVia.NOT_ASKED,
    "outcome": Outcome.NOT_RECORDED,
}
LANGUAGE = {
    "": False,
    "yes": True,
    "y": True,
    "true": True,
    "no": False,
    "n": False,
    "false": False,
}


def _template() -> str:
    """The template: the header, two example rows, then every code each column accepts as
    comment rows (a row whose first cell starts with # is skipped on import)."""
    lines = [
        ",".join(COLUMNS),
        "beethoven-centre-contact-point,25/11/2026,19:10,report_crime,used,poster,crime_report,no",
        "Beethoven Centre contact point,2026-11-25,19:40,advice,,,,",
        "# contact_point: the contact point's name or its web address name (slug)",
        "# date: 25/11/2026 or 2026-11-25; arrived: 24-hour London time such as 19:10",
    ]
    for column, choices in CODES.items():
        codes = "; ".join(f"{c.value} ({c.label})" for c in choices)
        lines.append(f'"# {column}: {codes}"')
    lines.append("# language_assistance: yes or no")
    return "\n".join(lines) + "\n"


TEMPLATE = _template()


@dataclass
class RowError:
    row: int  # as a spreadsheet numbers it: the header is row 1
    column: str
    message: str


@dataclass
class Place:
    """What the sheet adds at one contact point."""

    name: str
    visits: int = 0
    first: date | None = None
    last: date | None = None


@dataclass
class Result:
    errors: list[RowError] = field(default_factory=list)
    rows: int = 0
    new: int = 0  # rows that will be (or were) added
    already_imported: int = 0
    created: int = 0
    places: list[Place] = field(default_factory=list)


@dataclass
class _Row:
    number: int
    values: dict[str, Any]
    key: uuid.UUID
    session: StaffedSession | None = None


_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_UK_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")


def _date(text: str, today: date) -> date:
    iso, uk = _ISO_DATE.match(text), _UK_DATE.match(text)
    if not (iso or uk):
        raise ValueError("give the date as 25/11/2026 or 2026-11-25")
    year, month, day = (
        (int(iso[1]), int(iso[2]), int(iso[3])) if iso else (int(uk[3]), int(uk[2]), int(uk[1]))  # type: ignore[index]
    )
    try:
        parsed = date(year, month, day)
    except ValueError:
        raise ValueError(f"“{text}” is not a date in the calendar") from None
    if not EARLIEST <= parsed <= today:
        raise ValueError(f"give a date from {EARLIEST:%d/%m/%Y} to today ({today:%d/%m/%Y})")
    return parsed


def _arrival(day: date, text: str) -> datetime:
    match = _TIME.match(text)
    if not match or int(match[1]) > 23 or int(match[2]) > 59 or int(match[3] or 0) > 59:
        raise ValueError("give the time as 24-hour HH:MM, such as 19:10")
    wall = datetime.combine(day, time(int(match[1]), int(match[2]), int(match[3] or 0)))
    when = wall.replace(tzinfo=LONDON)
    if when.astimezone(UTC).astimezone(LONDON).replace(tzinfo=None) != wall:
        raise ValueError(
            f"{text} did not happen on {day:%d/%m/%Y}: the clocks went forward an hour then"
        )
    return when  # in the hour the clocks go back, the first (summer time) 01:30


def _choice(text: str, choices: type[TextChoices], default: str | None) -> str:
    if not text:
        if default is None:
            raise ValueError("is required")
        return default
    lowered = text.lower()
    for choice in choices:
        if lowered in (choice.value, choice.label.lower()):
            return str(choice.value)
    allowed = ", ".join(c.value for c in choices)
    raise ValueError(f"“{text}” is not one of: {allowed}")


class _Places:
    """Contact points by slug or by name (any case, spacing ignored), and which of them
    the user may record for: two queries for the whole sheet."""

    def __init__(self, user: User) -> None:
        self.by_slug: dict[str, ContactPoint] = {}
        self.by_name: dict[str, list[ContactPoint]] = defaultdict(list)
        for cp in ContactPoint.objects.only("pk", "slug", "name"):
            self.by_slug[cp.slug] = cp
            self.by_name[self._normal(cp.name)].append(cp)
        # services.can_record's rule, for every contact point at once.
        records = user.is_active and user.has_perm("visits.add_visit")
        if records and user.has_perm("visits.view_all_contact_points"):
            self.allowed = {cp.pk for cp in self.by_slug.values()}
        elif records:
            self.allowed = set(
                Assignment.objects.filter(officer=user).values_list("contact_point_id", flat=True)
            )
        else:
            self.allowed = set()

    @staticmethod
    def _normal(text: str) -> str:
        return " ".join(text.lower().split())

    def find(self, text: str) -> ContactPoint:
        if not text:
            raise ValueError("is required")
        cp = self.by_slug.get(text.lower())
        if cp is None:
            named = self.by_name.get(self._normal(text), [])
            if len(named) > 1:
                raise ValueError(f"more than one contact point is called “{text}”: use its slug")
            if not named:
                raise ValueError(f"no contact point is called “{text}”")
            cp = named[0]
        if cp.pk not in self.allowed:
            raise ValueError(f"you are not assigned to “{text}”")
        return cp


def _parse_row(
    raw: dict[str, str], places: _Places, today: date, now: datetime
) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    errors: list[tuple[str, str]] = []
    long = [column for column, value in raw.items() if len(value) > MAX_CELL]
    if long:
        return {}, [(column, f"is longer than {MAX_CELL} characters") for column in long]
    cells = {column: (raw.get(column) or "").strip() for column in COLUMNS}
    values: dict[str, Any] = {}
    try:
        values["contact_point"] = places.find(cells["contact_point"])
    except ValueError as error:
        errors.append(("contact_point", str(error)))
    try:
        day = _date(cells["date"], today)
        try:
            values["arrived_at"] = _arrival(day, cells["arrived"])
            if values["arrived_at"] > now:
                errors.append(("arrived", "is later than now"))
        except ValueError as error:
            errors.append(("arrived", str(error)))
    except ValueError as error:
        errors.append(("date", str(error)))
    for column, choices in CODES.items():
        try:
            values[column] = _choice(cells[column], choices, DEFAULTS.get(column))
        except ValueError as error:
            errors.append((column, str(error)))
    language = cells["language_assistance"].lower()
    if language not in LANGUAGE:
        errors.append(("language_assistance", "use yes or no"))
    values["language_assistance"] = LANGUAGE.get(language, False)
    return values, errors


class _Sessions:
    """The held sessions the sheet's visits can belong to: one query, then a search by
    start time per row."""

    def __init__(self, rows: list[_Row]) -> None:
        self.by_place: dict[int, list[StaffedSession]] = defaultdict(list)
        if not rows:
            return
        times = [row.values["arrived_at"] for row in rows]
        for session in StaffedSession.objects.filter(
            state=SessionState.HELD,
            contact_point__in={row.values["contact_point"].pk for row in rows},
            actual_start__lte=max(times),
            scheduled_end__gte=min(times) - timedelta(days=1),
        ).order_by("actual_start"):
            self.by_place[session.contact_point_id].append(session)
        self.starts = {
            cp: [s.actual_start for s in sessions] for cp, sessions in self.by_place.items()
        }

    def at(self, values: dict[str, Any]) -> StaffedSession | None:
        """A paper visit belongs to a session held at that time: between its start and its
        end (or its advertised end, when no end was recorded)."""
        cp, when = values["contact_point"].pk, values["arrived_at"]
        sessions = self.by_place.get(cp, [])
        index = bisect.bisect_right(self.starts.get(cp, []), when)
        for session in reversed(sessions[max(0, index - 3) : index]):
            if when <= (session.actual_end or session.scheduled_end):
                return session
        return None


def _read(content: bytes, user: User, result: Result) -> list[_Row]:
    """Check every cell; the rows ready to import when `result.errors` stays empty."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        result.errors.append(RowError(1, "file", "save the sheet as CSV (UTF-8) and try again"))
        return []
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        header = [(h or "").strip().lower() for h in (reader.fieldnames or [])]
    except csv.Error as error:
        result.errors.append(RowError(1, "file", f"the first row could not be read ({error})"))
        return []
    reader.fieldnames = header
    missing = REQUIRED - set(header)
    # Only the template's columns: a sheet with names, addresses or dates of birth beside
    # the counts is refused whole, so that no personal data is ever read in.
    unknown = [h or "(a column with no name)" for h in header if h not in COLUMNS]
    if missing or unknown:
        problems = []
        if missing:
            problems.append(f"missing columns: {', '.join(sorted(missing))}")
        if unknown:
            problems.append(
                f"columns this import does not take: {', '.join(unknown)} (remove them: a "
                "footfall sheet holds counts, never anything about the visitor as a person)"
            )
        result.errors.append(
            RowError(
                1,
                "header",
                "; ".join(problems) + ". Download the template for the expected columns.",
            )
        )
        return []
    places = _Places(user)
    now = timezone.now()
    today = local(now).date()
    rows: list[_Row] = []
    seen: Counter[str] = Counter()
    number = 1
    try:
        for raw in reader:
            number = reader.line_num
            if raw.get(None):  # type: ignore[call-overload]
                result.errors.append(
                    RowError(number, "file", "more cells than the header has columns")
                )
                continue
            cells = {(k or ""): (v or "") for k, v in raw.items() if not isinstance(v, list)}
            if not any(value.strip() for value in cells.values()):
                continue  # blank lines at the end of a sheet
            if next(iter(cells.values()), "").lstrip().startswith("#"):
                continue  # notes, such as the template's list of codes
            result.rows += 1
            if result.rows > MAX_ROWS:
                result.errors.append(
                    RowError(number, "file", f"at most {MAX_ROWS:,} rows per upload: split it")
                )
                return []
            values, errors = _parse_row(cells, places, today, now)
            result.errors += [RowError(number, column, message) for column, message in errors]
            if errors:
                continue
            signature = "|".join(
                [values["contact_point"].slug, values["arrived_at"].isoformat()]
                + [str(values[c]) for c in COLUMNS[3:]]
            )
            seen[signature] += 1
            rows.append(
                _Row(number, values, uuid.uuid5(NAMESPACE, f"{signature}|{seen[signature]}"))
            )
    except csv.Error as error:
        result.errors.append(
            RowError(reader.line_num, "file", f"this row could not be read ({error})")
        )
    if result.errors:
        return []
    sessions = _Sessions(rows)
    for row in rows:
        row.session = sessions.at(row.values)
        if row.session is None:
            result.errors.append(
                RowError(
                    row.number,
                    "arrived",
                    "no session was held at this contact point at that time: check the date "
                    "and time, or record the session as held first",
                )
            )
    return [] if result.errors else rows


def _plan(rows: list[_Row], result: Result) -> list[_Row]:
    """The rows not imported before, and what they add at each contact point."""
    known = services.visits_known([row.key for row in rows])
    new = [row for row in rows if row.key not in known]
    result.new, result.already_imported = len(new), len(rows) - len(new)
    places: dict[int, Place] = {}
    for row in new:
        cp, day = row.values["contact_point"], local(row.values["arrived_at"]).date()
        place = places.setdefault(cp.pk, Place(cp.name))
        place.visits += 1
        place.first = min(place.first or day, day)
        place.last = max(place.last or day, day)
    result.places = sorted(places.values(), key=lambda p: p.name)
    return new


def footfall_check(*, content: bytes, user: User) -> Result:
    """Check the sheet and say what importing it would add; nothing is written."""
    result = Result()
    rows = _read(content, user, result)
    if not result.errors:
        _plan(rows, result)
    return result


def footfall_import(*, content: bytes, user: User) -> Result:
    """Check every row (again: the data may have changed since the check); import them
    all only if none has an error."""
    result = Result()
    rows = _read(content, user, result)
    if result.errors:
        return result
    new = _plan(rows, result)
    try:
        result.created = services.visits_bulk_log(
            user=user,
            visits=[
                {**row.values, "session": row.session, "idempotency_key": row.key} for row in new
            ],
        )
    except IntegrityError:  # the same rows, imported by someone else this very moment
        result.errors.append(
            RowError(
                1,
                "file",
                "this sheet is being imported by someone else: check the "
                "usage pages in a minute, or upload it again (nothing is added twice)",
            )
        )
        return result
    result.already_imported += result.new - result.created
    return result
