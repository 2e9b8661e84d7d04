"""The nearest search: exactly the brute-force geodesic ranking, found through an index."""

import math
import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from geopy.distance import geodesic
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contactpoints import geo
from contactpoints.hours import LONDON
from contactpoints.models import ContactPoint
from tests.factories import ContactPointFactory, OpeningRuleFactory

# Points around London, including both sides of the prime meridian.
latitudes = st.decimals(min_value=Decimal("51.3"), max_value=Decimal("51.7"), places=6)
longitudes = st.decimals(min_value=Decimal("-0.5"), max_value=Decimal("0.3"), places=6)
points = st.tuples(latitudes, longitudes)


def brute_force(origin: tuple[float, float], rows: list[tuple[int, float, float]], limit: int):
    return sorted((geo.distance_m(origin, (lat, lon)), key) for key, lat, lon in rows)[:limit]


@settings(max_examples=300, deadline=None)
@given(
    origin=points,
    rows=st.lists(points, min_size=0, max_size=60),
    duplicates=st.integers(0, 5),
    limit=st.integers(1, 15),
)
def test_ranking_matches_brute_force(origin, rows, duplicates, limit) -> None:  # type: ignore[no-untyped-def]
    candidates = [(i, float(lat), float(lon)) for i, (lat, lon) in enumerate(rows)]
    # Exact ties: the same place listed more than once ranks by key.
    candidates += [(1000 + i, *candidates[i][1:]) for i in range(min(duplicates, len(candidates)))]
    o = (float(origin[0]), float(origin[1]))
    assert geo.rank_nearest(o, candidates, limit) == brute_force(o, candidates, limit)


@settings(max_examples=200, deadline=None)
@given(
    lat=st.floats(-89.9, 89.9),
    lon=st.floats(-179.9, 179.9),
    radius=st.floats(10, 5_000_000),
    bearing_lat=st.floats(-1, 1),
    bearing_lon=st.floats(-1, 1),
)
def test_bounding_box_contains_the_circle(lat, lon, radius, bearing_lat, bearing_lon) -> None:  # type: ignore[no-untyped-def]
    box = geo.bounding_box(lat, lon, radius)
    # A point at most `radius` away (by geodesic) lies inside the box.
    bearing = math.degrees(math.atan2(bearing_lon, bearing_lat))
    target = geodesic(meters=radius * 0.999).destination((lat, lon), bearing)
    if box.wraps:
        assert box.min_lat <= target.latitude <= box.max_lat
    else:
        assert box.min_lat <= target.latitude <= box.max_lat
        assert box.min_lon <= target.longitude <= box.max_lon


@pytest.mark.django_db
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(origin=points, places=st.lists(points, min_size=1, max_size=40), limit=st.integers(1, 12))
def test_queryset_nearest_matches_brute_force(origin, places, limit) -> None:  # type: ignore[no-untyped-def]
    ContactPoint.objects.all().delete()
    for lat, lon in places:
        ContactPointFactory(latitude=lat, longitude=lon)
    ContactPointFactory(latitude=None, longitude=None)  # no location: never listed
    o = (float(origin[0]), float(origin[1]))
    rows = [(cp.pk, *cp.coordinates) for cp in ContactPoint.objects.exclude(latitude=None)]
    expected = brute_force(o, rows, limit)
    found = ContactPoint.objects.nearest(*o, limit=limit)
    assert [(round(d, 6), cp.pk) for cp, d in found] == [(round(d, 6), k) for d, k in expected]


@pytest.mark.django_db
def test_far_away_search_widens_until_it_finds_enough_within_its_reach(
    django_assert_max_num_queries: object,
) -> None:
    near = ContactPointFactory(latitude=Decimal("51.5"), longitude=Decimal("-0.1"))
    far = ContactPointFactory(latitude=Decimal("55.95"), longitude=Decimal("-3.19"))  # Edinburgh
    found = ContactPoint.objects.nearest(50.1, -5.5, limit=5, within_m=1_000_000)  # Penzance
    assert [cp for cp, _d in found] == [near, far]
    assert found[0][1] == pytest.approx(geo.distance_m((50.1, -5.5), (51.5, -0.1)))
    # London is 400 km from Penzance: beyond the default reach (SEARCH_WITHIN_KM, 200).
    assert ContactPoint.objects.nearest(50.1, -5.5, limit=5) == []
    london = geo.distance_m((50.1, -5.5), (51.5, -0.1))
    reach = [cp for cp, _d in ContactPoint.objects.nearest(50.1, -5.5, within_m=london + 1)]
    assert reach == [near]
    assert ContactPoint.objects.nearest(50.1, -5.5, within_m=london - 1) == []
    # The other side of the Earth: a bounded number of cheap queries, and nothing.
    with django_assert_max_num_queries(12):  # type: ignore[operator]
        assert ContactPoint.objects.nearest(-51.5, 179.9, limit=10) == []


@pytest.mark.django_db
def test_open_at_and_chained_filters() -> None:
    open_late = ContactPointFactory(latitude=Decimal("51.52"), longitude=Decimal("-0.1"))
    OpeningRuleFactory(contact_point=open_late, weekday=2, opens=time(19), closes=time(22))
    closed = ContactPointFactory(
        latitude=Decimal("51.5001"), longitude=Decimal("-0.1"), has_private_room=True
    )
    OpeningRuleFactory(contact_point=closed, weekday=2, opens=time(9), closes=time(10))
    wednesday_evening = datetime(2026, 11, 25, 20, tzinfo=LONDON)
    everything = ContactPoint.objects.nearest(51.5, -0.1)
    assert [cp for cp, _ in everything] == [closed, open_late]
    only_open = ContactPoint.objects.nearest(51.5, -0.1, open_at=wednesday_evening)
    assert [cp for cp, _ in only_open] == [open_late]
    private = ContactPoint.objects.with_facility("has_private_room").nearest(51.5, -0.1)
    assert [cp for cp, _ in private] == [closed]


@pytest.mark.django_db
def test_open_at_evaluates_each_place_once_however_far_it_widens(
    django_assert_max_num_queries: object,
) -> None:
    """03:00, nothing open anywhere: the search widens to its reach, reading each ring's
    hours once (three queries a ring), not every candidate's again each time."""
    for n in range(60):
        cp = ContactPointFactory(
            latitude=Decimal(f"{51.3 + (n % 10) * 0.04:.4f}"),
            longitude=Decimal(f"{-0.4 + (n // 10) * 0.1:.4f}"),
        )
        OpeningRuleFactory(contact_point=cp, weekday=2, opens=time(9), closes=time(17))
    night = datetime(2026, 11, 25, 3, tzinfo=LONDON)
    with django_assert_max_num_queries(50):  # type: ignore[operator]
        assert ContactPoint.objects.nearest(51.5, -0.1, limit=10, open_at=night) == []
    day = datetime(2026, 11, 25, 12, tzinfo=LONDON)
    found = ContactPoint.objects.nearest(51.5, -0.1, limit=10, open_at=day)
    brute = sorted(
        (geo.distance_m((51.5, -0.1), cp.coordinates), cp.pk) for cp in ContactPoint.objects.all()
    )[:10]
    assert [(round(d, 3), cp.pk) for cp, d in found] == [(round(d, 3), pk) for d, pk in brute]


@pytest.mark.django_db
def test_open_pks_finds_exactly_the_places_open() -> None:
    """`open_pks` (a day's rules and changes, read in bulk) against every place's own full
    schedule, at moments across a year (nights, midnights, bank holidays, both clock
    changes): it must find exactly the places open. (A SQL pre-filter on the rules' times
    was tried and passed this, but was slower.)"""
    from contactpoints.models import HoursException, OpeningRule

    rng = random.Random(20261128)
    for _ in range(120):
        cp = ContactPointFactory(closed_on_bank_holidays=rng.random() < 0.5)
        for _ in range(rng.randint(0, 3)):
            opens = time(rng.randrange(24), rng.choice([0, 30]))
            overnight = rng.random() < 0.25
            closes = (
                time(rng.randrange(0, opens.hour + 1), 0)
                if overnight
                else time(rng.randrange(opens.hour + 1, 24), 0)
                if opens.hour < 23
                else None
            )
            if closes is None:
                continue
            recurrence = rng.choice(["weekly", "weekly", "fortnightly", "monthly"])
            OpeningRule.objects.create(
                contact_point=cp, weekday=rng.randrange(7), opens=opens, closes=closes,
                overnight=overnight, recurrence=recurrence,
                week_of_month=rng.choice([1, 2, 5, -1]) if recurrence == "monthly" else None,
                anchor_date=date(2026, 1, 5) if recurrence == "fortnightly" else None,
                valid_from=rng.choice([None, date(2026, 3, 1)]),
                valid_until=rng.choice([None, date(2026, 10, 31)]),
            )  # fmt: skip
        if rng.random() < 0.3:
            start = date(2026, 1, 1) + timedelta(days=rng.randrange(360))
            closed = rng.random() < 0.5
            HoursException.objects.create(
                contact_point=cp, starts_on=start, ends_on=start + timedelta(days=rng.randrange(3)),
                is_closed=closed, opens=None if closed else time(22),
                closes=None if closed else time(2), overnight=not closed, reason="Test",
            )  # fmt: skip
    moments = [
        datetime(2026, 3, 29, 0, 30, tzinfo=LONDON), datetime(2026, 3, 29, 3, 0, tzinfo=LONDON),
        datetime(2026, 10, 25, 1, 30, tzinfo=LONDON), datetime(2026, 12, 25, 12, tzinfo=LONDON),
        datetime(2026, 12, 26, 0, 0, tzinfo=LONDON), datetime(2026, 5, 4, 23, 59, tzinfo=LONDON),
    ] + [
        datetime(2026, 1, 1, tzinfo=LONDON) + timedelta(minutes=rng.randrange(365 * 24 * 60))
        for _ in range(60)
    ]  # fmt: skip
    everyone = list(ContactPoint.objects.with_hours())
    for when in moments:
        expected = {cp.pk for cp in everyone if cp.is_open_at(when)}
        assert ContactPoint.objects.open_pks(when) == expected, when
