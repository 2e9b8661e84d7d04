from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from places.gazetteer import BATCH_SIZE, Source, UnrecognisedFile, import_postcodes


class Command(BaseCommand):
    help = (
        "Import postcodes into the gazetteer from ONS Postcode Directory or OS Code-Point "
        "Open CSVs: files, directories of CSVs, or the distribution's zip. Safe to re-run."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", help="CSV files, directories or zips")
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)
        parser.add_argument("--no-progress", action="store_true", help="No progress bar")

    def handle(self, *args: Any, paths: list[str], batch_size: int, **options: Any) -> None:
        bars: list[tqdm] = []

        def progress(source: Source) -> Any:
            if bars:
                bars[-1].close()
            bar = tqdm(
                total=source.size,
                unit="B",
                unit_scale=True,
                desc=source.name.rsplit("/", 1)[-1],
                disable=options["no_progress"] or None,  # None: only on a terminal
                file=self.stderr._out,
            )
            bars.append(bar)
            return bar.update

        try:
            report = import_postcodes(paths, batch_size=batch_size, progress=progress)
        except (UnrecognisedFile, FileNotFoundError) as error:
            raise CommandError(f"Nothing imported from that file: {error}") from error
        finally:
            for bar in bars:
                bar.close()
        self.stdout.write(self.style.SUCCESS(f"Imported postcodes: {report.summary()}"))
