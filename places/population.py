"""A population file: how many people live in each ward, or each postcode district, sector
or unit, as CSV with a header row — a column for the area (`code`, `area`, `ward code` or
`postcode`) and one for the count (`people`, `population` or `residents`). One kind of area
per file; the file replaces any loaded before. All or nothing: a file with a bad row loads
nothing and says which rows are wrong."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from . import postcodes
from .models import Population, PopulationKind

CODE_COLUMNS = ("code", "area", "area code", "ward code", "postcode")
PEOPLE_COLUMNS = ("people", "population", "residents")
_WARD = re.compile(r"^[EWSN]\d{8}$")
_DISTRICT = re.compile(r"^[A-Z]{1,2}[0-9][0-9A-Z]?$")
_SECTOR = re.compile(r"^([A-Z]{1,2}[0-9][0-9A-Z]?) ?([0-9])$")


class PopulationFileError(ValueError):
    pass


@dataclass(frozen=True)
class Report:
    areas: int
    kind: str
    people: int


def area_of(text: str) -> tuple[str, str]:
    """(canonical code, kind) of what a row names, or raise ValueError."""
    squashed = re.sub(r"\s+", " ", text.strip().upper())
    if _WARD.match(squashed):
        return squashed, PopulationKind.WARD
    if _DISTRICT.match(squashed):
        return squashed, PopulationKind.DISTRICT
    if match := _SECTOR.match(squashed):
        return f"{match.group(1)} {match.group(2)}", PopulationKind.SECTOR
    try:
        return postcodes.normalise(squashed), PopulationKind.POSTCODE
    except postcodes.InvalidPostcode:
        raise ValueError(
            f"“{text.strip()[:20]}” is not a ward code (E05000644) or a postcode district "
            "(SW1A), sector (SW1A 1) or postcode (SW1A 1AA)"
        ) from None


def _column(header: list[str], names: tuple[str, ...]) -> int | None:
    tidy = [h.strip().lower().replace("_", " ") for h in header]
    return next((tidy.index(n) for n in names if n in tidy), None)


def read(path: Path | str) -> tuple[dict[str, int], str]:
    """{code: people} and the kind of area, or PopulationFileError naming the bad rows."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.reader(handle))
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise PopulationFileError(f"{path}: not a CSV file we can read ({error}).") from error
    if not rows:
        raise PopulationFileError(f"{path}: the file is empty.")
    code_at, people_at = _column(rows[0], CODE_COLUMNS), _column(rows[0], PEOPLE_COLUMNS)
    if code_at is None or people_at is None:
        raise PopulationFileError(
            f"{path}: the first row must name the columns: one of "
            f"{', '.join(CODE_COLUMNS)} and one of {', '.join(PEOPLE_COLUMNS)}."
        )
    found: dict[str, int] = {}
    kinds: set[str] = set()
    problems = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        try:
            code, kind = area_of(row[code_at] if code_at < len(row) else "")
            count = (row[people_at] if people_at < len(row) else "").strip().replace(",", "")
            if not count.isdigit():
                raise ValueError(f"“{count[:20]}” is not a whole number of people")
            if code in found:
                raise ValueError(f"{code} is listed twice")
        except ValueError as error:
            problems.append(f"row {number}: {error}")
            continue
        found[code] = int(count)
        kinds.add(kind)
    if problems:
        more = f" (and {len(problems) - 10} more)" if len(problems) > 10 else ""
        raise PopulationFileError(f"{path}: " + "; ".join(problems[:10]) + more)
    if not found:
        raise PopulationFileError(f"{path}: no areas listed.")
    if len(kinds) > 1:
        raise PopulationFileError(
            f"{path}: one kind of area per file, please — this one mixes "
            + ", ".join(sorted(PopulationKind(k).label.lower() + "s" for k in kinds))
            + "."
        )
    return found, kinds.pop()


def import_population(path: Path | str, source: str = "") -> Report:
    people, kind = read(path)
    with transaction.atomic():
        Population.objects.all().delete()
        Population.objects.bulk_create(
            Population(code=code, kind=kind, people=count, source=source or Path(path).name)
            for code, count in people.items()
        )
    return Report(areas=len(people), kind=kind, people=sum(people.values()))


def clear() -> int:
    deleted, _ = Population.objects.all().delete()
    return deleted
