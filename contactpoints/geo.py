"""Distance maths for the nearest search. Pure functions; distances from geopy (WGS84)."""

import math

from geopy.distance import geodesic

# One geopy measure for every distance: `geodesic(a, b)` would set up the WGS84 ellipsoid
# (geographiclib's series coefficients) again for each pair, a third of each call's time.
# `measure` keeps no state between calls but that set-up, so the instance is shared.
_WGS84 = geodesic()


def distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Geodesic distance in metres between two (latitude, longitude) pairs (WGS84)."""
    return float(_WGS84.measure(a, b)) * 1000  # geopy measures in kilometres


EARTH_MEAN_RADIUS_M = 6_371_008.8
# A great-circle distance on the mean sphere differs from the WGS84 geodesic by less than
# 0.6%: a little over that bounds the ratio either way.
SPHERE_ERROR = 0.0075


def haversine_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in metres on the mean sphere: fast, within SPHERE_ERROR of the
    geodesic. Used only to decide which candidates need an exact distance."""
    lat1, lon1, lat2, lon2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_MEAN_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def rank_nearest(
    origin: tuple[float, float],
    candidates: list[tuple[int, float, float]],
    limit: int,
) -> list[tuple[float, int]]:
    """The `limit` nearest of (key, latitude, longitude) candidates as (metres, key),
    ordered by geodesic distance, ties by key: exactly a brute-force geodesic ranking.

    Great-circle distances sort the candidates cheaply; geodesic distances are computed
    only for those that could still be among the nearest given SPHERE_ERROR.
    """
    if not candidates or limit <= 0:
        return []
    rough = sorted((haversine_m(origin, (lat, lon)), key, lat, lon) for key, lat, lon in candidates)
    cutoff = rough[min(limit, len(rough)) - 1][0] * (1 + SPHERE_ERROR) / (1 - SPHERE_ERROR)
    exact = [
        (distance_m(origin, (lat, lon)), key)
        for distance, key, lat, lon in rough
        if distance <= cutoff
    ]
    return sorted(exact)[:limit]
