from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from core import backup


class Command(BaseCommand):
    help = (
        "Replace the whole database with a backup written by backup_database. Stop the site "
        "first. Asks for confirmation unless --yes."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    def handle(self, *args: Any, path: Path, yes: bool = False, **options: Any) -> None:
        if not path.is_file():
            raise CommandError(f"No backup at {path}.")
        if not yes and input(f"Replace everything in the database with {path}? [y/N] ") != "y":
            raise CommandError("Nothing was changed.")
        try:
            backup.restore(path)
        except Exception as error:
            raise CommandError(f"The restore failed: {error}") from error
        tables = len(connection.introspection.table_names())
        self.stdout.write(f"Restored from {path}: {tables} tables.")
