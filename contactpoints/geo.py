"""Distance maths for the nearest search. Pure functions; distances from geopy (WGS84)."""

import math
from dataclasses import dataclass

from geopy.distance import geodesic

# Metres per degree of latitude, rounded down: boxes built with it are never too small.
_METRES_PER_DEGREE = 110_574.0


@dataclass(frozen=True)
class Box:
    min_lat: float
    max_lat: float
    min_lon: float
    max_lon: float
    wraps: bool = False  # True when the box crosses the antimeridian or covers every longitude


def bounding_box(latitude: float, longitude: float, radius_m: float) -> Box:
    """A latitude/longitude box containing every point within `radius_m` of the centre."""
    dlat = radius_m / _METRES_PER_DEGREE
    min_lat, max_lat = latitude - dlat, latitude + dlat
    if min_lat <= -90 or max_lat >= 90:
        return Box(max(min_lat, -90), min(max_lat, 90), -180, 180, wraps=True)
    # The widest part of the box is at the latitude nearest a pole.
    cos_lat = math.cos(math.radians(max(abs(min_lat), abs(max_lat))))
    dlon = dlat / cos_lat
    if dlon >= 180:
        return Box(min_lat, max_lat, -180, 180, wraps=True)
    min_lon, max_lon = longitude - dlon, longitude + dlon
    wraps = min_lon < -180 or max_lon > 180
    return Box(min_lat, max_lat, min_lon, max_lon, wraps=wraps)


def distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Geodesic distance in metres between two (latitude, longitude) pairs."""
    return float(geodesic(a, b).meters)
