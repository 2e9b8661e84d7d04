"""The daily roll-up of the visits (`UsageDay`), kept in step inside each writer's
transaction, and the notes that a released month changed (`UsageRevisionDue`).

`visits.services` records visits and sessions and knows nothing of figures: it tells the
modules named in `settings.VISIT_LISTENERS` — this one — what changed, inside its own
transaction (`visits.hooks`). A counted visit adds one to its day's row: to the visits,
to one category of each family and to its hour, in one UPDATE that holds the row's lock
until the writer commits, so concurrent officers queue behind each other and nothing is
counted twice or lost (no recount per tap). A visit that stops counting takes one away; a
visit whose details change moves from its old categories to its new ones.

`usage_rebuild` counts everything again from the visits; `usage_verify` compares (both
through `manage.py verify_usage`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import ExtractHour, TruncDate

from core.time import LONDON, local, midnight
from visits import services as visit_services
from visits.models import StaffedSession, Visit

from .models import FAMILIES, HOURS, TALLIES, UsageDay, UsageMonth, UsageRelease, UsageRevisionDue

# The fields of a visit the roll-up counts by (besides the time it arrived).
COUNTED_FIELDS = [field for field, _choices in FAMILIES.values()]


def columns_of(categories: dict[str, Any], arrived_at: datetime) -> list[str]:
    """The roll-up columns one visit counts in: the visits, one category per family, its
    London hour."""
    families = [f"{prefix}_{categories[field]}" for prefix, (field, _c) in FAMILIES.items()]
    return ["visits", *families, HOURS[local(arrived_at).hour]]


COLUMNS = ["visits", *TALLIES, *HOURS]


def _add(contact_point_id: int, day: date, columns: list[str], sign: int) -> None:
    """Add `sign` to each of `columns` of one day's row."""
    counts: dict[str, int] = {}
    for column in columns:
        counts[column] = counts.get(column, 0) + sign
    _add_many({(contact_point_id, day): counts})


def _add_many(increments: dict[tuple[int, date], dict[str, int]]) -> None:
    """Add each day's counts to its row, which holds the row's lock until the writer
    commits, so concurrent writers queue and none is lost. A day only counted up (nearly
    every write: a tap) is one upsert; a day counted down (a visit withdrawn or moved) is
    an UPDATE of its row, made first if need be: an upsert's proposed row would carry the
    negative counts, which the columns' checks refuse before the conflict is seen."""
    quote = connection.ops.quote_name
    table = quote(UsageDay._meta.db_table)
    keys = f"{quote('contact_point_id')}, {quote('day')}"
    names = ", ".join(quote(c) for c in COLUMNS)
    upsert = (
        f"INSERT INTO {table} ({keys}, {names}) "  # noqa: S608 (our own names, quoted)
        f"VALUES (%s, %s{', %s' * len(COLUMNS)}) ON CONFLICT ({keys}) DO UPDATE SET "
        + ", ".join(f"{quote(c)} = {table}.{quote(c)} + EXCLUDED.{quote(c)}" for c in COLUMNS)
    )
    make = (
        f"INSERT INTO {table} ({keys}, {names}) "  # noqa: S608 (our own names, quoted)
        f"VALUES (%s, %s{', 0' * len(COLUMNS)}) ON CONFLICT ({keys}) DO NOTHING"
    )
    add = (
        f"UPDATE {table} SET "  # noqa: S608 (our own names, quoted)
        + ", ".join(f"{quote(c)} = {quote(c)} + %s" for c in COLUMNS)
        + f" WHERE {quote('contact_point_id')} = %s AND {quote('day')} = %s"
    )
    days = sorted(increments)
    up = [day for day in days if min(increments[day].values(), default=0) >= 0]
    down = [day for day in days if day not in up]
    with connection.cursor() as cursor:
        if up:
            cursor.executemany(
                upsert, [[*day, *(increments[day].get(c, 0) for c in COLUMNS)] for day in up]
            )
        if down:
            cursor.executemany(make, down)
            cursor.executemany(
                add, [[*(increments[day].get(c, 0) for c in COLUMNS), *day] for day in down]
            )


def visit_counted(*, visit: Visit, sign: int) -> None:
    """`visit` starts counting (+1: logged) or stops (−1: withdrawn). In the writer's
    transaction."""
    categories = {field: getattr(visit, field) for field in COUNTED_FIELDS}
    day = local(visit.arrived_at).date()
    _add(visit.contact_point_id, day, columns_of(categories, visit.arrived_at), sign)
    _note_if_released(visit.contact_point_id, visit.arrived_at)


def visit_changed(*, before: dict[str, Any], visit: Visit) -> None:
    """A counted visit's details changed (`before`: its counted fields as they were)."""
    day = local(visit.arrived_at).date()
    old = columns_of(before, visit.arrived_at)
    new = columns_of({field: getattr(visit, field) for field in COUNTED_FIELDS}, visit.arrived_at)
    moved = [c for c in old if c not in new], [c for c in new if c not in old]
    if moved[0] or moved[1]:
        _add(visit.contact_point_id, day, moved[0], -1)
        _add(visit.contact_point_id, day, moved[1], +1)
        _note_if_released(visit.contact_point_id, visit.arrived_at)


def visits_counted(*, visits: list[Visit]) -> None:
    """Many visits start counting at once (an imported sheet, a history loaded): one
    upsert per contact point and day."""
    increments: dict[tuple[int, date], dict[str, int]] = {}
    for visit in visits:
        categories = {field: getattr(visit, field) for field in COUNTED_FIELDS}
        counts = increments.setdefault((visit.contact_point_id, local(visit.arrived_at).date()), {})
        for column in columns_of(categories, visit.arrived_at):
            counts[column] = counts.get(column, 0) + 1
    _add_many(increments)
    released = set(UsageRelease.objects.values_list("month", flat=True))
    _note_revisions_due(
        [(cp, day.replace(day=1)) for cp, day in increments if day.replace(day=1) in released]
    )


def sessions_changed(*, sessions: list[StaffedSession]) -> None:
    """Many sessions written at once (a history loaded)."""
    released = set(UsageRelease.objects.values_list("month", flat=True))
    months = {
        (s.contact_point_id, local(s.scheduled_start).date().replace(day=1)) for s in sessions
    }
    _note_revisions_due([(cp, month) for cp, month in months if month in released])


def session_changed(*, session: StaffedSession) -> None:
    """A session was scheduled, started, ended, cancelled or corrected."""
    _note_if_released(session.contact_point_id, session.scheduled_start)


# --- Released months that changed ------------------------------------------------------


def _released(month: date) -> bool:
    return UsageRelease.objects.filter(month=month).exists()


def month_released(*, when: datetime) -> bool:
    """Asked by the counter: is the month of `when` published? Then only a manager's
    correction may change it (visits.services.OFFLINE_GRACE)."""
    return _released(local(when).date().replace(day=1))


def _note_if_released(contact_point_id: int, when: datetime) -> None:
    """A change to a month already released: noted, and its published figures are revised
    when that is safe (publishing.release)."""
    month = local(when).date().replace(day=1)
    if _released(month):
        _note_revisions_due([(contact_point_id, month)])


def _note_revisions_due(months: list[tuple[int, date]]) -> None:
    """Note (contact point, month) pairs as due for revision: one upsert each."""
    if not months:
        return
    quote = connection.ops.quote_name
    table = quote(UsageRevisionDue._meta.db_table)
    marks = quote("marks")
    sql = (
        f"INSERT INTO {table} ({quote('contact_point_id')}, {quote('month')}, {marks}) "  # noqa: S608 (our own names, quoted)
        f"VALUES (%s, %s, 1) ON CONFLICT ({quote('contact_point_id')}, {quote('month')}) "
        f"DO UPDATE SET {marks} = {table}.{marks} + 1"
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, sorted(set(months)))


# --- Counting everything again ---------------------------------------------------------


def _rollup_rows() -> QuerySet[Visit, dict[str, Any]]:
    """Every day's counts, straight from the visits, in the database."""
    columns = {
        column: Count("pk", filter=Q(**{field: value}))
        for column, (field, value) in TALLIES.items()
    } | {column: Count("pk", filter=Q(hour=h)) for h, column in enumerate(HOURS)}
    return (
        Visit.objects.counted()
        .annotate(hour=ExtractHour("arrived_at", tzinfo=LONDON))
        .annotate(day=TruncDate("arrived_at", tzinfo=LONDON))
        .values("contact_point", "day")
        .annotate(count=Count("pk"), **columns)
        .order_by("contact_point", "day")
    )


@transaction.atomic
def usage_rebuild() -> int:
    """Rebuild the roll-up and every session's visit count from the visits (after bulk
    loads, or to mend a difference `usage_verify` found). Released months are noted for
    revision. Returns the number of days."""
    UsageDay.objects.all().delete()
    columns = [*TALLIES, *HOURS]
    created = UsageDay.objects.bulk_create(
        (
            UsageDay(
                contact_point_id=row["contact_point"],
                day=row["day"],
                visits=row["count"],
                **{column: row[column] for column in columns},
            )
            for row in _rollup_rows().iterator(chunk_size=5000)
        ),
        batch_size=2000,
    )
    visit_services.sessions_recount()
    _note_released_for_revision()
    return len(created)


def _note_released_for_revision() -> None:
    """After a bulk change, every released month with figures is checked again on the next
    release."""
    released = list(UsageRelease.objects.values_list("month", flat=True))
    if not released:
        return
    months = set(released)
    touched = set(UsageMonth.objects.current().values_list("contact_point_id", "month"))
    touched |= {
        (cp, day.replace(day=1))
        for cp, day in UsageDay.objects.filter(day__gte=min(released)).values_list(
            "contact_point_id", "day"
        )
    } | {
        (cp, local(start).date().replace(day=1))
        for cp, start in StaffedSession.objects.filter(
            scheduled_start__gte=midnight(min(released))
        ).values_list("contact_point_id", "scheduled_start")
    }
    _note_revisions_due([(cp, month) for cp, month in touched if month in months])


@dataclass(frozen=True)
class Drift:
    """A difference between the roll-up and the visits it counts."""

    what: str
    key: str
    stored: dict[str, int]
    counted: dict[str, int]


def usage_verify() -> list[Drift]:
    """Compare the roll-up (every day, every column) and every session's visit count with
    the visits themselves. An empty list means no drift."""
    columns = ["visits", *TALLIES, *HOURS]
    counted = {
        (row["contact_point"], row["day"]): {
            "visits": row["count"],
            **{c: row[c] for c in columns[1:]},
        }
        for row in _rollup_rows()
    }
    stored = {
        (row["contact_point_id"], row["day"]): {c: row[c] for c in columns}
        for row in UsageDay.objects.values("contact_point_id", "day", *columns)
    }
    found = []
    zero = dict.fromkeys(columns, 0)
    for key in sorted(counted.keys() | stored.keys()):
        have, want = stored.get(key, zero), counted.get(key, zero)
        if have != want:
            differing = [c for c in columns if have[c] != want[c]]
            found.append(
                Drift("day", f"contact point {key[0]} on {key[1]}",
                      {c: have[c] for c in differing}, {c: want[c] for c in differing})
            )  # fmt: skip
    for pk, have_n, want_n in visit_services.sessions_miscounted():
        found.append(
            Drift("session", f"session {pk}", {"visit_count": have_n}, {"visit_count": want_n})
        )
    return found
