"""Each contact point's `revision`: a number the database draws anew, in the writing
transaction, whenever the place's row, its hours (rules and dated changes), its fact checks
or what it replaces are written — by triggers, so no write path can forget it.

The data version (core.versions) says that *something* about the places changed; the
revision says *which* place. A worker keeps the places it has loaded by (primary key,
revision), so after an edit it loads again only the place that changed, not all of them
(contactpoints.search). Like a data version, a revision is a random 63-bit number, never
one more than the last: a transaction that drew one and rolled back cannot leave a worker
holding a copy under a number that later names other data.

SQLite drops a table's triggers when a migration rebuilds the table: such a migration must
end with `revised_by()` again (it is idempotent); tests/contactpoints/test_revisions.py
checks they are all there.
"""

from __future__ import annotations

from typing import Any

from core.versions import fresh_sql, installing

PLACES_TABLE = "contactpoints_contactpoint"
# Each table whose rows belong to a place, with the column(s) naming it.
BELONGING = {
    "contactpoints_openingrule": ["contact_point_id"],
    "contactpoints_hoursexception": ["contact_point_id"],
    "contactpoints_factcheck": ["contact_point_id"],
    "contactpoints_contactpoint_replaces": ["from_contactpoint_id", "to_contactpoint_id"],
}
EVENTS = ("INSERT", "UPDATE", "DELETE")


def _postgresql() -> tuple[list[str], list[str]]:
    create = [
        # The place's own row: a new number on every insert and update, whatever the
        # writer sent for the column.
        "CREATE OR REPLACE FUNCTION contactpoint_revised() RETURNS trigger LANGUAGE plpgsql "
        f"AS $$ BEGIN NEW.revision := {fresh_sql('postgresql')}; RETURN NEW; END $$",
        f'DROP TRIGGER IF EXISTS contactpoint_revised ON "{PLACES_TABLE}"',
        f'CREATE TRIGGER contactpoint_revised BEFORE INSERT OR UPDATE ON "{PLACES_TABLE}" '
        "FOR EACH ROW EXECUTE FUNCTION contactpoint_revised()",
    ]
    drop = [f'DROP TRIGGER IF EXISTS contactpoint_revised ON "{PLACES_TABLE}"']
    for table, columns in BELONGING.items():
        function = f"{table}_revises_places"
        # Once per statement, over the rows it wrote (transition tables): an import that
        # writes twelve thousand rules touches each place once, not once per rule.
        ids = " UNION ".join(f"SELECT {c} FROM {{rows}}" for c in columns)  # noqa: S608 (our own names)
        touch = f'UPDATE "{PLACES_TABLE}" SET revision = 0 WHERE id IN ({ids})'  # noqa: S608
        create.append(
            f'CREATE OR REPLACE FUNCTION "{function}"() RETURNS trigger LANGUAGE plpgsql AS $$ '
            "BEGIN "
            f"IF TG_OP <> 'DELETE' THEN {touch.format(rows='new_rows')}; END IF; "
            f"IF TG_OP <> 'INSERT' THEN {touch.format(rows='old_rows')}; END IF; "
            "RETURN NULL; END $$"
        )
        referencing = {
            "INSERT": "NEW TABLE AS new_rows",
            "UPDATE": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
            "DELETE": "OLD TABLE AS old_rows",
        }
        for event in EVENTS:
            trigger = f"{table}_revises_places_{event.lower()}"
            create += [
                f'DROP TRIGGER IF EXISTS "{trigger}" ON "{table}"',
                f'CREATE TRIGGER "{trigger}" AFTER {event} ON "{table}" '
                f"REFERENCING {referencing[event]} "
                f'FOR EACH STATEMENT EXECUTE FUNCTION "{function}"()',
            ]
            drop.append(f'DROP TRIGGER IF EXISTS "{trigger}" ON "{table}"')
        drop.append(f'DROP FUNCTION IF EXISTS "{function}"()')
    drop.append("DROP FUNCTION IF EXISTS contactpoint_revised()")
    return create, drop


def _sqlite() -> tuple[list[str], list[str]]:
    fresh = fresh_sql("sqlite")
    create, drop = [], []
    # SQLite's triggers cannot change the row being written, so the place's own row is
    # set again after the write (SQLite does not fire a trigger from its own statements).
    for event in ("INSERT", "UPDATE"):
        trigger = f"contactpoint_revised_{event.lower()}"
        create.append(
            f'CREATE TRIGGER IF NOT EXISTS "{trigger}" AFTER {event} ON "{PLACES_TABLE}" '  # noqa: S608
            f'FOR EACH ROW BEGIN UPDATE "{PLACES_TABLE}" SET revision = {fresh} '
            "WHERE id = NEW.id; END"
        )
        drop.append(f'DROP TRIGGER IF EXISTS "{trigger}"')
    for table, columns in BELONGING.items():
        for event in EVENTS:
            rows = ["NEW", "OLD"] if event == "UPDATE" else ["OLD" if event == "DELETE" else "NEW"]
            ids = ", ".join(f"{row}.{c}" for row in rows for c in columns)
            trigger = f"{table}_revises_places_{event.lower()}"
            create.append(
                f'CREATE TRIGGER IF NOT EXISTS "{trigger}" AFTER {event} ON "{table}" '  # noqa: S608
                f'FOR EACH ROW BEGIN UPDATE "{PLACES_TABLE}" SET revision = {fresh} '
                f"WHERE id IN ({ids}); END"
            )
            drop.append(f'DROP TRIGGER IF EXISTS "{trigger}"')
    return create, drop


def trigger_sql(vendor: str) -> tuple[list[str], list[str]]:
    """The statements that install the triggers, and those that remove them."""
    return _postgresql() if vendor == "postgresql" else _sqlite()


def revised_by() -> Any:
    """A migration operation installing (again) every trigger that draws revisions."""
    return installing(trigger_sql)
