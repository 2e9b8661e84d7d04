"""Coverage: how far each home is from the nearest contact point open at each moment.

Pure NumPy, no database. Homes are points with an area (a ward) and a weight; places are
points with a boolean "open" row over the moments studied (for a typical week, the 168
hours). Walking time is the great-circle distance × `detour` at `speed_m_per_min`: a
documented proxy for a walk along streets (docs/coverage.md). Only walks up to the longest
threshold are looked at: a home with no open place within it counts as "not within" every
threshold.

The work is done once per distinct set of places open (nights share one, most weekday
hours another), so a week costs far less than 168 passes.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

EARTH_MEAN_RADIUS_M = 6_371_008.8


@dataclass(frozen=True)
class Method:
    speed_m_per_min: float = 80.0  # 4.8 km/h
    detour: float = 1.3  # walking route ÷ straight line
    thresholds: tuple[int, ...] = (10, 20, 30)  # minutes

    @property
    def reach_m(self) -> float:
        """The longest straight line that is still within the longest threshold."""
        return max(self.thresholds) * self.speed_m_per_min / self.detour


@dataclass(frozen=True)
class Homes:
    latitudes: np.ndarray
    longitudes: np.ndarray
    areas: np.ndarray  # index into the area list, per home (-1: in none)
    weights: np.ndarray  # people each home stands for (1 for every postcode by default)


@dataclass(frozen=True)
class Places:
    latitudes: np.ndarray
    longitudes: np.ndarray
    open: np.ndarray  # (places, moments) bool


@dataclass(frozen=True)
class Result:
    """Per moment and threshold: the weight of homes within it, in each area and in all.
    `within[a, m, t]` for area a; `total[a]` the weight of area a's homes."""

    within: np.ndarray  # (areas, moments, thresholds) float64
    total: np.ndarray  # (areas,) float64
    thresholds: tuple[int, ...]

    def shares(self) -> np.ndarray:
        """(areas, moments, thresholds): the share of each area's homes within reach."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return self.within / self.total[:, None, None]

    def overall(self, areas: np.ndarray | None = None) -> np.ndarray:
        """(moments, thresholds) for these areas together (every area by default)."""
        chosen = slice(None) if areas is None else areas
        total = self.total[chosen].sum()
        if not total:
            return np.full(self.within.shape[1:], np.nan)
        return self.within[chosen].sum(axis=0) / total


def haversine_m(lat1: np.ndarray, lon1: np.ndarray, lat2: float, lon2: float) -> np.ndarray:
    """Great-circle distances (mean Earth radius) from many points to one."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi, dlam = p2 - p1, np.radians(lon2 - lon1)
    h = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlam / 2) ** 2
    return 2 * EARTH_MEAN_RADIUS_M * np.arcsin(np.minimum(1.0, np.sqrt(h)))


def pairs_within(homes: Homes, places: Places, reach_m: float) -> tuple[np.ndarray, ...]:
    """(home, place, metres) for every home and place at most `reach_m` apart, sorted by
    home, then distance. Candidates come from a strip of the homes sorted east to west,
    then a latitude band; distances are then exact great circles."""
    order = np.argsort(homes.longitudes, kind="stable")
    sorted_lon = homes.longitudes[order]
    dlat = np.degrees(reach_m / EARTH_MEAN_RADIUS_M) * 1.001
    found_home, found_place, found_m = [], [], []
    for p, (lat, lon) in enumerate(zip(places.latitudes, places.longitudes, strict=True)):
        # Degrees of longitude the reach spans at the band's edge nearest a pole.
        widest = min(89.9, abs(lat) + dlat)
        dlon = dlat / np.cos(np.radians(widest))
        lo, hi = np.searchsorted(sorted_lon, [lon - dlon, lon + dlon], side="left")
        candidates = order[lo:hi]
        candidates = candidates[np.abs(homes.latitudes[candidates] - lat) <= dlat]
        metres = haversine_m(homes.latitudes[candidates], homes.longitudes[candidates], lat, lon)
        near = metres <= reach_m
        found_home.append(candidates[near])
        found_place.append(np.full(int(near.sum()), p, dtype=np.int64))
        found_m.append(metres[near])
    if not found_home:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0)
    home = np.concatenate(found_home)
    place = np.concatenate(found_place)
    metres = np.concatenate(found_m)
    by = np.lexsort((metres, home))
    return home[by], place[by], metres[by]


def pairs_changed(
    pairs: tuple[np.ndarray, ...], kept: np.ndarray, added: tuple[np.ndarray, ...]
) -> tuple[np.ndarray, ...]:
    """The pairs of a changed set of places from those of the places before: the pairs of
    the places `kept` (a mask over the old places, renumbered in order), then `added` (the
    pairs of new places, numbered from 0, put after them), still sorted by home then
    distance. Merged into the sorted pairs rather than sorted again."""
    home, place, metres = pairs
    renumber = np.cumsum(kept) - 1
    keep = kept[place]
    home, place, metres = home[keep], renumber[place[keep]], metres[keep]
    new_home, new_place, new_metres = added
    if not len(new_home):
        return home, place, metres
    # One sortable number per pair: the home, then the distance (always below the span).
    span = float(max(metres.max(initial=0.0), new_metres.max())) + 1.0
    order = np.lexsort((new_metres, new_home))
    new_home, new_place, new_metres = new_home[order], new_place[order], new_metres[order]
    at = np.searchsorted(home * span + metres, new_home * span + new_metres, side="right")
    return (
        np.insert(home, at, new_home),
        np.insert(place, at, new_place + int(kept.sum())),
        np.insert(metres, at, new_metres),
    )


def _minutes_by_set(
    homes: Homes, places: Places, method: Method, pairs: tuple[np.ndarray, ...] | None
) -> tuple[Iterator[np.ndarray], np.ndarray, int]:
    """The walk from each home to the nearest place open, for each distinct open set in
    turn (one row of homes at a time: a national week of 1.7 million postcodes and a
    hundred and more distinct sets would otherwise hold every row at once), the set of each
    moment, and how many sets there are."""
    home, place, metres = (
        pairs if pairs is not None else pairs_within(homes, places, method.reach_m)
    )
    columns, sets = np.unique(places.open.T, axis=0, return_inverse=True)
    walk = (metres * method.detour / method.speed_m_per_min).astype(np.float32)

    def rows() -> Iterator[np.ndarray]:
        for is_open in columns:
            minutes = np.full(len(homes.latitudes), np.inf, dtype=np.float32)
            chosen = np.flatnonzero(is_open[place])
            if len(chosen):
                homes_chosen = home[chosen]
                # Pairs are sorted by home then distance: the first open pair of a home
                # is its nearest open place.
                first = np.ones(len(chosen), dtype=bool)
                first[1:] = homes_chosen[1:] != homes_chosen[:-1]
                minutes[homes_chosen[first]] = walk[chosen[first]]
            yield minutes

    return rows(), np.asarray(sets).reshape(-1), len(columns)


def nearest_open_minutes(
    homes: Homes, places: Places, method: Method, pairs: tuple[np.ndarray, ...] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(minutes, set of each moment): `minutes[s, h]` is the walk from home h to the
    nearest place open in distinct open set s (inf beyond the longest threshold);
    `sets[m]` the open set of moment m. Every row at once: for tests and small areas."""
    rows, sets, _count = _minutes_by_set(homes, places, method, pairs)
    found = list(rows)
    minutes = np.stack(found) if found else np.zeros((0, len(homes.latitudes)), np.float32)
    return minutes, sets


def coverage(
    homes: Homes,
    places: Places,
    area_count: int,
    method: Method | None = None,
    pairs: tuple[np.ndarray, ...] | None = None,
) -> Result:
    """The weight of homes within each threshold, by area and moment."""
    return coverages(homes, places, area_count, [homes.weights], method, pairs)[0]


def coverages(
    homes: Homes,
    places: Places,
    area_count: int,
    weightings: Sequence[np.ndarray],
    method: Method | None = None,
    pairs: tuple[np.ndarray, ...] | None = None,
) -> list[Result]:
    """The same walks counted under each weighting of the homes (one weight per home: 1
    for a postcode, or the people it stands for), one Result each."""
    method = method or Method()
    inside = homes.areas >= 0
    areas = homes.areas[inside]
    moments = places.open.shape[1]
    weights = [np.asarray(weighting, dtype=float)[inside] for weighting in weightings]
    thresholds = len(method.thresholds)
    if not (len(places.latitudes) and moments):
        return [
            Result(np.zeros((area_count, moments, thresholds)),
                   np.bincount(areas, weights=w, minlength=area_count), method.thresholds)
            for w in weights
        ]  # fmt: skip
    rows, sets, count = _minutes_by_set(homes, places, method, pairs)
    per_set = np.zeros((len(weights), area_count, count, thresholds))
    for s, minutes in enumerate(rows):
        walk = minutes[inside]
        for t, threshold in enumerate(method.thresholds):
            near = walk <= threshold
            for w, weight in enumerate(weights):
                per_set[w, :, s, t] = np.bincount(areas, weights=weight * near,
                                                  minlength=area_count)  # fmt: skip
    return [
        Result(per_set[w][:, sets, :], np.bincount(areas, weights=weight, minlength=area_count),
               method.thresholds)
        for w, weight in enumerate(weights)
    ]  # fmt: skip


def points_in_polygons(
    latitudes: np.ndarray, longitudes: np.ndarray, polygons: Sequence[Sequence[np.ndarray]]
) -> np.ndarray:
    """For each point, the index of the first polygon containing it (-1: none). Each
    polygon is a list of rings ((n, 2) arrays of longitude, latitude): the first its
    outline, the others its holes. Even-odd rule, over the points in the outline's
    bounding box, every edge at once."""
    found = np.full(len(latitudes), -1, dtype=np.int64)
    for index, rings in enumerate(polygons):
        outline = rings[0]
        lon_min, lat_min = outline.min(axis=0)
        lon_max, lat_max = outline.max(axis=0)
        box = np.flatnonzero(
            (found < 0)
            & (longitudes >= lon_min) & (longitudes <= lon_max)
            & (latitudes >= lat_min) & (latitudes <= lat_max)
        )  # fmt: skip
        if not len(box):
            continue
        x, y = longitudes[box], latitudes[box]
        crossings = np.zeros(len(box), dtype=np.int64)
        for ring in rings:
            x1, y1 = ring[:, :1], ring[:, 1:2]  # (edges, 1)
            x2, y2 = np.roll(x1, -1, axis=0), np.roll(y1, -1, axis=0)
            crosses = (y1 > y) != (y2 > y)  # (edges, points)
            dy = np.where(y2 == y1, 1.0, y2 - y1)
            at = x1 + (y - y1) * (x2 - x1) / dy
            crossings += (crosses & (x < at)).sum(axis=0)
        found[box[crossings % 2 == 1]] = index
    return found
