from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from places import population


class Command(BaseCommand):
    help = (
        "Load how many people live in each ward or postcode district, sector or unit (CSV: "
        "a code column and a people column), so the coverage figures can count people as "
        "well as postcodes. Replaces any file loaded before; --clear removes it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", nargs="?")
        parser.add_argument(
            "--source", default="", help='Where the figures come from, e.g. "Census 2021"'
        )
        parser.add_argument("--clear", action="store_true", help="Remove the loaded figures.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["clear"]:
            self.stdout.write(f"{population.clear()} areas' figures removed.")
            return
        if not options["path"]:
            raise CommandError("Give the population file's path (or --clear).")
        try:
            report = population.import_population(options["path"], options["source"])
        except population.PopulationFileError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"{report.people:,} people in {report.areas:,} areas ({report.kind}s).")
