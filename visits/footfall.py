"""Importing paper footfall sheets (CSV): every row checked first, then all or nothing.

Each row becomes one visit whose idempotency key is derived from the row's content and
how many identical rows came before it in the file, so uploading the same sheet again
records nothing twice, while two genuinely identical visits on one sheet both count.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import transaction

from contactpoints.hours import LONDON
from contactpoints.models import ContactPoint
from users.models import User

from . import services
from .models import (
    HeardVia,
    Outcome,
    PrivateRoom,
    Purpose,
    SessionState,
    Source,
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

TEMPLATE = (
    ",".join(COLUMNS)
    + "\n"
    + "beethoven-centre-contact-point,2026-11-25,19:10,report_crime,used,poster,crime_report,no\n"
    + "beethoven-centre-contact-point,2026-11-25,19:40,advice,,,,\n"
)


@dataclass
class RowError:
    row: int  # as a spreadsheet numbers it: the header is row 1
    column: str
    message: str


@dataclass
class Result:
    errors: list[RowError] = field(default_factory=list)
    created: int = 0
    already_imported: int = 0
    rows: int = 0


def _choice(value: str, choices: Any, column: str, default: str | None) -> str:
    text = value.strip()
    if not text:
        if default is None:
            raise ValueError("is required")
        return default
    for choice in choices:
        if text.lower() in (choice.value, choice.label.lower()):
            return str(choice.value)
    allowed = ", ".join(c.value for c in choices)
    raise ValueError(f"“{text}” is not one of: {allowed}")


def _parse_row(
    raw: dict[str, str], contact_points: dict[str, ContactPoint], user: User
) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    errors: list[tuple[str, str]] = []
    values: dict[str, Any] = {}
    slug = (raw.get("contact_point") or "").strip()
    cp = contact_points.get(slug)
    if not slug:
        errors.append(("contact_point", "is required"))
    elif cp is None:
        errors.append(("contact_point", f"no contact point is called “{slug}”"))
    elif not services.can_record(user, cp):
        errors.append(("contact_point", f"you are not assigned to “{slug}”"))
    values["contact_point"] = cp
    try:
        day = date.fromisoformat((raw.get("date") or "").strip())
        arrived = time.fromisoformat((raw.get("arrived") or "").strip())
        values["arrived_at"] = datetime.combine(day, arrived, tzinfo=LONDON)
    except ValueError:
        errors.append(("date", "give the date as YYYY-MM-DD and the time as HH:MM"))
    for column, choices, default in (
        ("purpose", Purpose, None),
        ("private_room", PrivateRoom, PrivateRoom.NOT_NEEDED),
        ("heard_via", HeardVia, HeardVia.NOT_ASKED),
        ("outcome", Outcome, Outcome.NOT_RECORDED),
    ):
        try:
            values[column] = _choice(raw.get(column) or "", choices, column, default)
        except ValueError as error:
            errors.append((column, str(error)))
    language = (raw.get("language_assistance") or "").strip().lower()
    if language not in ("", "yes", "no", "y", "n", "true", "false"):
        errors.append(("language_assistance", "use yes or no"))
    values["language_assistance"] = language in ("yes", "y", "true")
    return values, errors


def _held_sessions(parsed: list[tuple[int, dict[str, Any], uuid.UUID]]) -> list[StaffedSession]:
    """The held sessions that the sheet's visits can belong to, in one query."""
    if not parsed:
        return []
    times = [values["arrived_at"] for _n, values, _k in parsed]
    return list(
        StaffedSession.objects.filter(
            state=SessionState.HELD,
            contact_point__in={values["contact_point"].pk for _n, values, _k in parsed},
            actual_start__lte=max(times),
            scheduled_end__gte=min(times) - timedelta(days=1),
        )
    )


def _session_at(sessions: list[StaffedSession], values: dict[str, Any]) -> StaffedSession | None:
    """A paper visit belongs to a session that was held at that time: between its start and
    its end (or its advertised end, when no end was recorded)."""
    when = values["arrived_at"]
    for session in sessions:
        assert session.actual_start is not None  # held
        end = session.actual_end or session.scheduled_end
        if session.contact_point_id == values["contact_point"].pk and (
            session.actual_start <= when <= end
        ):
            return session
    return None


def footfall_import(*, content: bytes, user: User) -> Result:
    """Check every row; import them all only if none has an error."""
    result = Result()
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        result.errors.append(RowError(1, "file", "save the sheet as CSV (UTF-8) and try again"))
        return result
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = REQUIRED - set(header)
    if missing:
        result.errors.append(
            RowError(
                1,
                "header",
                f"missing columns: {', '.join(sorted(missing))}. "
                "Download the template for the expected columns.",
            )
        )
        return result
    contact_points = {cp.slug: cp for cp in ContactPoint.objects.all()}
    parsed: list[tuple[int, dict[str, Any], uuid.UUID]] = []
    seen: Counter[str] = Counter()
    for number, raw in enumerate(reader, start=2):
        raw = {(k or "").strip(): (v or "") for k, v in raw.items()}
        if not any(value.strip() for value in raw.values()):
            continue  # blank lines at the end of a sheet
        result.rows += 1
        if result.rows > MAX_ROWS:
            result.errors.append(RowError(number, "file", f"at most {MAX_ROWS} rows per upload"))
            break
        values, errors = _parse_row(raw, contact_points, user)
        result.errors += [RowError(number, column, message) for column, message in errors]
        if not errors:
            signature = "|".join(
                [values["contact_point"].slug, values["arrived_at"].isoformat()]
                + [str(values[c]) for c in COLUMNS[3:]]
            )
            seen[signature] += 1
            key = uuid.uuid5(NAMESPACE, f"{signature}|{seen[signature]}")
            parsed.append((number, values, key))
    if result.errors:
        return result
    sessions = _held_sessions(parsed)
    for number, values, _key in parsed:
        values["session"] = _session_at(sessions, values)
        if values["session"] is None:
            result.errors.append(
                RowError(
                    number,
                    "arrived",
                    "no session was held at this contact point at that time: check the date "
                    "and time, or record the session as held first",
                )
            )
    if result.errors:
        return result
    with transaction.atomic():
        for _number, values, key in parsed:
            session = values["session"]
            logged = services.visit_log(
                user=user,
                idempotency_key=key,
                session=session,
                contact_point=values["contact_point"],
                arrived_at=values["arrived_at"],
                purpose=values["purpose"],
                private_room=values["private_room"],
                heard_via=values["heard_via"],
                outcome=values["outcome"],
                language_assistance=values["language_assistance"],
                source=Source.IMPORT,
            )
            if logged.created:
                result.created += 1
            else:
                result.already_imported += 1
    return result
