"""Where the tests find the real open data: ../shared/data beside the project."""

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
