from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from places import districts


class Command(BaseCommand):
    help = (
        "Load postcode district centres over whole districts (CSV: outcode, latitude, "
        "longitude, n_postcodes), so that a district search is centred on all of the "
        "district, not only on the postcodes the gazetteer holds. Safe to re-run."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path")
        parser.add_argument(
            "--source", default="Code-Point Open 2014 district centroids",
            help="Where the centres come from.",
        )  # fmt: skip

    def handle(self, *args: Any, path: str, source: str, **options: Any) -> None:
        try:
            report = districts.import_districts(path, source)
        except districts.DistrictFileError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"District centres: {report.created} added, {report.updated} updated, "
            f"{report.unchanged} unchanged."
        )
