"""Where the tests find the real open data: ../shared/data beside the project."""

import gzip
import json
from decimal import Decimal
from pathlib import Path

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
CODEPOINT_RAW = SHARED_DATA / "codepoint-open-2014-08" / "raw"
ONSPD_SAMPLES = SHARED_DATA / "onspd-samples"
LONDON_POSTCODES = (
    SHARED_DATA
    / "codepoint-open-2014-08"
    / "london_all_boroughs_codepoint_2014_08_wgs84_slim.csv.gz"
)
WESTMINSTER_POSTCODES = (
    SHARED_DATA / "codepoint-open-2014-08" / "westminster_E09000033_codepoint_2014_08_wgs84.csv"
)
LONDON_WARDS = SHARED_DATA / "boundaries" / "london_wards_2013.geojson"
DISTRICT_CENTRES = (
    SHARED_DATA / "outcodes" / "london_postal_areas_district_centroids_from_codepoint_2014_08.csv"
)


def load_westminster(directory: Path) -> None:
    """Westminster's 20 wards (from the London file, written to `directory`) and its 14,418
    postcodes, through the real importers."""
    from places.boundaries import import_boundaries
    from places.gazetteer import import_postcodes

    data = json.loads(LONDON_WARDS.read_text())
    data["features"] = [f for f in data["features"] if f["properties"]["LAD_CD"] == "E09000033"]
    wards = directory / "westminster-wards.geojson"
    wards.write_text(json.dumps(data))
    assert import_boundaries(wards).wards == 20
    import_postcodes([WESTMINSTER_POSTCODES])


def postcode_from_the_london_file(postcode: str) -> None:
    """One row of the real Code-Point Open London file into the gazetteer."""
    from places.models import Postcode

    with gzip.open(LONDON_POSTCODES, "rt", encoding="utf-8") as rows:
        header = next(rows).strip().split(",")
        for line in rows:
            if line.startswith(postcode + ","):
                row = dict(zip(header, line.strip().split(","), strict=True))
                break
        else:
            raise AssertionError(f"{postcode} is not in the London file")
    Postcode.objects.create(
        postcode=postcode, outward=postcode.split()[0], source="codepoint",
        latitude=Decimal(row["latitude"]), longitude=Decimal(row["longitude"]),
    )  # fmt: skip
