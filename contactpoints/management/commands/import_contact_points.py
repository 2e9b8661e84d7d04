from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from tqdm import tqdm

from contactpoints import importer


class Command(BaseCommand):
    help = (
        "Import contact points from a CSV or GeoJSON file (columns: docs/importing.md; "
        "template: contactpoints/data/contact-points-template.csv). Every row is checked "
        "first; then all rows are imported, or none. Safe to re-run."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="a .csv, .geojson or .json file")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar")

    def handle(self, *args: Any, path: str, **options: Any) -> None:
        try:
            rows = list(importer.read_file(path))
        except FileNotFoundError as error:
            raise CommandError(f"No such file: {path}") from error
        except (importer.ImportFailed, UnicodeDecodeError) as error:
            raise CommandError(f"Nothing imported: {error}") from error
        with tqdm(
            total=len(rows),
            unit="row",
            desc="Contact points",
            disable=options["no_progress"] or None,  # None: only on a terminal
            file=self.stderr._out,
        ) as bar:
            try:
                result = importer.import_rows(rows, today=timezone.localdate(), progress=bar.update)
            except importer.ImportFailed as error:
                listed = "\n".join(f"  {e}" for e in error.errors)
                raise CommandError(
                    f"Nothing imported. Fix these rows and run again:\n{listed}"
                ) from error
        self.stdout.write(self.style.SUCCESS(f"Imported contact points: {result.summary()}"))
