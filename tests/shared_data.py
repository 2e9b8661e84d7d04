"""Where the tests find the real open data: ../shared/data beside the project."""

import json
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
