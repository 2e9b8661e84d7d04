"""Data versions (`DataVersion`): one number per kind of published data, changed in the
transaction that changes the data — by triggers the migrations install (`bumped_by`), so no
write can forget it, whatever path it takes — and read with one indexed query. Cached
pages, exports and each worker's in-memory copies are kept under the version, so a change
reaches every worker at its next request, and nothing made before it is served after.

A bump does not add one: it draws a new random 63-bit number. So a version never comes
back — not after a transaction that bumped it rolls back and another bumps it again, not
after the database is restored from a backup — and no worker can mistake a copy it made
from other data for a current one.

Coordination state lives here, in the database, never in a cache: a cache may evict at any
moment (docs/architecture.md).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db import InterfaceError, OperationalError, connection

PLACES = "places"  # contact points, their hours and facts: everything the pages about them say
FIGURES = "figures"  # published months of usage, search demand and visitor feedback
AREAS = "areas"  # the postcode gazetteer, ward boundaries and population figures


# Within `pinned()`: the versions read so far, taken as read.
_pinned: ContextVar[dict[str, int] | None] = ContextVar("pinned_versions", default=None)


@contextmanager
def pinned() -> Iterator[None]:
    """Within: each version is read once and then taken as read, so one answer is made
    from one version of each kind of data (its cache key, the nearest index and the
    openings it asks of agree) and a search asks the database once, not three times.
    For reading only: a write inside would not be seen by what follows it. Within an
    outer `pinned()`, the outer one's versions hold."""
    if _pinned.get() is not None:
        yield
        return
    token = _pinned.set({})
    try:
        yield
    finally:
        _pinned.reset(token)


def current(*names: str) -> tuple[int, ...]:
    """The versions of `names`, in one query (0 for one never bumped); within `pinned()`,
    as first read there.

    Every kept public answer asks this first, so it is written in SQL: the ORM's
    building of the same query costs several times the query itself (about 400 µs
    against 90 µs, on PostgreSQL over a local socket) — a third of a kept page's time."""
    pinned = _pinned.get()
    if pinned is not None and all(name in pinned for name in names):
        return tuple(pinned[name] for name in names)
    marks = ", ".join(["%s"] * len(names))
    sql = f'SELECT "name", "value" FROM "core_dataversion" WHERE "name" IN ({marks})'  # noqa: S608 (placeholders only)
    wrapper: Any = connection  # its health check's flags are not in django-stubs
    if (
        wrapper.connection is not None
        and wrapper.health_check_enabled
        and not wrapper.health_check_done
        and not wrapper.in_atomic_block
    ):
        # This query is a public page's first (and, kept, its only one): it stands in for
        # Django's check of a reused connection (CONN_HEALTH_CHECKS sends `SELECT 1`
        # before a request's first query), saving that round trip. A connection broken
        # since its last request (the database restarted) is closed and opened again,
        # and the versions read once more, as the check would have done.
        wrapper.health_check_done = True
        try:
            found = _read(sql, names)
        except (OperationalError, InterfaceError):
            connection.close()
            found = _read(sql, names)
    else:
        found = _read(sql, names)
    read = tuple(found.get(name, 0) for name in names)
    if pinned is not None:
        pinned.update(zip(names, read, strict=True))
    return read


def _read(sql: str, names: tuple[str, ...]) -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute(sql, names)
        return dict(cursor.fetchall())


def fresh_sql(vendor: str) -> str:
    """SQL for a new random 63-bit number: what a version (or a place's revision) becomes."""
    return "floor(random() * 9e18)::bigint" if vendor == "postgresql" else "abs(random())"


def _bump_sql(name: str, vendor: str) -> str:
    fresh = fresh_sql(vendor)
    return (
        f'INSERT INTO "core_dataversion" ("name", "value") VALUES (\'{name}\', {fresh}) '  # noqa: S608 (our own names)
        f'ON CONFLICT ("name") DO UPDATE SET "value" = {fresh}'
    )


def _trigger_sql(name: str, table: str, vendor: str) -> tuple[list[str], list[str]]:
    """The statements that make `table`'s writes bump `name`, and those that undo them."""
    trigger = f"{table}_bumps_{name}"
    if vendor == "postgresql":
        create = [
            f'CREATE OR REPLACE FUNCTION "{trigger}"() RETURNS trigger LANGUAGE plpgsql '
            f"AS $$ BEGIN {_bump_sql(name, vendor)}; RETURN NULL; END $$",
            f'DROP TRIGGER IF EXISTS "{trigger}" ON "{table}"',
            f'CREATE TRIGGER "{trigger}" AFTER INSERT OR UPDATE OR DELETE ON "{table}" '
            f'FOR EACH STATEMENT EXECUTE FUNCTION "{trigger}"()',
        ]
        drop = [f'DROP TRIGGER IF EXISTS "{trigger}" ON "{table}"',
                f'DROP FUNCTION IF EXISTS "{trigger}"()']  # fmt: skip
        return create, drop
    events = ("INSERT", "UPDATE", "DELETE")
    create = [
        f'CREATE TRIGGER IF NOT EXISTS "{trigger}_{event.lower()}" AFTER {event} ON "{table}" '
        f"FOR EACH ROW BEGIN {_bump_sql(name, vendor)}; END"
        for event in events
    ]
    return create, [f'DROP TRIGGER IF EXISTS "{trigger}_{event.lower()}"' for event in events]


def bumped_by(name: str, tables: list[str]) -> Any:
    """A migration operation: every insert, update or delete on `tables` changes `name`'s
    version in the same transaction (one bump per statement on PostgreSQL, per row on
    SQLite). SQLite drops a table's triggers when a migration rebuilds the table (adding
    a column with a default, changing a field): such a migration ends with this operation
    again — it is idempotent — and tests/core/test_versions.py checks they are all there."""

    def statements(vendor: str) -> tuple[list[str], list[str]]:
        made = [_trigger_sql(name, table, vendor) for table in tables]
        return [s for create, _ in made for s in create], [s for _, drop in made for s in drop]

    return installing(statements)


def installing(statements: Callable[[str], tuple[list[str], list[str]]]) -> Any:
    """A migration operation running `statements(vendor)`: the statements that install
    triggers forwards, those that remove them backwards."""
    from django.db import migrations

    def forwards(apps: Any, schema_editor: Any) -> None:
        create, _drop = statements(schema_editor.connection.vendor)
        for statement in create:
            schema_editor.execute(statement)

    def backwards(apps: Any, schema_editor: Any) -> None:
        _create, drop = statements(schema_editor.connection.vendor)
        for statement in drop:
            schema_editor.execute(statement)

    return migrations.RunPython(forwards, backwards)
