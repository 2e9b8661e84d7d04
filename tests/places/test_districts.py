"""A postcode district search is centred on the whole district, in London or beyond its
edge (the shared outcode centroids), and found without the remote geocoder; where no
whole-district centre is loaded, the page says the centre is of the part we hold."""

from __future__ import annotations

import csv
import gzip
from pathlib import Path

import pytest

from places import districts, geocoding
from places.gazetteer import import_postcodes
from places.models import District
from tests.shared_data import DISTRICT_CENTRES as CENTROIDS
from tests.shared_data import LONDON_POSTCODES

pytestmark = pytest.mark.django_db


@pytest.fixture
def no_remote(settings: object) -> None:
    settings.GEOCODER = ""  # type: ignore[attr-defined]  # anything remote would fail


def test_every_district_in_the_file_is_found_on_its_whole_centre(no_remote: None) -> None:
    report = districts.import_districts(CENTROIDS, "Code-Point Open 2014 district centroids")
    with CENTROIDS.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert report.created == len(rows) > 300
    for row in rows:
        place = geocoding.locate(row["outcode"])
        assert place.label == f"{row['outcode']} (postcode district)"
        assert (place.latitude, place.longitude) == (
            pytest.approx(float(row["latitude"]), abs=1e-6),
            pytest.approx(float(row["longitude"]), abs=1e-6),
        )
    # Re-running changes nothing.
    again = districts.import_districts(CENTROIDS, "Code-Point Open 2014 district centroids")
    assert (again.created, again.updated, again.unchanged) == (0, 0, len(rows))


def test_a_district_across_londons_edge_is_not_centred_on_its_london_part(
    no_remote: None, tmp_path: Path
) -> None:
    """EN7 (Cheshunt, mostly in Hertfordshire): the London postcodes alone put its centre
    in the few London streets; the whole-district centre is kilometres away."""
    en7 = tmp_path / "en7.csv"  # the London file's EN7 rows, as they are
    with gzip.open(LONDON_POSTCODES, "rt", encoding="utf-8") as rows:
        en7.write_text(next(rows) + "".join(r for r in rows if r.startswith("EN7 ")))
    import_postcodes([en7])
    london_part = geocoding.locate("EN7")
    assert "the part of the postcode district in our postcode data" in london_part.label
    districts.import_districts(CENTROIDS, "Code-Point Open 2014 district centroids")
    whole = geocoding.locate("EN7")
    assert whole.label == "EN7 (postcode district)"
    assert (whole.latitude, whole.longitude) == (pytest.approx(51.712084), pytest.approx(-0.06928))
    assert abs(whole.latitude - london_part.latitude) > 0.01


def test_a_bad_file_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    bad = tmp_path / "districts.csv"
    bad.write_text("outcode,latitude,longitude\nW2,51.5,-0.18\nNOTADISTRICT,51.5,-0.1\n")
    with pytest.raises(districts.DistrictFileError, match="line 3"):
        districts.import_districts(bad, "test")
    assert not District.objects.exists()
    bad.write_text("outcode,lat\nW2,51.5\n")
    with pytest.raises(districts.DistrictFileError, match="missing column"):
        districts.import_districts(bad, "test")
