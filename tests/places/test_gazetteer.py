"""Importing postcodes from the real official formats in ../shared/data."""

import shutil
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from places.gazetteer import UnrecognisedFile, import_postcodes
from places.models import Postcode
from tests.shared_data import CODEPOINT_RAW as CODEPOINT
from tests.shared_data import ONSPD_SAMPLES as ONSPD
from tests.shared_data import SHARED_DATA as DATA

pytestmark = pytest.mark.django_db


def test_code_point_open_with_grid_conversion() -> None:
    report = import_postcodes([CODEPOINT / "wc.csv"])
    lines = len((CODEPOINT / "wc.csv").read_text().splitlines())
    assert report.inserted == Postcode.objects.count() == lines
    assert report.skipped.total() == 0
    charing_cross = Postcode.objects.get(postcode="WC2N 4JP")
    # The reference point from the data README, within a metre.
    assert abs(charing_cross.latitude - Decimal("51.509786")) <= Decimal("0.00001")
    assert abs(charing_cross.longitude - Decimal("-0.124658")) <= Decimal("0.00001")
    assert charing_cross.outward == "WC2N"
    assert charing_cross.district_code == "E09000033"
    assert charing_cross.ward_code == "E05000644"
    assert charing_cross.source == "codepoint"


def test_re_running_changes_nothing_and_changed_rows_are_updated(tmp_path: Path) -> None:
    first = import_postcodes([CODEPOINT / "wc.csv"])
    again = import_postcodes([CODEPOINT / "wc.csv"])
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, first.inserted)
    moved = tmp_path / "wc.csv"
    lines = (CODEPOINT / "wc.csv").read_text().splitlines()
    row = lines[0].split(",")
    row[2] = str(int(row[2]) + 100)  # 100 metres east
    moved.write_text("\n".join([",".join(row), *lines[1:]]) + "\n")
    changed = import_postcodes([moved])
    assert (changed.inserted, changed.updated) == (0, 1)


@pytest.mark.parametrize(
    ("sample", "district_code"),
    [
        ("democracyclub_onspd_may2018_onspd_test.csv", "oslaua"),
        ("democracyclub_onspd_aug2024_onspd_test.csv", "oslaua"),
        ("democracyclub_onspd_nov2025_onspd_test.csv", "lad25cd"),
        ("postcodes_io_seed_onspd_2025_trimmed.csv", "oslaua"),
        ("postcodes_io_seed_onspd_2021_quoted_nonAB_rows.csv", "oslaua"),
    ],
)
def test_onspd_releases_old_and_new_column_names(sample: str, district_code: str) -> None:
    path = ONSPD / sample
    header = path.read_text().splitlines()[0].split(",")
    assert district_code in header
    report = import_postcodes([path])
    rows = len(path.read_text().splitlines()) - 1
    assert report.rows == rows
    # Terminated postcodes and those without a location are never imported.
    assert report.skipped["terminated"] + report.skipped["no location"] == rows - report.inserted
    for postcode in Postcode.objects.all():
        assert postcode.source == "onspd"
        assert Decimal(-90) < postcode.latitude < Decimal(90)
        assert postcode.latitude != Decimal("99.999999")


def test_onspd_live_postcodes_keep_their_codes() -> None:
    import_postcodes([ONSPD / "postcodes_io_seed_onspd_2021_quoted_nonAB_rows.csv"])
    m1 = Postcode.objects.get(postcode="M1 1AD")
    assert (m1.district_code, m1.ward_code) == ("E08000003", "E05011361")
    assert m1.latitude == Decimal("53.483784")


def test_a_utf8_byte_order_mark_is_ignored(tmp_path: Path) -> None:
    sample = ONSPD / "postcodes_io_seed_onspd_2021_quoted_nonAB_rows.csv"
    with_bom = tmp_path / "onspd.csv"
    with_bom.write_bytes(b"\xef\xbb\xbf" + sample.read_bytes())
    assert import_postcodes([with_bom]).inserted == import_postcodes([sample]).unchanged > 0


def test_directory_and_distribution_zip(tmp_path: Path) -> None:
    directory = tmp_path / "raw"
    directory.mkdir()
    for name in ("wc.csv", "ec.csv"):
        shutil.copy(CODEPOINT / name, directory / name)
    from_directory = import_postcodes([directory])
    assert len(from_directory.files) == 2

    archive = tmp_path / "codepo_gb.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.write(CODEPOINT / "wc.csv", "Data/CSV/wc.csv")
        zipped.write(CODEPOINT / "ec.csv", "Data/CSV/ec.csv")
        zipped.write(DATA / "codepoint-open-2014-08" / "Code-Point_Open_Column_Headers.csv",
                     "Doc/Code-Point_Open_Column_Headers.csv")  # fmt: skip
    from_zip = import_postcodes([archive])
    assert [name.rsplit(":", 1)[1] for name in from_zip.files] == [
        "Data/CSV/ec.csv",
        "Data/CSV/wc.csv",
    ]
    assert from_zip.unchanged == from_directory.inserted


def test_files_it_does_not_understand_stop_with_a_clear_message(tmp_path: Path) -> None:
    with pytest.raises(UnrecognisedFile, match="not a postcode file we understand"):
        import_postcodes([ONSPD / "democracyclub_onsud_test.csv"])
    headers = DATA / "codepoint-open-2014-08" / "Code-Point_Open_Column_Headers.csv"
    with pytest.raises(UnrecognisedFile, match="first line starts 'PC,PQ,EA,NO'"):
        import_postcodes([headers])
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(UnrecognisedFile, match="the file is empty"):
        import_postcodes([empty])
    with pytest.raises(FileNotFoundError):
        import_postcodes([tmp_path / "missing.csv"])


def test_a_bad_file_among_good_ones_imports_nothing() -> None:
    with pytest.raises(UnrecognisedFile):
        import_postcodes([CODEPOINT / "wc.csv", ONSPD / "democracyclub_onsud_test.csv"])
    assert not Postcode.objects.exists()


def test_command_reports_counts_and_refuses_bad_files(capsys: pytest.CaptureFixture) -> None:
    call_command("import_postcodes", str(CODEPOINT / "ec.csv"), "--no-progress")
    output = capsys.readouterr().out
    assert "1 file(s)" in output
    assert f"{Postcode.objects.count()} inserted" in output
    with pytest.raises(CommandError, match="Nothing imported from that file"):
        call_command("import_postcodes", str(ONSPD / "democracyclub_onsud_test.csv"))


def test_within_a_file_the_last_row_for_a_postcode_wins(tmp_path: Path) -> None:
    """A file that lists a postcode twice (a correction appended) keeps the later row,
    whichever way the merge numbers the rows."""
    lines = (CODEPOINT / "wc.csv").read_text().splitlines()[:3]
    row = lines[0].split(",")
    corrected = ",".join([*row[:2], str(int(row[2]) + 100), *row[3:]])  # 100 metres east
    original, twice = tmp_path / "wc.csv", tmp_path / "twice" / "wc.csv"
    twice.parent.mkdir()
    original.write_text("\n".join(lines) + "\n")
    twice.write_text("\n".join([*lines, corrected]) + "\n")
    import_postcodes([original])
    before = Postcode.objects.order_by("postcode").first()  # WC1A 1AB, the first row
    assert before is not None
    assert before.postcode.replace(" ", "") == row[0].strip('"')
    report = import_postcodes([twice])
    assert (report.inserted, report.updated, report.unchanged) == (0, 1, 2)
    assert Postcode.objects.get(pk=before.pk).longitude > before.longitude


def test_the_gazetteer_keeps_only_the_indexes_its_lookups_use() -> None:
    """On PostgreSQL each index is written for every postcode imported: the key, the
    postcode (unique) and the district, and no pattern-matching copy of the postcode
    (which a table rename once left behind)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("SQLite makes no pattern-matching indexes; CI runs this on PostgreSQL")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = %s", [Postcode._meta.db_table]
        )
        found = [row[0] for row in cursor.fetchall()]
    assert len(found) == 3, found
    assert not [index for index in found if "pattern_ops" in index]
