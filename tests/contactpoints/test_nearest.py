"""The nearest search: exactly the brute-force geodesic ranking, found through the in-memory
index (`contactpoints.nearby`), with few queries."""

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contactpoints import geo, nearby, search
from contactpoints.models import Basis, ContactPoint, Fact, FactCheck
from core.time import LONDON
from places.geocoding import Place
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


@pytest.mark.django_db
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(origin=points, places=st.lists(points, min_size=1, max_size=40), limit=st.integers(1, 12))
def test_nearest_matches_brute_force(origin, places, limit) -> None:  # type: ignore[no-untyped-def]
    ContactPoint.objects.all().delete()
    for lat, lon in places:
        ContactPointFactory(latitude=lat, longitude=lon)
    ContactPointFactory(latitude=None, longitude=None)  # no location: never listed
    o = (float(origin[0]), float(origin[1]))
    rows = [(cp.pk, *cp.coordinates) for cp in ContactPoint.objects.exclude(latitude=None)]
    expected = brute_force(o, rows, limit)
    found = nearby.nearest(*o, limit=limit)
    assert [(round(d, 6), pk) for d, pk in found] == [(round(d, 6), k) for d, k in expected]


@pytest.mark.django_db
def test_places_centimetres_apart_rank_as_brute_force() -> None:
    """Distances read from cosines are coarse near zero: places at the searched point and a
    few centimetres from it still rank exactly as the geodesic ranking does."""
    origin = (51.501234, -0.141234)
    offsets = [0, 0.000001, -0.000002, 0.000003, 0.000004, -0.000001, 0.00001, 0.0001]
    for i, offset in enumerate(offsets):
        ContactPointFactory(
            latitude=Decimal(f"{origin[0] + offset:.6f}"),
            longitude=Decimal(f"{origin[1] - offsets[-1 - i]:.6f}"),
        )
    rows = [(cp.pk, *cp.coordinates) for cp in ContactPoint.objects.all()]
    for limit in (1, 3, 5, 8):
        expected = brute_force(origin, rows, limit)
        assert [pk for _d, pk in nearby.nearest(*origin, limit=limit)] == [k for _d, k in expected]


@pytest.mark.django_db
def test_reach_is_capped_and_any_point_on_earth_answers(
    django_assert_max_num_queries: object,
) -> None:
    near = ContactPointFactory(latitude=Decimal("51.5"), longitude=Decimal("-0.1"))
    far = ContactPointFactory(latitude=Decimal("55.95"), longitude=Decimal("-3.19"))  # Edinburgh
    found = nearby.nearest(50.1, -5.5, limit=5, within_m=1_000_000)  # Penzance
    assert [pk for _d, pk in found] == [near.pk, far.pk]
    assert found[0][0] == pytest.approx(geo.distance_m((50.1, -5.5), (51.5, -0.1)))
    # London is 400 km from Penzance: beyond the default reach (SEARCH_WITHIN_KM, 200).
    assert nearby.nearest(50.1, -5.5, limit=5) == []
    london = geo.distance_m((50.1, -5.5), (51.5, -0.1))
    assert [pk for _d, pk in nearby.nearest(50.1, -5.5, within_m=london + 1)] == [near.pk]
    assert nearby.nearest(50.1, -5.5, within_m=london - 1) == []
    # The other side of the Earth and both poles: one query each (the data version).
    with django_assert_max_num_queries(3):  # type: ignore[operator]
        assert nearby.nearest(-51.5, 179.9, limit=10) == []
        assert nearby.nearest(90, 0, limit=10, within_m=1e8) != []
        assert nearby.nearest(-90, 180, limit=10) == []


@pytest.mark.django_db
def test_open_at_and_filters() -> None:
    open_late = ContactPointFactory(latitude=Decimal("51.52"), longitude=Decimal("-0.1"))
    OpeningRuleFactory(contact_point=open_late, weekday=2, opens=time(19), closes=time(22))
    closed = ContactPointFactory(
        latitude=Decimal("51.5001"), longitude=Decimal("-0.1"), has_private_room=True
    )
    OpeningRuleFactory(contact_point=closed, weekday=2, opens=time(9), closes=time(10))
    ContactPointFactory(latitude=Decimal("51.5"), longitude=Decimal("-0.1"), is_published=False)
    ContactPointFactory(latitude=Decimal("51.5"), longitude=Decimal("-0.1"), status="closed")
    wednesday_evening = datetime(2026, 11, 25, 20, tzinfo=LONDON)
    assert [pk for _d, pk in nearby.nearest(51.5, -0.1)] == [closed.pk, open_late.pk]
    only_open = nearby.nearest(51.5, -0.1, open_at=wednesday_evening)
    assert [pk for _d, pk in only_open] == [open_late.pk]
    # Neither room is confirmed: both are kept (not known), nearest first.
    private = nearby.nearest(51.5, -0.1, facilities=["has_private_room"])
    assert [pk for _d, pk in private] == [closed.pk, open_late.pk]
    FactCheck.objects.create(
        contact_point=open_late, fact=Fact.PRIVATE_ROOM, basis=Basis.SOURCE,
        source="Test listing", checked_on=date(2026, 9, 1),
    )  # fmt: skip
    private = nearby.nearest(51.5, -0.1, facilities=["has_private_room"])
    assert [pk for _d, pk in private] == [closed.pk]  # a confirmed "no" is left out
    assert nearby.nearest(51.5, -0.1, exclude=[closed.pk]) == only_open
    assert nearby.nearest(51.5, -0.1, exclude=[closed.pk, 10**9, -1]) == only_open
    with pytest.raises(ValueError, match="unknown facilities"):
        nearby.nearest(51.5, -0.1, facilities=["has_moat"])
    # An edit is seen by the next search (the index follows the data version).
    closed.status = "closed"
    closed.save()
    assert nearby.nearest(51.5, -0.1, facilities=["has_private_room"]) == []


@pytest.mark.django_db
def test_a_search_reads_the_version_and_the_places_it_has_not_loaded_yet(
    django_assert_num_queries: object,
) -> None:
    """03:00, nothing open anywhere, then noon: "open now" costs no extra query however far
    the search reaches, and a search for places already loaded reads only the data version."""
    for n in range(60):
        cp = ContactPointFactory(
            latitude=Decimal(f"{51.3 + (n % 10) * 0.04:.4f}"),
            longitude=Decimal(f"{-0.4 + (n // 10) * 0.1:.4f}"),
        )
        OpeningRuleFactory(contact_point=cp, weekday=2, opens=time(9), closes=time(17))
    here = Place(51.5, -0.1, "Here", "coordinates")
    night = datetime(2026, 11, 25, 3, tzinfo=LONDON)
    day = datetime(2026, 11, 25, 12, tzinfo=LONDON)
    search.nearest(here, now=night)  # builds the index, the day's sessions, loads ten places
    with django_assert_num_queries(2):  # type: ignore[operator]  # one each
        assert search.nearest(here, now=night, open_at=night).results == []
        found = search.nearest(here, now=day, open_at=day)
    brute = sorted(
        (geo.distance_m((51.5, -0.1), cp.coordinates), cp.pk) for cp in ContactPoint.objects.all()
    )[:10]
    assert [(round(d, 3), cp.pk) for cp, d in found.results] == [
        (round(d, 3), pk) for d, pk in brute
    ]
    assert found.results[0][0].opening_rules.all()[0].opens == time(9)  # hours came with it


@pytest.mark.django_db
def test_open_pks_finds_exactly_the_places_open() -> None:
    """`open_pks` and the search index's `open_at` (a day's rules and changes, read in bulk)
    against every place's own full
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
    index = nearby.index()
    for when in moments:
        expected = {cp.pk for cp in everyone if cp.is_open_at(when)}
        assert ContactPoint.objects.open_pks(when) == expected, when
        assert set(index.pks[index.open_at(when)].tolist()) == expected, when


@pytest.mark.django_db
def test_after_an_edit_only_the_changed_places_sessions_are_laid_out_again(monkeypatch) -> None:
    """Who is open is worked out again after every edit; only the place whose hours
    changed has its sessions laid out again (places with the same hours share theirs), and
    the answer is still exactly each place's own schedule's."""
    from contactpoints import hours

    places = [ContactPointFactory() for _ in range(30)]
    for i, cp in enumerate(places):
        OpeningRuleFactory(contact_point=cp, weekday=2, opens=time(9 + i % 8), closes=time(18))
    laid: list[object] = []
    original = hours.Schedule.sessions_between

    def counted(self, *args):  # type: ignore[no-untyped-def]
        laid.append(self)
        return original(self, *args)

    monkeypatch.setattr(hours.Schedule, "sessions_between", counted)
    nearby.index().open_at(datetime(2026, 11, 25, 12, tzinfo=LONDON))
    assert len(laid) == 8  # eight different sets of hours among the thirty
    laid.clear()
    edited = places[3]
    OpeningRuleFactory(contact_point=edited, weekday=2, opens=time(20), closes=time(22))
    evening = datetime(2026, 11, 25, 21, tzinfo=LONDON)
    index = nearby.index()
    open_then = set(index.pks[index.open_at(evening)].tolist())
    assert len(laid) == 1
    everyone = ContactPoint.objects.with_hours()
    assert open_then == {cp.pk for cp in everyone if cp.is_open_at(evening)}
    assert open_then == {edited.pk}


@settings(max_examples=300, deadline=None)
@given(
    a=st.tuples(st.floats(49.8, 60.9), st.floats(-8.7, 1.8)),
    b=st.tuples(st.floats(49.8, 60.9), st.floats(-8.7, 1.8)),
)
def test_distances_agree_with_geographiclib_to_the_millimetre(a, b) -> None:
    """The metres the search ranks by and prints are the WGS84 geodesic as geographiclib,
    the reference implementation, gives it directly (anywhere in Great Britain)."""
    from geographiclib.geodesic import Geodesic

    reference = Geodesic.WGS84.Inverse(a[0], a[1], b[0], b[1], Geodesic.DISTANCE)["s12"]
    assert geo.distance_m(a, b) == pytest.approx(reference, abs=0.001)


@pytest.mark.django_db
def test_after_an_edit_only_the_changed_place_is_loaded_again() -> None:
    """Places are kept loaded by revision: an edit to one — through the models or in plain
    SQL, to the place or to its hours — loads that one again, with what changed, and the
    others are the copies already loaded."""
    for n in range(12):
        cp = ContactPointFactory(
            latitude=Decimal(f"{51.50 + n * 0.001:.4f}"), longitude=Decimal("-0.1")
        )
        OpeningRuleFactory(contact_point=cp, weekday=2, opens=time(9), closes=time(17))
    here = Place(51.5, -0.1, "Here", "coordinates")
    noon = datetime(2026, 11, 25, 12, tzinfo=LONDON)  # a Wednesday
    before = {cp.pk: cp for cp, _d in search.nearest(here, now=noon).results}
    renamed, rehoured = list(before)[2], list(before)[5]
    ContactPoint.objects.filter(pk=renamed).update(name="Renamed Station")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE contactpoints_openingrule SET closes = %s WHERE contact_point_id = %s",
            ["11:00:00", rehoured],
        )
    after = {cp.pk: cp for cp, _d in search.nearest(here, now=noon).results}
    assert after[renamed].name == "Renamed Station"
    assert not after[rehoured].is_open_at(noon)
    assert before[rehoured].is_open_at(noon)
    kept_again = {pk for pk in after if after[pk].__dict__["kept"] is before[pk].__dict__["kept"]}
    assert kept_again == set(before) - {renamed, rehoured}


@pytest.mark.django_db
def test_what_one_request_sets_on_a_place_it_found_no_other_request_sees() -> None:
    """Each search is handed its own copies of the places kept loaded: an attribute set
    or a related object cached on one copy is not on the next search's, and the model
    state is its own; the hours and what is noted once are shared, only read."""
    cp = ContactPointFactory(latitude=Decimal("51.5"), longitude=Decimal("-0.1"))
    OpeningRuleFactory(contact_point=cp, weekday=2, opens=time(9), closes=time(17))
    here = Place(51.5, -0.1, "Here", "coordinates")
    noon = datetime(2026, 11, 25, 12, tzinfo=LONDON)
    first = search.nearest(here, now=noon).results[0][0]
    first.name = "Changed by one request"
    first.distance_label = "set by one request"
    first._state.fields_cache["replaced_by"] = None
    first._state.adding = True
    second = search.nearest(here, now=noon).results[0][0]
    assert second.pk == first.pk
    assert second is not first
    assert second.name == cp.name
    assert not hasattr(second, "distance_label")
    assert "replaced_by" not in second._state.fields_cache
    assert second._state.adding is False
    assert second._state.db == "default"
    assert second.schedule() is first.schedule()  # worked out once, shared
