"""The coverage engine against a brute-force geodesic computation and hand-worked cases."""

import numpy as np
import pytest
from geopy.distance import geodesic

from coverage import engine

METHOD = engine.Method(speed_m_per_min=80.0, detour=1.3, thresholds=(10, 20, 30))


def test_walking_times_match_a_brute_force_geodesic_computation() -> None:
    rng = np.random.default_rng(20261128)
    homes = engine.Homes(
        latitudes=51.45 + rng.random(300) * 0.1,
        longitudes=-0.2 + rng.random(300) * 0.15,
        areas=rng.integers(0, 4, 300),
        weights=np.ones(300),
    )
    places = engine.Places(
        latitudes=51.45 + rng.random(12) * 0.1,
        longitudes=-0.2 + rng.random(12) * 0.15,
        open=rng.random((12, 9)) < 0.4,
    )
    places.open[:, 0] = False  # a moment when nothing is open
    minutes, sets = engine.nearest_open_minutes(homes, places, METHOD)
    checked = 0
    for moment in range(9):
        for h in range(300):
            walks = [
                geodesic((homes.latitudes[h], homes.longitudes[h]),
                         (places.latitudes[p], places.longitudes[p])).meters
                * METHOD.detour / METHOD.speed_m_per_min
                for p in np.flatnonzero(places.open[:, moment])
            ]  # fmt: skip
            expected = min(walks, default=np.inf)
            got = float(minutes[sets[moment], h])
            if expected > 30 * 1.006:
                assert got == np.inf
            elif expected < 30 * 0.994:
                # A great circle on the mean sphere is within 0.6 % of the geodesic.
                assert got == pytest.approx(expected, rel=0.006)
                checked += 1
    assert checked > 200

    result = engine.coverage(homes, places, 4, METHOD)
    assert result.within[:, 0].sum() == 0
    shares = result.shares()
    assert ((shares >= 0) & (shares <= 1)).all()
    # Every area's count within 30 minutes equals a count made home by home.
    for moment in range(9):
        for area in range(4):
            expected = sum(
                1 for h in range(300)
                if homes.areas[h] == area and minutes[sets[moment], h] <= 30
            )  # fmt: skip
            assert result.within[area, moment, 2] == expected


def test_hand_worked_case() -> None:
    """Due north of a place, 800 m and 1,600 m and 3,000 m away (1 minute = 80 m, no
    detour): 10, 20 and 37.5 minutes' walk."""
    metres_per_degree = np.pi * engine.EARTH_MEAN_RADIUS_M / 180
    lats = 51.5 + np.array([800, 1600, 3000]) / metres_per_degree
    homes = engine.Homes(lats, np.full(3, -0.1), np.array([0, 0, 1]), np.array([1.0, 2.0, 5.0]))
    places = engine.Places(np.array([51.5]), np.array([-0.1]), np.array([[True, False]]))
    method = engine.Method(speed_m_per_min=80.0, detour=1.0, thresholds=(10, 20, 30))
    result = engine.coverage(homes, places, 2, method)
    # Open: area 0 has both homes within 20 minutes (weights 1 + 2), only the first within
    # 10 (the 10-minute walk counts as within); area 1's home is beyond 30.
    assert result.within[0, 0].tolist() == [1.0, 3.0, 3.0]
    assert result.within[1, 0].tolist() == [0.0, 0.0, 0.0]
    assert result.within[:, 1].sum() == 0  # closed
    assert result.total.tolist() == [3.0, 5.0]
    assert result.overall()[0].tolist() == pytest.approx([1 / 8, 3 / 8, 3 / 8])


def test_points_in_polygons_with_holes_and_several_parts() -> None:
    square = np.array([[0, 0], [4, 0], [4, 4], [0, 4], [0, 0]], dtype=float)
    hole = np.array([[1, 1], [3, 1], [3, 3], [1, 3], [1, 1]], dtype=float)
    island = np.array([[10, 10], [11, 10], [11, 11], [10, 10]], dtype=float)
    lons = np.array([0.5, 2.0, 3.5, 10.8, 10.2, 5.0])
    lats = np.array([0.5, 2.0, 3.5, 10.5, 10.8, 5.0])
    found = engine.points_in_polygons(lats, lons, [[square, hole], [island]])
    assert found.tolist() == [0, -1, 0, 1, -1, -1]


def test_a_changed_set_of_places_pairs_as_if_paired_afresh() -> None:
    """A scenario merges its new places' pairs into the week's: the same pairs, in the same
    order, as pairing the changed places from nothing (ties included)."""
    rng = np.random.default_rng(7)
    homes = engine.Homes(
        latitudes=51.45 + rng.random(2000) * 0.1,
        longitudes=-0.2 + rng.random(2000) * 0.15,
        areas=np.zeros(2000, dtype=np.int64),
        weights=np.ones(2000),
    )

    def places(n: int) -> engine.Places:
        return engine.Places(
            51.45 + rng.random(n) * 0.1, -0.2 + rng.random(n) * 0.15, np.ones((n, 1), bool)
        )

    before, new = places(40), places(3)
    # A new place exactly where a kept one is: equal distances, kept place first.
    new.latitudes[0], new.longitudes[0] = before.latitudes[5], before.longitudes[5]
    kept = rng.random(40) < 0.8
    reach = METHOD.reach_m
    merged = engine.pairs_changed(
        engine.pairs_within(homes, before, reach), kept, engine.pairs_within(homes, new, reach)
    )
    changed = engine.Places(
        np.concatenate([before.latitudes[kept], new.latitudes]),
        np.concatenate([before.longitudes[kept], new.longitudes]),
        np.ones((int(kept.sum()) + 3, 1), bool),
    )
    afresh = engine.pairs_within(homes, changed, reach)
    assert len(afresh[0]) > 5000
    for got, expected in zip(merged, afresh, strict=True):
        np.testing.assert_array_equal(got, expected)
    none = engine.pairs_within(homes, places(0), reach)
    nothing_added = engine.pairs_changed(engine.pairs_within(homes, before, reach), kept, none)
    assert len(nothing_added[0]) < len(afresh[0])
