"""The geocoder chain: local gazetteer first, then a remote geocoder that may be slow,
failing, refusing or switched off. The remote is a local stand-in speaking Nominatim's
protocol: the real one is outside this machine."""

import json
import threading
import time
from collections.abc import Iterator
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest
from django.core.cache import cache

from places import geocoding
from places.geocoding import LocationError, from_coordinates, locate
from places.models import Postcode

pytestmark = [pytest.mark.django_db, pytest.mark.cache]


class StandIn(BaseHTTPRequestHandler):
    """Nominatim's /search: answers by the query text."""

    requests: list[str] = []
    # Set when the test is over: until then a slow request is held, unanswered.
    test_over = threading.Event()

    def do_GET(self) -> None:
        query = parse_qs(urlparse(self.path).query)
        text = query.get("q", [""])[0]
        StandIn.requests.append(text)
        body: object
        if "slow" in text:
            # Never answers: the caller has long given up at its timeout by the time the
            # test ends. Sending nothing then means no write to a closed socket, whose
            # error, printed from this thread in the middle of a later test, would be
            # noise at best (and on Python 3.11 formatting it races that test's own use
            # of the ast module: "AST constructor recursion depth mismatch").
            StandIn.test_over.wait(timeout=30)
            return
        elif "broken" in text:
            body, status = {"error": "internal"}, 500
        elif "refused" in text:
            body, status = {"error": "blocked"}, 403
        elif "paris" in text.lower():
            body, status = [{"lat": "48.8566", "lon": "2.3522", "display_name": "Paris"}], 200
        elif "paddington" in text.lower():
            body = [
                {
                    "lat": "51.5154",
                    "lon": "-0.1755",
                    "display_name": "Paddington, City of Westminster, London, United Kingdom",
                    "place_rank": 20,  # a suburb
                    "addresstype": "suburb",
                }
            ]
            status = 200
        elif text.lower().startswith("area "):  # any number of towns and suburbs
            n = int(text.split()[1])
            body = [
                {
                    "lat": f"{51.3 + (n % 500) / 1000:.4f}",
                    "lon": f"{-0.4 + n // 500 / 100:.4f}",
                    "display_name": f"Area {n}, London, United Kingdom",
                    "place_rank": 20,
                }
            ]
            status = 200
        elif "acacia" in text.lower():  # a house: an address someone typed
            body = [
                {
                    "lat": "51.4712345",
                    "lon": "-0.0198765",
                    "display_name": "10, Acacia Avenue, Lewisham, London, SE13 5JZ, United Kingdom",
                    "place_rank": 30,
                    "addresstype": "house",
                }
            ]
            status = 200
        else:
            body, status = [], 200
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def remote(settings: object) -> Iterator[list[str]]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), StandIn)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    StandIn.test_over.clear()
    settings.GEOCODER = "nominatim"  # type: ignore[attr-defined]
    settings.GEOCODER_DOMAIN = f"127.0.0.1:{server.server_port}"  # type: ignore[attr-defined]
    settings.GEOCODER_SCHEME = "http"  # type: ignore[attr-defined]
    settings.GEOCODER_TIMEOUT = 0.5  # type: ignore[attr-defined]
    settings.GEOCODER_MIN_DELAY = 0  # type: ignore[attr-defined]
    geocoding._geocode.cache_clear()
    cache.clear()
    StandIn.requests = []
    yield StandIn.requests
    StandIn.test_over.set()
    server.shutdown()
    server.server_close()  # waits for every request's thread: none outlives the test
    geocoding._geocode.cache_clear()


@pytest.fixture
def gazetteer() -> None:
    Postcode.objects.create(
        postcode="WC2N 4JP", outward="WC2N", latitude=Decimal("51.509786"),
        longitude=Decimal("-0.124658"), source="codepoint",
    )  # fmt: skip
    for i, (lat, lon) in enumerate([("51.51", "-0.18"), ("51.52", "-0.19")]):
        Postcode.objects.create(
            postcode=f"W2 {i}AA", outward="W2", latitude=Decimal(lat), longitude=Decimal(lon),
            source="codepoint",
        )  # fmt: skip


def test_postcodes_come_from_the_gazetteer_without_asking_the_remote(
    gazetteer: None, remote: list[str]
) -> None:
    place = locate(" wc2n4jp ")
    assert (place.label, place.source) == ("WC2N 4JP", "postcode")
    assert place.coordinates == (51.509786, -0.124658)
    district = locate("w2")
    # No whole-district centres loaded: the label says whose centre it is.
    assert district.label == "W2 (the part of the postcode district in our postcode data)"
    assert district.coordinates == pytest.approx((51.515, -0.185))
    assert remote == []


def test_place_names_go_to_the_remote_and_areas_are_cached(remote: list[str]) -> None:
    place = locate("Paddington")
    assert place.source == "geocoder"
    assert place.label == "Paddington, City of Westminster, London"
    assert place.coordinates == (51.5154, -0.1755)
    assert locate("paddington").coordinates == place.coordinates
    assert remote == ["Paddington"]  # the second answer came from the cache


def test_addresses_and_not_found_are_never_cached(remote: list[str]) -> None:
    """An address someone typed is not kept: asked again, it goes to the geocoder again."""
    home = locate("10 Acacia Avenue")
    assert home.coordinates == (51.4712345, -0.0198765)
    assert locate("10 acacia avenue").coordinates == home.coordinates
    for _ in range(2):
        with pytest.raises(LocationError):
            locate("Nowhereville")
    assert remote == ["10 Acacia Avenue", "10 acacia avenue", "Nowhereville", "Nowhereville"]


def test_a_postcode_missing_from_the_gazetteer_asks_the_remote(remote: list[str]) -> None:
    with pytest.raises(LocationError, match="couldn't find that place"):
        locate("W6 7NX")  # created after the 2014 data
    assert remote == ["W6 7NX"]


@pytest.mark.parametrize("query", ["slow lane", "broken road", "refused street"])
def test_remote_failures_are_a_clear_message_quickly(remote: list[str], query: str) -> None:
    start = time.monotonic()
    with pytest.raises(LocationError, match="couldn't look up that place just now") as caught:
        locate(query)
    assert caught.value.retryable
    # The slow stand-in never answers: the search gave up at its timeout (0.5 s).
    assert time.monotonic() - start < 1.5


def test_not_found_and_outside_great_britain(remote: list[str]) -> None:
    with pytest.raises(LocationError, match="couldn't find that place") as caught:
        locate("Nowhereville")
    assert not caught.value.retryable
    with pytest.raises(LocationError, match="couldn't find that place"):
        locate("Paris")


def test_switched_off_remote_is_never_asked(remote: list[str], settings: object) -> None:
    settings.GEOCODER = ""  # type: ignore[attr-defined]
    with pytest.raises(LocationError, match="Try a postcode"):
        locate("Paddington")
    assert remote == []


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("", "Enter a postcode or the name of a place"),
        ("   ", "Enter a postcode or the name of a place"),
        ("x" * 101, "too long"),
        ("BT1 1AA", "Northern Ireland"),
        ("JE2 4WD", "Jersey"),
        ("IM1", "Isle of Man"),
    ],
)
def test_bad_queries(query: str, message: str, remote: list[str]) -> None:
    with pytest.raises(LocationError, match=message):
        locate(query)
    assert remote == []


@pytest.mark.parametrize(
    ("lat", "lon", "message"),
    [
        ("abc", "0", "must be numbers"),
        ("nan", "0", "must be numbers"),
        ("91", "0", "between -90 and 90"),
        ("0", "-181", "between -90 and 90"),
    ],
)
def test_bad_coordinates(lat: str, lon: str, message: str) -> None:
    with pytest.raises(LocationError, match=message):
        from_coordinates(lat, lon)


def test_search_terms_are_not_logged(remote: list[str], caplog: pytest.LogCaptureFixture) -> None:
    with pytest.raises(LocationError):
        locate("broken 10 Downing Street")
    assert "Downing" not in caplog.text
    assert "GeocoderServiceError" in caplog.text or "Geocoder" in caplog.text
