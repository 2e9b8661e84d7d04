from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from core import backup


class Command(BaseCommand):
    help = (
        "Write a consistent copy of the whole database to PATH while the site runs: SQLite's "
        "online backup, or pg_dump's custom format on PostgreSQL. Restore it with "
        "restore_database."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("path", type=Path)

    def handle(self, *args: Any, path: Path, **options: Any) -> None:
        if path.exists():
            raise CommandError(f"{path} exists: choose a new file, nothing is overwritten.")
        try:
            backup.backup(path)
        except Exception as error:
            raise CommandError(f"The backup failed: {error}") from error
        self.stdout.write(f"Backed up to {path} ({path.stat().st_size:,} bytes).")
