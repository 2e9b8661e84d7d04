"""The triggers the database holds, as the migrations left them (SQLite drops a table's
triggers when a migration rebuilds it, so tests check they are all there)."""

from __future__ import annotations

from django.db import connection


def installed() -> set[tuple[str, str]]:
    """{(table, trigger name)} of every trigger in the database."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger'")
        else:
            cursor.execute("SELECT tgrelid::regclass::text, tgname FROM pg_trigger")
        return {(table.strip('"'), name) for table, name in cursor.fetchall()}
