"""Importing a list of contact points (CSV or GeoJSON), as a police force or council
keeps it: every row checked first, then all rows or none; re-running the same file
changes nothing. The columns are documented in docs/importing.md, with a template in
contactpoints/data/contact-points-template.csv.

A row's hours replace that contact point's recurring hours from `hours_from` on (earlier
rules are kept and end the day before, so history stays true); its facts record how each
is known (`*_basis` columns: checked / source / unconfirmed).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from functools import cache, partial
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connections, transaction
from django.db.models import Field, Model, Prefetch, Q
from django.utils import timezone
from django.utils.text import slugify

from places import postcodes
from places.models import Postcode

from . import hours, services
from .models import (
    PREFETCHED,
    UNCONFIRMED,
    Basis,
    ContactPoint,
    Fact,
    FactCheck,
    Kind,
    OpeningRule,
    Recurrence,
    Status,
)

COLUMNS = [
    "slug", "name", "kind", "status", "closed_on", "host_venue", "address", "postcode",
    "borough", "ward", "latitude", "longitude", "hours", "hours_from", "bank_holidays",
    "private_room", "step_free_access", "hearing_loop", "interpreter", "toilets",
    "crime_reporting", "lost_property", "bail_signing", "documents", "advice",
    "entrance", "facts_basis",
    "facts_checked_on", "facts_checked_by", "source", "caveats",
]  # fmt: skip
REQUIRED = ["name", "kind", "borough"]
MAX_ROWS = 5000
MAX_CELL = 2000

DAYS = {
    "mo": 0, "mon": 0, "tu": 1, "tue": 1, "we": 2, "wed": 2, "th": 3, "thu": 3,
    "fr": 4, "fri": 4, "sa": 5, "sat": 5, "su": 6, "sun": 6,
}  # fmt: skip
YES = {"yes", "y", "true", "1"}
NO = {"no", "n", "false", "0"}
# Facilities and services, each yes / no / unknown. A column the file does not have leaves
# that fact as it was; a blank cell makes it not known.
FACT_COLUMNS = {
    "private_room": "has_private_room",
    "step_free_access": "has_step_free_access",
    "hearing_loop": "has_hearing_loop",
    "interpreter": "has_interpreter",
    "toilets": "has_toilets",
    "crime_reporting": "offers_crime_reporting",
    "lost_property": "offers_lost_property",
    "bail_signing": "offers_bail_signing",
    "documents": "offers_documents",
    "advice": "offers_advice",
}


class ImportFailed(ValueError):
    """Nothing was imported; `errors` says, row by row, what to fix."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass
class Parsed:
    line: int
    slug: str
    values: dict[str, Any]
    rules: list[hours.WeeklyRule] | None  # None: the row says nothing about hours
    hours_from: date | None
    facts: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass
class Result:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def summary(self) -> str:
        return f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged"


# --- Reading ------------------------------------------------------------------------------


def read(stream: IO[bytes], name: str) -> list[tuple[int, dict[str, str]]]:
    """(line or feature number, {column: text}) for each row of a CSV or GeoJSON file."""
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    if name.lower().endswith((".geojson", ".json")):
        return _geojson_rows(text)
    reader = csv.DictReader(text)
    try:
        header = [h.strip().lower() for h in reader.fieldnames or []]
    except (csv.Error, UnicodeDecodeError) as error:
        raise ImportFailed([f"{name}, line 1: {_unreadable(error)}"]) from error
    unknown = [h for h in header if h and h not in COLUMNS]
    missing = [c for c in REQUIRED if c not in header]
    if missing or unknown:
        problems = []
        if missing:
            problems.append(f"missing column(s): {', '.join(missing)}")
        if unknown:
            problems.append(f"unknown column(s): {', '.join(unknown)}")
        raise ImportFailed([f"{name}: {'; '.join(problems)}. Columns: {', '.join(COLUMNS)}"])
    rows: list[tuple[int, dict[str, str]]] = []
    try:
        for number, raw in enumerate(reader, start=2):
            if len(rows) >= MAX_ROWS:
                raise ImportFailed([f"{name}: more than {MAX_ROWS} rows; split the file"])
            if raw.get(None):  # type: ignore[call-overload]
                raise ImportFailed(
                    [f"{name}, line {number}: more cells than the header has columns"]
                )
            cells = {k.strip().lower(): (v or "").strip() for k, v in raw.items() if k}
            if any(cells.values()):
                rows.append((number, cells))
    except (csv.Error, UnicodeDecodeError) as error:
        # The line being read when it failed: one after the last one read whole.
        line = reader.line_num + 1
        raise ImportFailed([f"{name}, line {line}: {_unreadable(error)}"]) from error
    return rows


def _unreadable(error: Exception) -> str:
    if isinstance(error, UnicodeDecodeError):
        return "the file is not UTF-8 text: save it as CSV (UTF-8) and try again"
    if "field larger than field limit" in str(error):
        return f"a cell is far longer than any column allows (at most {MAX_CELL:,} characters)"
    return f"this row could not be read ({error})"


def _geojson_rows(text: io.TextIOBase) -> list[tuple[int, dict[str, str]]]:
    try:
        data = json.load(text)
    except json.JSONDecodeError as error:
        raise ImportFailed([f"not valid JSON: {error}"]) from error
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise ImportFailed(["a GeoJSON file must be a FeatureCollection"])
    rows = []
    for number, feature in enumerate(data.get("features") or [], start=1):
        properties = feature.get("properties") or {}
        cells = {str(k).lower(): "" if v is None else str(v).strip() for k, v in properties.items()}
        geometry = feature.get("geometry") or {}
        if geometry.get("type") == "Point":
            longitude, latitude = geometry["coordinates"][:2]
            cells["latitude"], cells["longitude"] = str(latitude), str(longitude)
        rows.append((number, {k: v for k, v in cells.items() if k in COLUMNS}))
    if len(rows) > MAX_ROWS:
        raise ImportFailed([f"more than {MAX_ROWS} features; split the file"])
    return rows


# --- Checking -----------------------------------------------------------------------------


def parse_hours(text: str, valid_from: date | None) -> list[hours.WeeklyRule]:
    """'Mon-Fri 10:00-22:00; Sat-Sun 09:00-19:00', 'Mo,We 19:00-20:00', '24/7'. A closing
    time at or before the opening time (or 24:00) runs past midnight."""
    if text.strip().lower() in {"24/7", "mo-su 00:00-24:00"}:
        text = "Mo-Su 00:00-24:00"
    rules = []
    for part in filter(None, (p.strip() for p in text.split(";"))):
        match = re.fullmatch(r"([A-Za-z,\- ]+?)\s+([0-9:,\- ]+)", part)
        if not match:
            raise ValueError(f"“{part}” is not days then times, e.g. “Mon-Fri 10:00-22:00”")
        for weekday in _days(match.group(1)):
            for span in match.group(2).replace(" ", "").split(","):
                opens, closes = _times(span)
                overnight = closes <= opens
                rules.append(
                    hours.WeeklyRule(
                        weekday, opens, closes, overnight=overnight, valid_from=valid_from
                    )
                )
    overlaps = hours.find_overlaps(rules)
    if overlaps:
        raise ValueError(f"the hours overlap: {hours.describe_rule(overlaps[0][0])}")
    return rules


def _days(text: str) -> list[int]:
    days: list[int] = []
    for item in text.replace(" ", "").lower().split(","):
        first, _dash, last = item.partition("-")
        if first not in DAYS or (last and last not in DAYS):
            raise ValueError(f"“{item}” is not a day or range of days (Mon-Fri, Sa, Su)")
        start, end = DAYS[first], DAYS[last or first]
        days += [(start + i) % 7 for i in range((end - start) % 7 + 1)]
    return days


def _times(text: str) -> tuple[time, time]:
    match = re.fullmatch(r"(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})", text)
    if not match:
        raise ValueError(f"“{text}” is not a time range like 10:00-22:00")
    oh, om, ch, cm = (int(g) for g in match.groups())
    if ch == 24 and cm == 0:
        ch = 0
    if oh > 23 or ch > 23 or om > 59 or cm > 59:
        raise ValueError(f"“{text}” is not a time range like 10:00-22:00")
    return time(oh, om), time(ch, cm)


def _date(text: str, column: str) -> date | None:
    if not text:
        return None
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            parsed = datetime.strptime(text, pattern).date()  # noqa: DTZ007 (a calendar date)
        except ValueError:
            continue
        if not date(2000, 1, 1) <= parsed <= date(2100, 12, 31):
            raise ValueError(f"{column}: {text} is outside 2000–2100")
        return parsed
    raise ValueError(f"{column}: “{text}” is not a date (2026-03-03 or 03/03/2026)")


def _yes_no(text: str, column: str) -> bool | None:
    lowered = text.lower()
    if lowered in YES:
        return True
    if lowered in NO:
        return False
    if lowered in {"", "unknown", "not known", "?"}:
        return None
    raise ValueError(f"{column}: “{text}” should be yes, no or unknown")


def _choice(text: str, choices: type[Kind] | type[Status], column: str) -> str:
    found = _accepted(choices).get(text.lower().replace(" ", "_").replace("-", "_"))
    if found is None:
        allowed = ", ".join(choices.values)
        raise ValueError(f"{column}: “{text}” is not one of {allowed}")
    return found


@cache
def _accepted(choices: type[Kind] | type[Status]) -> dict[str, str]:
    """{what a cell may say: the value} (an enumeration's choices are worked out anew
    each time they are asked for)."""
    return {
        said: value
        for value, label in choices.choices
        for said in (label.lower().replace(" ", "_"), value)
    }


def locate(postcode: str) -> tuple[Decimal, Decimal, str] | None:
    """(latitude, longitude, note) from the local gazetteer: the postcode, or failing
    that its district's centre (said in the note)."""
    found = Postcode.objects.filter(postcode=postcode).first()
    if found:
        return found.latitude, found.longitude, "Map position: the postcode's centre."
    outward = postcode.split()[0]
    centre = Postcode.objects.district_centre(outward)
    if centre:
        latitude, longitude = centre
        part = (
            " (of its postcodes in our postcode data)"
            if Postcode.objects.district_centre_is_partial(outward)
            else ""
        )
        note = (
            f"Map position: the centre of postcode district {outward}{part} (the postcode "
            "is not in our postcode data), so it is approximate."
        )
        return Decimal(f"{latitude:.6f}"), Decimal(f"{longitude:.6f}"), note
    return None


def parse(line: int, cells: dict[str, str], today: date) -> Parsed:
    """One row, checked. Raises ValueError with every problem in the row."""
    problems: list[str] = []

    def check(function: Callable[[], Any]) -> Any:
        try:
            return function()
        except ValueError as error:
            problems.append(str(error))
            return None

    for column, text in cells.items():
        if len(text) > MAX_CELL:
            problems.append(f"{column}: longer than {MAX_CELL} characters")
    if problems:
        raise ValueError("; ".join(problems))
    for column in REQUIRED:
        if not cells.get(column):
            problems.append(f"{column}: required")
    name = cells.get("name", "")
    slug = slugify(cells.get("slug") or name)[:200]
    kind = (
        check(lambda: _choice(cells.get("kind", ""), Kind, "kind")) if cells.get("kind") else None
    )
    status = check(lambda: _choice(cells.get("status") or "open", Status, "status"))
    closed_on = check(lambda: _date(cells.get("closed_on", ""), "closed_on"))
    hours_from = check(lambda: _date(cells.get("hours_from", ""), "hours_from"))
    postcode = ""
    if cells.get("postcode"):
        postcode = check(lambda: postcodes.normalise(cells["postcode"])) or ""
    values: dict[str, Any] = {
        "name": name,
        "host_venue": cells.get("host_venue", ""),
        "address_line_1": cells.get("address", ""),
        "postcode": postcode,
        "borough": cells.get("borough", ""),
        "ward": cells.get("ward", ""),
        "entrance_description": cells.get("entrance", ""),
        "caveats": cells.get("caveats", ""),
        "sources": cells.get("source", ""),
        "status": status,
        "closed_on": closed_on,
        "is_published": True,
    }
    if kind:
        values["kind"] = kind
    latitude = longitude = None
    if cells.get("latitude") or cells.get("longitude"):
        try:
            latitude = Decimal(cells.get("latitude", "")).quantize(Decimal("0.000001"))
            longitude = Decimal(cells.get("longitude", "")).quantize(Decimal("0.000001"))
            if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
                raise InvalidOperation
        except InvalidOperation:
            problems.append("latitude/longitude: give both, as decimal degrees")
    elif postcode and status == Status.OPEN:
        located = locate(postcode)
        if located:
            latitude, longitude, note = located
            values["caveats"] = f"{values['caveats']} {note}".strip()
    if status == Status.OPEN and latitude is None and not problems:
        problems.append(
            "an operating contact point needs a location: give latitude and longitude, or a "
            "postcode we know (import the postcode data first)"
        )
    values["latitude"], values["longitude"] = latitude, longitude
    rules = None
    if cells.get("hours"):
        rules = check(lambda: parse_hours(cells["hours"], hours_from))
    bank_holidays = cells.get("bank_holidays", "").lower()
    if bank_holidays not in {"", "unknown", "open", "closed"}:
        problems.append(
            f"bank_holidays: “{cells['bank_holidays']}” should be open, closed or unknown"
        )
    values["closed_on_bank_holidays"] = bank_holidays == "closed"
    facilities: dict[str, bool | None] = {}
    for column, field_name in FACT_COLUMNS.items():
        if column in cells:
            facilities[field_name] = check(partial(_yes_no, cells[column], column))
            values[field_name] = bool(facilities[field_name])
    basis = cells.get("facts_basis", "").lower() or (
        Basis.SOURCE if cells.get("source") else Basis.UNCONFIRMED
    )
    if basis not in Basis.values:
        problems.append(f"facts_basis: “{basis}” should be checked, source or unconfirmed")
    checked_on = check(lambda: _date(cells.get("facts_checked_on", ""), "facts_checked_on"))
    if checked_on and checked_on > today:
        problems.append("facts_checked_on: in the future")
    checked_by = cells.get("facts_checked_by", "")
    if basis == Basis.CHECKED and not (checked_on and checked_by):
        problems.append("facts checked on site need facts_checked_on and facts_checked_by")
    if basis == Basis.SOURCE and not cells.get("source"):
        problems.append("facts from a source need the source column")
    if problems:
        raise ValueError("; ".join(problems))

    def fact(known: bool) -> dict[str, Any]:
        if not known:
            return dict(UNCONFIRMED)
        return {
            "basis": basis,
            "checked_on": checked_on,
            "checked_by": checked_by if basis == Basis.CHECKED else "",
            "source": cells.get("source", "")[:300] if basis == Basis.SOURCE else "",
        }

    facts = {
        Fact.HOURS: fact(rules is not None),
        Fact.BANK_HOLIDAYS: fact(bank_holidays in {"open", "closed"}),
        Fact.ENTRANCE: fact(bool(cells.get("entrance"))),
        **{name: fact(known is not None) for name, known in facilities.items()},
    }
    return Parsed(line, slug, values, rules, hours_from, facts)


# --- Writing ------------------------------------------------------------------------------


def import_rows(
    rows: Iterable[tuple[int, dict[str, str]]],
    *,
    today: date,
    progress: Callable[[int], object] | None = None,
) -> Result:
    """Check every row, then write all of them in one transaction, or nothing."""
    rows = list(rows)
    parsed, errors = [], []
    slugs: dict[str, int] = {}
    for line, cells in rows:
        try:
            row = parse(line, cells, today)
        except ValueError as error:
            errors.append(f"Row {line}: {error}")
            continue
        if row.slug in slugs:
            errors.append(
                f"Row {line}: the same contact point as row {slugs[row.slug]} ({row.slug})"
            )
        slugs[row.slug] = line
        parsed.append(row)
    # The places already there, with their hours (their facts are read as rows, by
    # `_checks_of`): read once, for the check below and for comparing each row with what
    # is kept.
    existing = {
        cp.slug: cp
        for cp in ContactPoint.objects.filter(slug__in=slugs).prefetch_related(
            Prefetch("opening_rules", to_attr=PREFETCHED["opening_rules"])
        )
    }
    for row in parsed:
        if row.slug not in existing and "kind" not in row.values:
            errors.append(f"Row {row.line}: kind: required for a new contact point")
    if errors:
        raise ImportFailed(errors)
    result = Result()
    try:
        with transaction.atomic():
            _write_all(parsed, existing, _checks_of(existing.values()), result, progress)
    except IntegrityError as error:
        # Every rule the database keeps is checked in `parse` and `full_clean` first; this
        # is the backstop, and nothing was written.
        problem = f"A row breaks a rule of the data ({error}); nothing imported."
        raise ImportFailed([problem]) from None
    return result


def _write_all(
    parsed: list[Parsed],
    existing: dict[str, ContactPoint],
    checks: dict[int, dict[str, tuple[int, dict[str, Any]]]],
    result: Result,
    progress: Callable[[int], object] | None,
) -> None:
    """Every row's place, hours and facts, in a few statements per kind of change (an
    import of a thousand places is a handful of statements, not tens of thousands): the
    places already there (`existing`, by slug) read at once with their hours and facts;
    places, hours and facts written in bulk; the apps that follow hours told once for all
    the places changed."""
    new_places: list[ContactPoint] = []
    # Places that were there, by the fields the file changes on them: each group is
    # written with only those fields (a thousand rows with every field was 10 s).
    moved_places: dict[tuple[str, ...], list[ContactPoint]] = {}
    written: list[tuple[Parsed, ContactPoint, bool, bool]] = []  # row, place, was there, same hours
    for row in parsed:
        found = existing.get(row.slug)
        cp = found or ContactPoint(slug=row.slug)
        before = _snapshot(cp) if found else None
        for name, value in row.values.items():
            setattr(cp, name, value)
        after = _snapshot(cp)
        same_place = before is not None and before == after
        same_hours = _same_hours(cp, row)
        if progress:
            progress(1)
        if same_place and same_hours and _same_facts(checks.get(cp.pk, {}), row):
            result.unchanged += 1
            continue
        if not same_place:
            try:
                # The database's own constraints back these up (Django would test each
                # with a query per row): the row's values were checked in `parse`, and
                # its slug is the one it was matched by, distinct within the file.
                cp.full_clean(
                    exclude=["replaces", "photo"], validate_unique=False, validate_constraints=False
                )
            except ValidationError as error:
                raise ImportFailed([f"Row {row.line}: {'; '.join(error.messages)}"]) from error
            if before is None:
                new_places.append(cp)
            else:
                fields = tuple(name for name, value in after.items() if before[name] != value)
                moved_places.setdefault(fields, []).append(cp)
        written.append((row, cp, found is not None, same_hours))
    now = timezone.now()
    ContactPoint.objects.bulk_create(new_places)  # their keys come back (RETURNING)
    for fields, places in moved_places.items():
        for cp in places:
            cp.updated_at = now  # as save() would
        columns = [*fields, "updated_at"]
        _update(
            ContactPoint, columns, [[getattr(cp, n) for n in columns] + [cp.pk] for cp in places]
        )
    ending: dict[date | None, list[int]] = {}
    new_rules: list[list[Any]] = []  # rows of RULE_COLUMNS
    new_checks: list[list[Any]] = []
    updated_checks: list[list[Any]] = []  # rows of UNCONFIRMED, updated_at and the key
    for row, cp, was_there, same_hours in written:
        if was_there:
            result.updated += 1
        else:
            result.created += 1
        if row.rules is not None and not same_hours:
            if was_there:
                ending.setdefault(row.hours_from, []).append(cp.pk)
            new_rules += _rules_of(cp, row)
        current = checks.get(cp.pk, {}) if was_there else {}
        for fact, values in row.facts.items():
            known = [values[name] for name in UNCONFIRMED]
            if fact not in current:
                new_checks.append([cp.pk, fact, *known, now])
            elif current[fact][1] != values:
                updated_checks.append([*known, now, current[fact][0]])  # as save() would
    for start, pks in ending.items():
        _end_hours(pks, start)
    _insert(OpeningRule, RULE_COLUMNS, new_rules)
    _insert(FactCheck, ["contact_point", "fact", *UNCONFIRMED, "updated_at"], new_checks)
    _update(FactCheck, [*UNCONFIRMED, "updated_at"], updated_checks)
    # The sessions follow the hours (of the places that were there: none is scheduled at a
    # new one), and the exports are worked out once this commits.
    services.hours_changed_many(
        contact_point_ids=[cp.pk for _row, cp, was_there, _same in written if was_there],
        created_ids=[cp.pk for _row, cp, was_there, _same in written if not was_there],
    )


def _fields(model: type[Model], names: list[str]) -> list[Field[Any, Any]]:
    found = []
    for name in names:
        column = model._meta.get_field(name)
        assert isinstance(column, Field)
        found.append(column)
    return found


def _insert(model: type[Model], fields: list[str], rows: list[list[Any]]) -> None:
    """Rows of these fields added to `model`'s table: on PostgreSQL by COPY, elsewhere by
    one prepared INSERT run for each row. Rows, not model instances: for a thousand
    places' hours and facts, building some twenty thousand objects and having
    `bulk_create` take each apart again was a third of the import's time. (COPY fires the
    statement triggers that change the data version, as an INSERT does.)"""
    if not rows:
        return
    db = connections[DEFAULT_DB_ALIAS]  # the connection itself: the proxy costs per use
    quote = db.ops.quote_name
    columns = _fields(model, fields)
    table, names = quote(model._meta.db_table), ", ".join(quote(c.column) for c in columns)
    with db.cursor() as cursor:
        if db.vendor == "postgresql":
            # psycopg writes dates, times and the rest itself.
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        marks = ", ".join(["%s"] * len(columns))
        cursor.executemany(
            f"INSERT INTO {table} ({names}) VALUES ({marks})",  # noqa: S608 (our own names, quoted)
            [
                [c.get_db_prep_save(v, db) for c, v in zip(columns, row, strict=True)]
                for row in rows
            ],
        )


def _update(model: type[Model], fields: list[str], rows: list[list[Any]]) -> None:
    """Rows of these fields' values, each followed by its key, written. On PostgreSQL one
    UPDATE … FROM (VALUES …) per 500 rows: a statement per row fired the data version's
    trigger once per row (a thousand renamed places, a thousand bumps — a fifth of an
    update's time). Elsewhere one UPDATE per row, sent together (SQLite's executemany).
    `bulk_update` builds a CASE expression with a branch per row for each field, and for a
    thousand renamed places building it was most of the import's time."""
    if not rows:
        return
    db = connections[DEFAULT_DB_ALIAS]  # the connection itself: the proxy costs per use
    quote = db.ops.quote_name
    columns = _fields(model, fields)
    table = quote(model._meta.db_table)
    values = [
        [c.get_db_prep_save(v, db) for c, v in zip(columns, row[:-1], strict=True)] + [row[-1]]
        for row in rows
    ]
    with db.cursor() as cursor:
        if db.vendor != "postgresql":
            assignments = ", ".join(f"{quote(column.column)} = %s" for column in columns)
            sql = f"UPDATE {table} SET {assignments} WHERE {quote('id')} = %s"  # noqa: S608 (our own names, quoted)
            cursor.executemany(sql, values)
            return
        # Each value cast to its column's type: a NULL or a bare literal in VALUES has none.
        names = [quote(f"v{i}") for i in range(len(columns))]
        assignments = ", ".join(
            f"{quote(c.column)} = v.{name}::{c.db_type(db)}"
            for c, name in zip(columns, names, strict=True)
        )
        for start in range(0, len(values), 500):
            chunk = values[start : start + 500]
            row_marks = "(" + ", ".join(["%s"] * (len(columns) + 1)) + ")"
            sql = (
                f"UPDATE {table} AS t SET {assignments} "  # noqa: S608 (our own names, quoted)
                f"FROM (VALUES {', '.join([row_marks] * len(chunk))}) "
                f"AS v({', '.join(names)}, {quote('key')}) WHERE t.{quote('id')} = v.{quote('key')}"
            )
            cursor.execute(sql, [value for row in chunk for value in row])


def _checks_of(places: Iterable[ContactPoint]) -> dict[int, dict[str, tuple[int, dict[str, Any]]]]:
    """{place: {fact: (the check's key, how it is known)}}, read as rows: thirteen
    thousand checks as model instances were a fifth of an update's time."""
    found: dict[int, dict[str, tuple[int, dict[str, Any]]]] = {}
    rows = FactCheck.objects.filter(contact_point__in=[cp.pk for cp in places]).values_list(
        "pk", "contact_point_id", "fact", *UNCONFIRMED
    )
    for pk, place, fact, *known in rows:
        found.setdefault(place, {})[fact] = (pk, dict(zip(UNCONFIRMED, known, strict=True)))
    return found


# What a row can change on a place (never its key or when it was made or last saved).
_COMPARED = [
    f.name
    for f in ContactPoint._meta.concrete_fields
    if f.name not in {"id", "created_at", "updated_at"}
]


def _snapshot(cp: ContactPoint) -> dict[str, Any]:
    return {name: getattr(cp, name) for name in _COMPARED}


def _current_rules(cp: ContactPoint, from_day: date | None) -> set[hours.WeeklyRule]:
    if cp.pk is None:
        return set()
    rules = {r.as_rule() for r in cp._related("opening_rules")}
    return {r for r in rules if r.valid_from == from_day and r.valid_until is None}


def _same_hours(cp: ContactPoint, row: Parsed) -> bool:
    if row.rules is None:
        return True
    return _current_rules(cp, row.hours_from) == set(row.rules)


def _same_facts(current: dict[str, tuple[int, dict[str, Any]]], row: Parsed) -> bool:
    return all(fact in current and current[fact][1] == values for fact, values in row.facts.items())


def _end_hours(pks: list[int], start: date | None) -> None:
    """Before rows' hours from `start` are written at these places: rules still open-ended
    before then end the day before; rules from that date or later go (all of them, with no
    date)."""
    rules = OpeningRule.objects.filter(contact_point_id__in=pks)
    if start is None:
        rules.delete()
        return
    rules.filter(valid_from__gte=start).delete()
    ended = start - timedelta(days=1)
    rules.filter(Q(valid_until__isnull=True) | Q(valid_until__gte=start)).update(valid_until=ended)


RULE_COLUMNS = ["contact_point", "weekday", "opens", "closes", "overnight", "recurrence",
                "valid_from"]  # fmt: skip


def _rules_of(cp: ContactPoint, row: Parsed) -> list[list[Any]]:
    """The row's hours as rows of RULE_COLUMNS, for the caller to write with every other
    row's."""
    assert row.rules is not None
    return [
        [cp.pk, r.weekday, r.opens, r.closes, r.overnight, Recurrence.WEEKLY.value, r.valid_from]
        for r in row.rules
    ]


def read_file(path: str) -> Iterator[tuple[int, dict[str, str]]]:
    with open(path, "rb") as stream:
        yield from read(stream, path)
