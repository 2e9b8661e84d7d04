"""Postcode district centres over whole districts (`District`), from a CSV with `outcode`,
`latitude`, `longitude` and (optionally) `n_postcodes` columns — the shared
`outcodes/london_postal_areas_district_centroids_from_codepoint_2014_08.csv` is one. Every
row is checked first; then all are written or none. Re-running changes nothing."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.db import transaction

from . import postcodes
from .models import District


class DistrictFileError(ValueError):
    pass


@dataclass
class Report:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def import_districts(path: str | Path, source: str) -> Report:
    rows: dict[str, tuple[Decimal, Decimal, int]] = {}
    try:
        with Path(path).open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = {"outcode", "latitude", "longitude"} - set(reader.fieldnames or [])
            if missing:
                raise DistrictFileError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
            for line, row in enumerate(reader, start=2):
                outcode = postcodes.compact(row["outcode"] or "")
                if not postcodes.is_outward_code(outcode):
                    raise DistrictFileError(f"line {line}: “{row['outcode']}” is not a district")
                try:
                    latitude = Decimal(row["latitude"]).quantize(Decimal("0.000001"))
                    longitude = Decimal(row["longitude"]).quantize(Decimal("0.000001"))
                    count = int(row.get("n_postcodes") or 0)
                except (InvalidOperation, ValueError) as error:
                    raise DistrictFileError(f"line {line}: a number could not be read") from error
                if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
                    raise DistrictFileError(f"line {line}: latitude or longitude out of range")
                rows[outcode] = (latitude, longitude, count)
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise DistrictFileError(f"{path}: cannot be read ({error})") from error
    report = Report()
    existing = {d.outcode: d for d in District.objects.filter(outcode__in=rows)}
    with transaction.atomic():
        for outcode, (latitude, longitude, count) in rows.items():
            found = existing.get(outcode)
            if found is None:
                District.objects.create(
                    outcode=outcode, latitude=latitude, longitude=longitude,
                    postcodes=count, source=source,
                )  # fmt: skip
                report.created += 1
            elif (found.latitude, found.longitude, found.postcodes, found.source) != (
                latitude, longitude, count, source,
            ):  # fmt: skip
                District.objects.filter(pk=found.pk).update(
                    latitude=latitude, longitude=longitude, postcodes=count, source=source
                )
                report.updated += 1
            else:
                report.unchanged += 1
    return report
