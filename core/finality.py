"""Published records are final in the database itself: triggers refuse the writes that
would change them, whatever path a write takes — the model layer, `_base_manager`, a
many-to-many change, a bulk insert or plain SQL (docs/usage-figures.md, "Published
reviews"). The models refuse the same writes first with a clear message (`ReviewIsFinal`);
the triggers are the rule for everything that goes around the models.

Each app's migrations install its triggers with `install` (and `remove` to undo). A trigger
is a condition on the row being written (`OLD`, `NEW`): when it holds, the statement fails
with an integrity error and nothing is written. The same condition is written once for
both databases; `changed(column)` and `published(...)` spell the parts that differ.

SQLite's triggers run for every row a flush deletes, which the test suite does between
transactional tests: they ask `cp_final_enforced()`, a function this module registers on
each connection, which says 1 except while the test suite flushes (PostgreSQL flushes
with TRUNCATE, which row triggers do not see). A connection without the function — the
sqlite3 shell, say — cannot write to those tables at all: the rule fails closed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

MESSAGE_PREFIX = "Refused: "
_enforced = True  # False only while the test suite flushes a test database (SQLite)


def on_connection(sender: Any, connection: Any, **kwargs: Any) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_function(
            "cp_final_enforced", 0, lambda: int(_enforced), deterministic=False
        )


@dataclass(frozen=True)
class Trigger:
    """Refuse `event` ("INSERT", "UPDATE" or "DELETE") on `table` when `condition` holds.
    The condition is SQL over OLD and NEW, with placeholders (see `_render`):
    {changed:column}; {changed_except:a,b} — any column of the table but these changed
    (the columns are read from the table when the trigger is installed); and
    {published:review_id_expression} — that review is published."""

    name: str
    table: str
    event: str
    condition: str
    message: str


def _render(trigger: Trigger, connection: Any) -> str:
    """Spell the placeholders for the database at hand."""
    vendor = connection.vendor

    def is_changed(column: str) -> str:
        if vendor == "postgresql":
            return f'(OLD."{column}" IS DISTINCT FROM NEW."{column}")'
        return f'(OLD."{column}" IS NOT NEW."{column}")'

    def changed(match: re.Match[str]) -> str:
        return is_changed(match[1])

    def changed_except(match: re.Match[str]) -> str:
        kept = set(match[1].split(","))
        with connection.cursor() as cursor:
            described = connection.introspection.get_table_description(cursor, trigger.table)
        return "(" + " OR ".join(is_changed(c.name) for c in described if c.name not in kept) + ")"

    def published(match: re.Match[str]) -> str:
        review = '"reviews_review"'
        found = f'SELECT 1 FROM {review} WHERE {review}."id" = {match[1]}'  # noqa: S608 (our own SQL)
        return f"EXISTS ({found} AND {review}.\"status\" = 'published')"

    condition = re.sub(r"\{changed:(\w+)\}", changed, trigger.condition)
    condition = re.sub(r"\{changed_except:([\w,]+)\}", changed_except, condition)
    return re.sub(r"\{published:([^}]+)\}", published, condition)


def create_sql(trigger: Trigger, connection: Any) -> list[str]:
    vendor = connection.vendor
    condition = _render(trigger, connection)
    message = (MESSAGE_PREFIX + trigger.message).replace("'", "''")
    if vendor == "postgresql":
        returned = "OLD" if trigger.event == "DELETE" else "NEW"
        return [
            f'CREATE OR REPLACE FUNCTION "{trigger.name}"() RETURNS trigger '
            f"LANGUAGE plpgsql AS $$ BEGIN IF {condition} THEN RAISE EXCEPTION '{message}' "
            f"USING ERRCODE = 'integrity_constraint_violation'; END IF; RETURN {returned}; END $$",
            f'CREATE TRIGGER "{trigger.name}" BEFORE {trigger.event} ON "{trigger.table}" '
            f'FOR EACH ROW EXECUTE FUNCTION "{trigger.name}"()',
        ]
    if vendor == "sqlite":
        return [
            f'CREATE TRIGGER "{trigger.name}" BEFORE {trigger.event} ON "{trigger.table}" '
            f"FOR EACH ROW WHEN cp_final_enforced() AND ({condition}) "
            f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
        ]
    raise NotImplementedError(f"Published records are final on SQLite and PostgreSQL, not {vendor}")


def drop_sql(trigger: Trigger, vendor: str) -> list[str]:
    if vendor == "postgresql":
        return [
            f'DROP TRIGGER IF EXISTS "{trigger.name}" ON "{trigger.table}"',
            f'DROP FUNCTION IF EXISTS "{trigger.name}"()',
        ]
    return [f'DROP TRIGGER IF EXISTS "{trigger.name}"']


def install(triggers: list[Trigger]) -> Any:
    """A migration operation installing `triggers` (and dropping them when reversed)."""
    from django.db import migrations

    def forwards(apps: Any, schema_editor: Any) -> None:
        for trigger in triggers:
            for sql in create_sql(trigger, schema_editor.connection):
                schema_editor.execute(sql)

    def backwards(apps: Any, schema_editor: Any) -> None:
        for trigger in reversed(triggers):
            for sql in drop_sql(trigger, schema_editor.connection.vendor):
                schema_editor.execute(sql)

    return migrations.RunPython(forwards, backwards)


def any_changed(columns: list[str]) -> str:
    """A condition that holds when any of `columns` changed."""
    return " OR ".join(f"{{changed:{column}}}" for column in columns)
