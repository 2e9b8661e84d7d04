"""Importing the postcode gazetteer from the official open data.

Two formats, recognised by their first line:

- ONS Postcode Directory (ONSPD): CSV with a header row. Columns are found by name, since
  their order and names change between releases (`pcds`, `lat`, `long`, `doterm`; the
  district is `oslaua` in older releases and `lad25cd` and the like in newer ones; the
  ward `osward` or `wd25cd`). Terminated postcodes (`doterm` set) and postcodes without
  a location (`lat` 99.999999) are skipped.
- OS Code-Point Open: CSV without a header, ten columns (PC, PQ, EA, NO, CY, RH, LH, CC,
  DC, WC) with British National Grid eastings and northings, converted to WGS84 by pyproj.
  Positional quality 90 means no location.

A path may be a CSV file, a directory of CSV files, or the distribution's zip. Rows are
streamed and upserted in batches, so memory stays constant and a re-run changes nothing.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import IO

from django.db import connection, transaction
from pyproj import Transformer

from . import postcodes
from .models import Postcode, PostcodeSource

BATCH_SIZE = 5_000
NO_LOCATION_LATITUDE = "99.999999"
CODEPOINT_NO_LOCATION_QUALITY = "90"
CODEPOINT_COLUMNS = 10


class UnrecognisedFile(ValueError):
    """A file that is neither ONSPD nor Code-Point Open; the message says which and why."""


@dataclass(frozen=True)
class Row:
    postcode: str
    latitude: Decimal
    longitude: Decimal
    district_code: str
    ward_code: str


@dataclass
class Report:
    files: list[str] = field(default_factory=list)
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: Counter[str] = field(default_factory=Counter)

    @property
    def rows(self) -> int:
        return self.inserted + self.updated + self.unchanged + sum(self.skipped.values())

    def summary(self) -> str:
        skipped = ", ".join(f"{count} {reason}" for reason, count in sorted(self.skipped.items()))
        return (
            f"{len(self.files)} file(s), {self.rows} rows: {self.inserted} inserted, "
            f"{self.updated} updated, {self.unchanged} unchanged, "
            f"{sum(self.skipped.values())} skipped" + (f" ({skipped})" if skipped else "")
        )


# --- Finding the files ------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    name: str
    size: int
    opener: Callable[[], IO[bytes]]


CSV_SUFFIXES = (".csv", ".csv.gz")


def sources(paths: Iterable[str | Path]) -> list[Source]:
    """Every CSV to read, in order. Raises FileNotFoundError or UnrecognisedFile."""
    found: list[Source] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.name.lower().endswith(CSV_SUFFIXES))
            if not files:
                raise UnrecognisedFile(f"{path}: no CSV files in this directory")
            found += [_file_source(p) for p in files]
        elif path.suffix.lower() == ".zip" and path.is_file():
            found += _zip_sources(path)
        elif path.is_file():
            found.append(_file_source(path))
        else:
            raise FileNotFoundError(f"{path}: no such file or directory")
    return found


def _file_source(path: Path) -> Source:
    if path.suffix.lower() == ".gz":
        # The size is of the compressed file; the progress bar counts uncompressed bytes,
        # so it is read from the file's gzip trailer (exact below 4 GiB).
        with path.open("rb") as raw:
            raw.seek(-4, io.SEEK_END)
            size = int.from_bytes(raw.read(4), "little")
        return Source(str(path), size, lambda: gzip.open(path, "rb"))  # type: ignore[return-value,arg-type]
    return Source(str(path), path.stat().st_size, lambda: path.open("rb"))


def _zip_sources(path: Path) -> list[Source]:
    """The data CSVs of an ONSPD or Code-Point Open zip: those under a Data/ folder
    (preferring ONSPD's single whole-UK file to its multi_csv split), else every CSV."""
    with zipfile.ZipFile(path) as archive:
        members = [i for i in archive.infolist() if i.filename.lower().endswith(".csv")]
    data = [m for m in members if "data/" in m.filename.lower()]
    whole = [m for m in data if "multi_csv/" not in m.filename.lower()]
    chosen = whole or data or members
    if not chosen:
        raise UnrecognisedFile(f"{path}: no CSV files in this zip")

    def opener(member: zipfile.ZipInfo) -> Callable[[], IO[bytes]]:
        def open_member() -> IO[bytes]:
            archive = zipfile.ZipFile(path)
            return archive.open(member)

        return open_member

    return [
        Source(f"{path}:{m.filename}", m.file_size, opener(m))
        for m in sorted(chosen, key=lambda m: m.filename)
    ]


# --- Reading rows -----------------------------------------------------------------------


@cache
def _british_national_grid_to_wgs84() -> Transformer:
    # EPSG:27700 -> EPSG:4326 without the OSTN15 grid file (not shipped): within a few
    # metres, which is fine for finding the nearest contact point.
    return Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)


def _column(header: list[str], *patterns: str) -> int | None:
    for pattern in patterns:
        for index, name in enumerate(header):
            if re.fullmatch(pattern, name):
                return index
    return None


def read(
    stream: IO[bytes], name: str, skipped: Counter[str]
) -> tuple[PostcodeSource, Iterator[Row]]:
    """The file's format and its rows with a location; what is left out is counted in
    `skipped`. Reads the first line at once: an unknown file fails before any row."""
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    reader = csv.reader(text)
    first = next(reader, None)
    if first is None:
        raise UnrecognisedFile(f"{name}: the file is empty")
    if len(first) >= CODEPOINT_COLUMNS and postcodes.is_full_postcode(first[0]):
        return PostcodeSource.CODEPOINT, _codepoint_rows(_chain([first], reader), skipped)
    header = [h.strip().lower() for h in first]
    postcode = _column(header, "pcds", "pcd", "pcd7", "pcd8", "postcode")
    lat, lon = _column(header, "lat", "latitude"), _column(header, "long", "longitude")
    if postcode is None or lat is None or lon is None:
        raise UnrecognisedFile(
            f"{name}: not a postcode file we understand. Expected an ONS Postcode Directory "
            "CSV (a header with pcds, lat and long) or an OS Code-Point Open CSV (no header, "
            f"ten columns, a postcode first); the first line starts {','.join(first[:4])!r}"
        )
    # Code-Point Open with WGS84 columns added (the shared London extract) names
    # Code-Point's own quality column; anything else with this header is ONSPD-like.
    kind = (
        PostcodeSource.CODEPOINT
        if "positional_quality_indicator" in header
        else PostcodeSource.ONSPD
    )
    return kind, _onspd_rows(
        reader,
        skipped,
        postcode=postcode,
        lat=lat,
        lon=lon,
        terminated=_column(header, "doterm"),
        district=_column(header, "oslaua", r"lad\d\dcd", "lad", "admin_district_code"),
        ward=_column(header, "osward", r"wd\d\dcd", "ward", "admin_ward_code"),
    )


def _chain(first: list[list[str]], rest: Iterator[list[str]]) -> Iterator[list[str]]:
    yield from first
    yield from rest


def _canonical(raw: str, skipped: Counter[str]) -> str | None:
    try:
        return postcodes.normalise(raw)
    except postcodes.InvalidPostcode:
        skipped["not a valid postcode"] += 1
        return None


def _onspd_rows(
    reader: Iterator[list[str]],
    skipped: Counter[str],
    *,
    postcode: int,
    lat: int,
    lon: int,
    terminated: int | None,
    district: int | None,
    ward: int | None,
) -> Iterator[Row]:
    for fields in reader:
        if not fields:
            continue
        if terminated is not None and fields[terminated].strip():
            skipped["terminated"] += 1
            continue
        latitude, longitude = fields[lat].strip(), fields[lon].strip()
        if not latitude or latitude == NO_LOCATION_LATITUDE:
            skipped["no location"] += 1
            continue
        canonical = _canonical(fields[postcode], skipped)
        if canonical is None:
            continue
        yield Row(
            canonical,
            Decimal(latitude).quantize(Decimal("0.000001")),
            Decimal(longitude).quantize(Decimal("0.000001")),
            fields[district].strip() if district is not None else "",
            fields[ward].strip() if ward is not None else "",
        )


def _codepoint_rows(reader: Iterator[list[str]], skipped: Counter[str]) -> Iterator[Row]:
    transform = _british_national_grid_to_wgs84().transform
    for fields in reader:
        if not fields:
            continue
        pc, quality, easting, northing = fields[0], fields[1], fields[2], fields[3]
        if quality.strip() == CODEPOINT_NO_LOCATION_QUALITY or not easting.strip("0 "):
            skipped["no location"] += 1
            continue
        canonical = _canonical(pc, skipped)
        if canonical is None:
            continue
        longitude, latitude = transform(float(easting), float(northing))
        yield Row(
            canonical,
            Decimal(f"{latitude:.6f}"),
            Decimal(f"{longitude:.6f}"),
            fields[8].strip(),
            fields[9].strip(),
        )


# --- Writing ----------------------------------------------------------------------------


def upsert(batch: dict[str, Row], source: PostcodeSource, report: Report) -> None:
    """Insert new postcodes and update changed ones; count what is unchanged."""
    fields = ("latitude", "longitude", "district_code", "ward_code")
    existing = {
        values[0]: values[1:]
        for values in Postcode.objects.filter(postcode__in=batch).values_list("postcode", *fields)
    }
    writes = []
    for code, row in batch.items():
        values = (row.latitude, row.longitude, row.district_code, row.ward_code)
        if code not in existing:
            report.inserted += 1
        elif existing[code] != values:
            report.updated += 1
        else:
            report.unchanged += 1
            continue
        writes.append(
            Postcode(
                postcode=code,
                outward=code.split(" ")[0],
                latitude=row.latitude,
                longitude=row.longitude,
                district_code=row.district_code,
                ward_code=row.ward_code,
                source=source,
            )
        )
    if writes:
        Postcode.objects.bulk_create(
            writes,
            update_conflicts=True,
            unique_fields=["postcode"],
            update_fields=[*fields, "outward", "source", "updated_at"],
        )


@contextmanager
def _opened(source: Source) -> Iterator[IO[bytes]]:
    stream = source.opener()
    try:
        yield stream
    finally:
        stream.close()


def import_postcodes(
    paths: Iterable[str | Path],
    *,
    batch_size: int = BATCH_SIZE,
    progress: Callable[[Source], Callable[[int], object]] | None = None,
) -> Report:
    """Import every postcode in `paths`. Every file's format is checked before anything
    is written; each file is then imported in its own transaction, batch by batch."""
    report = Report()
    found = sources(paths)
    for source in found:
        with _opened(source) as stream:
            read(stream, source.name, Counter())  # raises UnrecognisedFile
    for source in found:
        advance = progress(source) if progress else None
        with _opened(source) as stream:
            counted = io.BufferedReader(_CountingReader(stream, advance))
            kind, rows = read(counted, source.name, report.skipped)
            with transaction.atomic():
                if connection.vendor == "postgresql":
                    copy_upsert(rows, kind, report)
                else:
                    _batched_upsert(rows, kind, report, batch_size)
        report.files.append(source.name)
    return report


def _batched_upsert(
    rows: Iterable[Row], source: PostcodeSource, report: Report, batch_size: int
) -> None:
    """SQLite: batches of `batch_size` rows, each read and written in a few statements."""
    batch: dict[str, Row] = {}
    for row in rows:
        batch[row.postcode] = row
        if len(batch) >= batch_size:
            upsert(batch, source, report)
            batch = {}
    if batch:
        upsert(batch, source, report)


def copy_upsert(rows: Iterable[Row], source: PostcodeSource, report: Report) -> None:
    """PostgreSQL: stream every row into a temporary table with COPY (constant memory, at
    COPY's speed), then merge it into the gazetteer with one statement that inserts new
    postcodes and updates only those whose values changed (other writers wait; readers
    do not). Within a file, the last row for a postcode wins, as in the batched path."""
    table = Postcode._meta.db_table
    with connection.cursor() as cursor:
        # Dropped at the end; ON COMMIT DROP too, for a transaction that fails half-way.
        cursor.execute("DROP TABLE IF EXISTS postcode_load")
        cursor.execute(
            "CREATE TEMPORARY TABLE postcode_load (seq bigint, postcode varchar(8), "
            "latitude numeric(9, 6), longitude numeric(9, 6), district_code varchar(9), "
            "ward_code varchar(9)) ON COMMIT DROP"
        )
        columns = "seq, postcode, latitude, longitude, district_code, ward_code"
        with cursor.cursor.copy(f"COPY postcode_load ({columns}) FROM STDIN") as copy:
            # Numbered here, not by a sequence the server would advance for every row.
            for seq, row in enumerate(rows):
                copy.write_row((seq, row.postcode, row.latitude, row.longitude,
                                row.district_code, row.ward_code))  # fmt: skip
        # The merge sorts every row by postcode: in memory, not in files on disk (the
        # default 4 MB spilled a London file's sort to disk, a third of the import).
        cursor.execute("SET LOCAL work_mem = '256MB'")
        # New postcodes go in by a plain INSERT and changed ones by an UPDATE: an upsert
        # (ON CONFLICT) first tries each row as an insertion, which on a first import was
        # most of the merge's time. With the table locked against other writers (readers
        # go on), nothing can add a postcode between the two.
        cursor.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")
        cursor.execute(
            f"""
            WITH latest AS (
                SELECT DISTINCT ON (postcode) postcode, latitude, longitude, district_code,
                       ward_code
                FROM postcode_load ORDER BY postcode, seq DESC
            ),
            changed AS (
                UPDATE {table} AS p SET
                    outward = split_part(l.postcode, ' ', 1), latitude = l.latitude,
                    longitude = l.longitude, district_code = l.district_code,
                    ward_code = l.ward_code, source = %s, updated_at = now()
                FROM latest AS l
                WHERE p.postcode = l.postcode
                  AND (p.latitude, p.longitude, p.district_code, p.ward_code)
                      IS DISTINCT FROM (l.latitude, l.longitude, l.district_code, l.ward_code)
                RETURNING 1
            ),
            added AS (
                INSERT INTO {table} (postcode, outward, latitude, longitude, district_code,
                                     ward_code, source, updated_at)
                SELECT postcode, split_part(postcode, ' ', 1), latitude, longitude,
                       district_code, ward_code, %s, now()
                FROM latest AS l
                WHERE NOT EXISTS (SELECT FROM {table} AS p WHERE p.postcode = l.postcode)
                RETURNING 1
            )
            SELECT (SELECT count(*) FROM latest), (SELECT count(*) FROM added),
                   (SELECT count(*) FROM changed)
            """,  # noqa: S608  (our own table name)
            [str(source), str(source)],
        )
        total, inserted, updated = cursor.fetchone()
        cursor.execute("DROP TABLE postcode_load")
    report.inserted += inserted
    report.updated += updated
    report.unchanged += total - inserted - updated


class _CountingReader(io.RawIOBase):
    """Wraps a binary stream and reports the bytes read, for the progress bar."""

    def __init__(self, stream: IO[bytes], advance: Callable[[int], object] | None) -> None:
        self._stream = stream
        self._advance = advance

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        data = self._stream.read(len(buffer))
        buffer[: len(data)] = data
        if self._advance and data:
            self._advance(len(data))
        return len(data)
