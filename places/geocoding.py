"""Turning what a resident types into a place: postcode, district or place name.

The chain, first answer wins:

1. A full postcode in the local gazetteer (imported from ONSPD / Code-Point Open).
2. A postcode district ("W2"): the mean position of its postcodes in the gazetteer.
3. Anything else (place names, postcodes newer than the gazetteer): a remote geocoder
   through geopy — Nominatim by default — rate-limited, with a timeout. It can be
   switched off, and when it is off, slow, failing or refusing, the resident gets a clear
   message rather than an error page.

Search terms are never logged or kept: they can be a home address. A remote answer is
cached only when it is an area — a town, a suburb, a neighbourhood (Nominatim's
`place_rank` up to 25) — under a keyed hash of what was typed, so the cache never holds
the words, a postcode, a street, a building or an address; "not found" is not cached.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from geopy.adapters import URLLibAdapter
from geopy.exc import GeopyError
from geopy.extra.rate_limiter import RateLimiter
from geopy.geocoders import get_geocoder_for_service

from core import caching
from core.client import GeocoderRateThrottle

from . import postcodes
from .models import Postcode

logger = logging.getLogger(__name__)

MAX_QUERY_LENGTH = 100
NOT_FOUND = "We couldn't find that place. Try a postcode, such as WC2N 4JP, or use your location."
UNAVAILABLE = (
    "We couldn't look up that place just now. Try a postcode, such as WC2N 4JP, or use "
    "your location."
)
TOO_MANY = (
    "You have searched for many place names in a short while. Wait a minute, or search "
    "by postcode, such as WC2N 4JP, or use your location: those are not limited."
)
# Postcode areas in the UK but outside Great Britain, and the Crown Dependencies.
OUTSIDE_GREAT_BRITAIN = {
    "BT": "Northern Ireland",
    "JE": "Jersey",
    "GY": "Guernsey",
    "IM": "the Isle of Man",
}
# Great Britain, generously: a remote answer outside this box is not a British place.
GB_BOUNDS = (49.8, 61.0, -8.7, 2.0)  # min lat, max lat, min lon, max lon


class LocationError(ValueError):
    """What the resident typed could not be placed. The message is for them.
    `retryable` marks a failure of the remote service rather than of the input."""

    def __init__(self, message: str, *, retryable: bool = False, wait: int = 0) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.wait = wait  # > 0: this client asked too often; seconds to wait


@dataclass(frozen=True)
class Place:
    latitude: float
    longitude: float
    label: str  # what to show: "WC2N 4JP", "W2 (postcode district)", "Paddington, London"
    source: str  # "postcode", "district", "geocoder", "coordinates"

    @property
    def coordinates(self) -> tuple[float, float]:
        return (self.latitude, self.longitude)


def from_coordinates(latitude: Any, longitude: Any) -> Place:
    """A place from "use my location" or an API call; clear errors for bad numbers."""
    try:
        lat, lon = float(latitude), float(longitude)
    except (TypeError, ValueError):
        raise LocationError("Latitude and longitude must be numbers.") from None
    if not (math.isfinite(lat) and math.isfinite(lon)):
        raise LocationError("Latitude and longitude must be numbers.")
    if not -90 <= lat <= 90 or not -180 <= lon <= 180:
        raise LocationError(
            "Latitude must be between -90 and 90, and longitude between -180 and 180."
        )
    return Place(lat, lon, "your location", "coordinates")


def locate(query: str, *, client: HttpRequest | None = None) -> Place:
    """The place a resident means, or LocationError with a message for them. With
    `client`, a search that must reach the remote geocoder counts towards that client's
    geocoder limit (`GEOCODER_RATE`); postcodes and coordinates never do."""
    text = " ".join(query.split())
    if not text:
        raise LocationError("Enter a postcode or the name of a place.")
    if len(text) > MAX_QUERY_LENGTH:
        raise LocationError(
            f"That is too long to be a place: use at most {MAX_QUERY_LENGTH} characters."
        )
    if postcodes.is_full_postcode(text):
        postcode = postcodes.normalise(text)
        _refuse_outside_great_britain(postcode)
        found = Postcode.objects.filter(postcode=postcode).first()
        if found:
            return Place(*found.coordinates, postcode, "postcode")
        return _remote(postcode, client)
    if postcodes.is_outward_code(text):
        district = postcodes.compact(text)
        _refuse_outside_great_britain(district)
        centre = Postcode.objects.district_centre(district)
        if centre:
            label = f"{district} (postcode district)"
            if Postcode.objects.district_centre_is_partial(district):
                # No whole-district centre loaded: say the centre is of what we hold.
                label = f"{district} (the part of the postcode district in our postcode data)"
            return Place(*centre, label, "district")
    return _remote(text, client)


def _refuse_outside_great_britain(code: str) -> None:
    where = OUTSIDE_GREAT_BRITAIN.get(code[:2])
    if where and (code[2:3].isdigit()):
        raise LocationError(
            f"That postcode is in {where}. This service covers police contact points in "
            "Great Britain."
        )


# --- The remote geocoder --------------------------------------------------------------


@cache
def _geocode() -> RateLimiter:
    service = get_geocoder_for_service(settings.GEOCODER)
    options: dict[str, Any] = {
        "user_agent": settings.GEOCODER_USER_AGENT,
        "timeout": settings.GEOCODER_TIMEOUT,
    }
    if settings.GEOCODER_DOMAIN:
        options["domain"] = settings.GEOCODER_DOMAIN
    if settings.GEOCODER_SCHEME:
        options["scheme"] = settings.GEOCODER_SCHEME
    # The standard library's HTTP client, whatever else is installed: geopy would otherwise
    # pick `requests` when present, whose urllib3 logs every URL — the place typed — at
    # DEBUG, and retries a slow answer, tripling the wait.
    options["adapter_factory"] = URLLibAdapter
    geocoder = service(**options)
    # Nominatim's usage policy: at most one request a second. No retries: a resident is
    # waiting, and the message offers other ways.
    return RateLimiter(
        geocoder.geocode,
        min_delay_seconds=settings.GEOCODER_MIN_DELAY,
        max_retries=0,
        swallow_exceptions=False,
    )


# Nominatim's place_rank: 4 country … 16 city, 19 village, 20 suburb, 22 neighbourhood;
# 26 and over are streets, buildings and addresses.
CACHED_UP_TO_RANK = 25


def _cache_key(text: str) -> str:
    """A keyed hash (the site's secret key): no one holding the cache alone can try
    guesses against it."""
    digest = hmac.new(settings.SECRET_KEY.encode(), text.lower().encode(), hashlib.sha256)
    return "geocode:" + digest.hexdigest()


def _is_area(location: Any) -> bool:
    rank = (getattr(location, "raw", None) or {}).get("place_rank")
    try:
        return rank is not None and int(rank) <= CACHED_UP_TO_RANK
    except (TypeError, ValueError):
        return False


def _remote(text: str, client: HttpRequest | None) -> Place:
    if not settings.GEOCODER:
        raise LocationError(NOT_FOUND)
    key = _cache_key(text)
    cached = caching.get("default", key)
    if cached:
        return Place(*cached)
    if client is not None:
        throttle = GeocoderRateThrottle(settings.GEOCODER_RATE)
        if not throttle.allow_request(client):
            raise LocationError(TOO_MANY, retryable=True, wait=int(throttle.wait() or 60) + 1)
    extra = {"country_codes": "gb"} if settings.GEOCODER == "nominatim" else {}
    try:
        location = _geocode()(text, exactly_one=True, **extra)
    except GeopyError as error:
        # The error's class says what went wrong; the search term is not logged.
        logger.warning("Remote geocoder failed: %s", type(error).__name__)
        raise LocationError(UNAVAILABLE, retryable=True) from error
    if location is None or not _in_great_britain(location.latitude, location.longitude):
        raise LocationError(NOT_FOUND)
    label = str(location.address).split(", United Kingdom")[0][:120]
    place = Place(float(location.latitude), float(location.longitude), label, "geocoder")
    if _is_area(location):
        caching.set(
            "default", key, (place.latitude, place.longitude, place.label, place.source),
            settings.GEOCODER_CACHE_SECONDS,
        )  # fmt: skip
    return place


def _in_great_britain(latitude: float, longitude: float) -> bool:
    min_lat, max_lat, min_lon, max_lon = GB_BOUNDS
    return min_lat <= latitude <= max_lat and min_lon <= longitude <= max_lon
