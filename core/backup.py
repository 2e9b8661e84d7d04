"""Backing up and restoring the whole database, with each database's own tools: SQLite's
online backup (a consistent copy while the site runs) and PostgreSQL's pg_dump custom
format, restored with pg_restore. Used by `manage.py backup_database` and
`restore_database`; see docs/operations.md."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from django.db import connection


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise FileNotFoundError(f"{name} is not installed (apt-get install postgresql-client).")
    return found


def _pg_env() -> tuple[list[str], dict[str, str]]:
    db = connection.settings_dict
    args = ["-h", db["HOST"] or "127.0.0.1", "-p", str(db["PORT"] or 5432), "-U", db["USER"]]
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return args, env


def backup(path: Path) -> None:
    """Write a consistent copy of the database to `path`."""
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        target = sqlite3.connect(path)
        try:
            connection.connection.backup(target)
        finally:
            target.close()
    elif connection.vendor == "postgresql":
        args, env = _pg_env()
        subprocess.run(  # noqa: S603
            [_tool("pg_dump"), *args, "--format=custom", "--no-owner", "--file", str(path),
             connection.settings_dict["NAME"]],
            check=True, env=env,
        )  # fmt: skip
    else:
        raise NotImplementedError(f"No backup for {connection.vendor}.")


def restore(path: Path) -> None:
    """Replace the database's contents with the backup at `path`."""
    if not path.is_file():
        raise FileNotFoundError(path)
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        source = sqlite3.connect(path)
        try:
            source.backup(connection.connection)
        finally:
            source.close()
    elif connection.vendor == "postgresql":
        connection.close()  # nothing of ours holds a lock while tables are replaced
        args, env = _pg_env()
        subprocess.run(  # noqa: S603
            [_tool("pg_restore"), *args, "--clean", "--if-exists", "--no-owner",
             "--single-transaction", "--dbname", connection.settings_dict["NAME"], str(path)],
            check=True, env=env,
        )  # fmt: skip
    else:
        raise NotImplementedError(f"No restore for {connection.vendor}.")
