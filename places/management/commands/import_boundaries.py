from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from places.boundaries import BoundaryFileError, import_boundaries


class Command(BaseCommand):
    help = (
        "Import ward boundaries (and their boroughs) from an ONS-style GeoJSON, for the "
        "coverage maps. Re-running updates."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path")
        parser.add_argument("--source", default="", help='What they are, e.g. "2013 wards"')

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = import_boundaries(options["path"], options["source"])
        except BoundaryFileError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"{report.wards} wards in {report.boroughs} boroughs.")
