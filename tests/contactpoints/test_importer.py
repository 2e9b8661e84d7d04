"""import_contact_points: a force's or council's own list, checked row by row, all or
nothing, idempotent; and the real 2025 Met list and London postcodes that `make run` loads."""

from __future__ import annotations

import csv
import gzip
import io
import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.test import Client

from contactpoints.importer import COLUMNS
from contactpoints.models import Basis, ContactPoint, Fact, Status
from core.time import midnight
from demo.places import MET_LIST
from places.models import Postcode
from tests.shared_data import SHARED_DATA

pytestmark = pytest.mark.django_db
TEMPLATE = Path(__file__).resolve().parents[2] / "contactpoints/data/contact-points-template.csv"
LONDON_POSTCODES = (
    SHARED_DATA / "codepoint-open-2014-08/london_all_boroughs_codepoint_2014_08_wgs84_slim.csv.gz"
)


def write_csv(tmp_path: Path, rows: list[dict[str, str]]) -> Path:
    path = tmp_path / "list.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return path


def row(**values: str) -> dict[str, str]:
    base = {
        "name": "Lambeth Library contact point", "kind": "contact_point", "status": "open",
        "borough": "Lambeth", "postcode": "SW9 8AA", "latitude": "51.462", "longitude": "-0.115",
        "hours": "We 19:00-20:00; Sa 14:00-15:00", "bank_holidays": "closed",
        "private_room": "yes", "facts_basis": "checked", "facts_checked_on": "20/11/2026",
        "facts_checked_by": "PC Lee",
    }  # fmt: skip
    return base | values


def run(path: Path) -> str:
    out = io.StringIO()
    call_command("import_contact_points", str(path), "--no-progress", stdout=out)
    return out.getvalue()


@time_machine.travel(datetime(2026, 11, 27, 12, tzinfo=UTC), tick=False)
def test_the_template_imports_and_a_rerun_changes_nothing() -> None:
    assert "2 created" in run(TEMPLATE)
    assert "2 unchanged" in run(TEMPLATE)
    brixton = ContactPoint.objects.with_hours().get(slug="brixton-police-station")
    checks = brixton.fact_checks_by_fact()
    assert checks[Fact.PRIVATE_ROOM].basis == Basis.CHECKED
    assert checks[Fact.PRIVATE_ROOM].checked_by.startswith("PC A. Example")
    assert checks[Fact.BANK_HOLIDAYS].basis == Basis.UNCONFIRMED
    assert checks[Fact.HEARING_LOOP].basis == Basis.UNCONFIRMED
    assert brixton.schedule().rules_valid_on(date(2026, 11, 27))[0].valid_from == date(2026, 3, 3)


@time_machine.travel(datetime(2026, 11, 27, 12, tzinfo=UTC), tick=False)
def test_every_bad_row_is_reported_and_nothing_is_imported(tmp_path: Path) -> None:
    rows = [
        row(),
        row(name="Second", hours="Someday 10-12"),
        row(name="Third", latitude="", longitude="", postcode="ZZ9 9ZZ"),
        row(name="Fourth", facts_checked_on="31/12/2099", private_room="perhaps"),
        row(name="Fifth", kind="castle", closed_on="9999-12-31"),
        row(name="Sixth", address="x" * 5000),
    ]
    with pytest.raises(CommandError) as error:
        run(write_csv(tmp_path, rows))
    message = str(error.value)
    assert "Row 3: “someday” is not a day" in message
    assert "Row 4:" in message
    assert "needs a location" in message
    assert "Row 5:" in message
    assert "in the future" in message
    assert "yes, no or unknown" in message
    assert "Row 6:" in message
    assert "not one of" in message
    assert "outside 2000–2100" in message
    assert "Row 7:" in message
    assert "longer than" in message
    assert "Row 2:" not in message
    assert not ContactPoint.objects.exists()


def test_a_file_with_unknown_columns_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_text("name,kind,borough,colour\nA,contact_point,Lambeth,red\n")
    with pytest.raises(CommandError, match="unknown column"):
        run(path)


def test_oversized_cells_and_extra_cells_are_clear_errors(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_text("name,kind,borough\n" + "A" * 131_073 + ",contact_point,Lambeth\n")
    with pytest.raises(CommandError, match="line 2: a cell is far longer than any column allows"):
        run(path)
    path.write_text("name,kind,borough\nA,contact_point,Lambeth,extra\n")
    with pytest.raises(CommandError, match="line 2: more cells than the header has columns"):
        run(path)
    assert not ContactPoint.objects.exists()


@time_machine.travel(datetime(2026, 11, 27, 12, tzinfo=UTC), tick=False)
def test_geojson_and_new_hours_keep_the_old_ones_until_they_change(tmp_path: Path) -> None:
    def geojson(hours_text: str, hours_from: str) -> Path:
        properties = row(hours=hours_text, hours_from=hours_from)
        del properties["latitude"], properties["longitude"]
        feature = {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [-0.115, 51.462]},
            "properties": properties,
        }
        path = tmp_path / "list.geojson"
        path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
        return path

    assert "1 created" in run(geojson("We 19:00-20:00", ""))
    assert "1 updated" in run(geojson("Th 10:00-12:00", "2027-01-01"))
    schedule = ContactPoint.objects.with_hours().get().schedule()
    assert [s.local_start.date() for s in schedule.sessions_between(
        midnight(date(2026, 12, 28)), midnight(date(2027, 1, 11))
    )] == [date(2026, 12, 30), date(2027, 1, 7)]  # fmt: skip


@pytest.mark.skipif(not MET_LIST.is_file(), reason="needs ../shared/data")
def test_the_demo_loads_the_real_met_list_with_its_provenance(client: Client) -> None:
    call_command("load_demo", stdout=io.StringIO())
    with MET_LIST.open(encoding="utf-8") as handle:
        listed = list(csv.DictReader(handle))
    operating = [r for r in listed if not r["status_from_2026_03_03"].startswith("closed")]
    names = set(ContactPoint.objects.values_list("name", flat=True))
    # Every counter on the list is here except Hammersmith, whose postcode is newer than
    # the postcode data (no location until the postcodes are imported).
    missing = {r["name"] for r in listed} - names
    assert missing == {"Hammersmith Police Station"}
    acton = ContactPoint.objects.with_hours().get(slug="acton-police-station")
    assert acton.borough == "Ealing"
    assert acton.ward == "South Acton"
    page = client.get(acton.get_absolute_url()).content.decode()
    assert "Bank holidays: not confirmed" in page
    assert "Met front counter list (2025, third-party)" in page
    # The list says nothing about facilities or services: each is shown as not known.
    assert "Private room for a confidential conversation – not known: call 101" in page
    assert "Bail and signing on – not known: call 101" in page
    assert "not offered here" not in page
    assert "not available" not in page
    closed = ContactPoint.objects.get(slug="barking-learning-centre")
    assert closed.status == Status.CLOSED
    assert closed.closed_on == date(2026, 2, 28)
    assert len(operating) >= 25


@pytest.mark.skipif(not LONDON_POSTCODES.is_file(), reason="needs ../shared/data")
def test_e1_and_se_postcodes_are_found_without_the_remote_geocoder(
    tmp_path: Path, client: Client, settings: object
) -> None:
    """The London postcode file (the real format, E1 and SE rows of it) is imported, and
    a search for an E1 or SE postcode works with the remote geocoder switched off."""
    settings.GEOCODER = ""  # type: ignore[attr-defined]
    sample = tmp_path / "london.csv.gz"
    with (
        gzip.open(LONDON_POSTCODES, "rt", encoding="utf-8") as source,
        gzip.open(sample, "wt", encoding="utf-8") as target,
    ):
        target.write(source.readline())
        for line in source:
            if line.startswith(("E1 ", "SE1 ", "SE13 ")):
                target.write(line)
    call_command("import_postcodes", str(sample), "--no-progress", stdout=io.StringIO())
    assert Postcode.objects.filter(postcode="E1 6AN").exists()
    call_command("load_demo", stdout=io.StringIO())
    for query in ("E1 6AN", "se13 5jz", "SE1"):
        response = client.get("/search/", {"q": query})
        assert response.status_code == 200, query
        results = response.context["results"]
        assert results, query
    lewisham = client.get("/search/", {"q": "SE13 5JZ"}).context["results"][0]
    assert lewisham.contact_point.name == "Lewisham Police Station"


def test_a_larger_list_takes_a_few_statements_not_a_few_per_row(tmp_path: Path) -> None:
    """Places, hours and facts are written in bulk: a hundred rows take fewer statements than
    rows (they took about thirty each, one by one), created or every row changed, and every
    fact and rule is there."""
    import random

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bench.import_contact_points import rows
    from contactpoints import importer
    from contactpoints.models import FactCheck, OpeningRule

    today = date(2026, 12, 2)
    counts = {}
    for size in (10, 100):
        ContactPoint.objects.filter(slug__startswith="import-").delete()
        for changed in (False, True):
            given = rows(size, random.Random(size), changed=changed)
            with CaptureQueriesContext(connection) as queries:
                importer.import_rows(given, today=today)
            counts[size, changed] = len(queries.captured_queries)
        places = ContactPoint.objects.filter(slug__startswith="import-")
        assert places.count() == size
        assert set(places.values_list("name", flat=True)) == {
            f"Imported contact point {n} (renamed)" for n in range(size)
        }
        assert FactCheck.objects.filter(contact_point__in=places).count() == size * len(Fact)
        # The new hours from 1 March 2026 replaced the old ones from the same day.
        assert OpeningRule.objects.filter(contact_point__in=places).count() == size * 6
        one = places.with_hours().get(slug="import-00001")  # 11:00 once changed
        assert one.osm_opening_hours(today).startswith("Mo-Fr 11:00-17:00")
    # Batches grow with the rows (SQLite takes 999 parameters a statement): a few more.
    assert counts[100, False] < 50, counts
    assert counts[100, True] < 50, counts


def test_a_row_the_database_refuses_imports_nothing(tmp_path: Path) -> None:
    """A closing date before the place opened (the opening date kept in the back office)
    is refused with a clear message, and no other row is written."""
    ContactPoint.objects.create(
        slug="old-station", name="Old station", kind="front_counter", borough="Westminster",
        latitude=51.5, longitude=-0.12, opened_on=date(2020, 1, 1),
    )  # fmt: skip
    path = write_csv(tmp_path, [
        {"slug": "new-place", "name": "New place", "kind": "contact_point", "borough": "Camden",
         "latitude": "51.53", "longitude": "-0.14"},
        {"slug": "old-station", "name": "Old station", "kind": "front_counter",
         "borough": "Westminster", "status": "closed", "closed_on": "2019-06-30"},
    ])  # fmt: skip
    with pytest.raises(CommandError) as error:
        call_command("import_contact_points", str(path), "--no-progress")
    assert "Nothing imported" in str(error.value) or "nothing imported" in str(error.value)
    assert not ContactPoint.objects.filter(slug="new-place").exists()
    assert ContactPoint.objects.get(slug="old-station").status != Status.CLOSED


def test_a_reimport_that_changes_facts_and_hours_shows_on_every_page_at_once(
    tmp_path: Path, client: Client
) -> None:
    """Facts and hours written as rows (COPY on PostgreSQL) and updated in place still
    change the data version, so the kept pages and the API show the new list at once; the
    changed checks say when they changed."""
    from contactpoints.models import FactCheck

    first = row(slug="lambeth-library")
    second = row(
        slug="lambeth-library", private_room="no", facts_checked_by="PC Khan",
        hours="We 09:00-12:00",
    )  # fmt: skip
    with time_machine.travel(datetime(2026, 11, 25, 12, tzinfo=UTC), tick=False):
        assert "1 created" in run(write_csv(tmp_path, [first]))
        before = client.get("/api/v1/contact-points/lambeth-library").json()["properties"]
        page = client.get("/contact-points/lambeth-library/").content.decode()
    with time_machine.travel(datetime(2026, 11, 26, 10, 30, tzinfo=UTC), tick=False):
        assert "1 updated" in run(write_csv(tmp_path, [second]))
        after = client.get("/api/v1/contact-points/lambeth-library").json()["properties"]
        page_after = client.get("/contact-points/lambeth-library/").content.decode()
    assert before["facts"]["has_private_room"]["checked_by"] == "PC Lee"
    assert before["facilities"]["private_room"] is True
    assert before["opening_hours"].startswith("We 19:00-20:00")
    assert "PC Lee" in page
    assert after["facts"]["has_private_room"]["checked_by"] == "PC Khan"
    assert after["facilities"]["private_room"] is False
    assert "We 09:00-12:00" in after["opening_hours"]
    assert "PC Khan" in page_after
    assert "PC Lee" not in page_after
    check = FactCheck.objects.get(contact_point__slug="lambeth-library", fact=Fact.PRIVATE_ROOM)
    assert check.updated_at == datetime(2026, 11, 26, 10, 30, tzinfo=UTC)


@time_machine.travel(datetime(2026, 11, 27, 12, tzinfo=UTC), tick=False)
def test_a_reimport_writes_every_changed_value_exactly(tmp_path: Path) -> None:
    """Changed places are written many to a statement: quotes, accents and a value taken
    away (a location, a closing date) arrive as they were sent, and only those places
    change."""
    first = [row(slug="kept", name="Kept"), row(slug="moved", name="Moved")]
    run(write_csv(tmp_path, first))
    kept_before = ContactPoint.objects.values().get(slug="kept")
    again = [
        row(slug="kept", name="Kept"),
        row(slug="moved", name="O'Brien \"Hall\" – Café; DROP TABLE x", latitude="",
            longitude="", status="closed", closed_on="01/10/2026", postcode="SE13 5JZ"),
    ]  # fmt: skip
    assert "1 updated" in run(write_csv(tmp_path, again))
    moved = ContactPoint.objects.get(slug="moved")
    assert moved.name == 'O\'Brien "Hall" – Café; DROP TABLE x'
    assert (moved.latitude, moved.longitude) == (None, None)
    assert (moved.status, moved.closed_on, moved.postcode) == (
        Status.CLOSED, date(2026, 10, 1), "SE13 5JZ",
    )  # fmt: skip
    assert ContactPoint.objects.values().get(slug="kept") == kept_before
