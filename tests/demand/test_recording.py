"""Search demand as an auditor checks it: every finder search (page, widget, API) counted
once — cached answers too — by district or grid square, hour and walking band only; nothing
that identifies the searcher kept anywhere (tables, logs, caches); Global Privacy Control
and Do Not Track honoured."""

from datetime import datetime, time
from decimal import Decimal

import pytest
import time_machine
from django.core.cache import cache
from django.db import DatabaseError
from django.test import Client
from geopy.distance import geodesic

from core.time import LONDON
from demand import recorder
from demand.models import SearchCount
from places.models import Postcode
from tests.factories import ContactPointFactory, OpeningRuleFactory

pytestmark = pytest.mark.django_db
WEDNESDAY_EVENING = datetime(2026, 11, 25, 19, 30, tzinfo=LONDON)
ADDRESS = "203.0.113.77"


@pytest.fixture(autouse=True)
def places(settings: object) -> None:
    settings.GEOCODER = ""  # type: ignore[attr-defined]
    cache.clear()
    for code, lat, lon in [("WC2N 4JP", "51.509786", "-0.124658"),
                           ("W2 1XJ", "51.520469", "-0.171354")]:  # fmt: skip
        Postcode.objects.create(
            postcode=code, outward=code.split()[0], latitude=Decimal(lat),
            longitude=Decimal(lon), source="codepoint",
        )  # fmt: skip
    # Open weekdays 09:00–17:00 only: on a Wednesday evening nothing here is open.
    day_only = ContactPointFactory(
        name="Charing Cross", latitude=Decimal("51.509786"), longitude=Decimal("-0.124658")
    )
    for weekday in range(5):
        OpeningRuleFactory(contact_point=day_only, weekday=weekday, opens=time(9), closes=time(17))
    # Open Wednesday evenings: 1.5 km from W2 1XJ, a 24-minute walk (× 1.3 at 80 m a minute).
    library = ContactPointFactory(
        name="St John's Wood Library", latitude=Decimal("51.533654"),
        longitude=Decimal("-0.172628"),
    )  # fmt: skip
    OpeningRuleFactory(contact_point=library, weekday=2, opens=time(19), closes=time(20))


def counts() -> list[tuple[str, int, bool, bool, str, int]]:
    return sorted(
        SearchCount.objects.values_list("area", "hour", "open_now", "facility", "walk", "count")
    )


def walk_minutes(a: tuple[float, float], b: tuple[float, float]) -> float:
    return geodesic(a, b).meters * 1.3 / 80


@time_machine.travel(WEDNESDAY_EVENING, tick=False)
def test_every_search_is_counted_once_by_district_hour_and_walk(client: Client) -> None:
    # From W2 1XJ the library (open) is a 24-minute walk; from WC2N 4JP it is 39.
    assert 20 < walk_minutes((51.520469, -0.171354), (51.533654, -0.172628)) <= 30
    assert walk_minutes((51.509786, -0.124658), (51.533654, -0.172628)) > 30
    assert client.get("/search/", {"q": "W2 1XJ"}).status_code == 200
    assert client.get("/search/", {"q": "W2 1XJ"}).status_code == 200  # from the cache
    assert client.get("/search/", {"q": "wc2n4jp", "open_now": "on"}).status_code == 200
    widget = client.get("/embed/", {"q": "WC2N 4JP", "facilities": "has_private_room"})
    assert widget.status_code == 200
    api = client.get("/api/v1/contact-points/nearest", {"lat": 51.5201, "lon": -0.1714})
    assert api.status_code == 200
    assert client.get("/search/", {"q": "ZZ99 9ZZ"}).status_code in (400, 404)  # not counted
    assert counts() == [
        ("51.52,-0.18", 19, False, False, "30", 1),  # the API, by location: a grid square
        ("W2", 19, False, False, "30", 2),
        ("WC2N", 19, False, True, "over", 1),
        ("WC2N", 19, True, False, "over", 1),
    ]


@time_machine.travel(WEDNESDAY_EVENING, tick=False)
@pytest.mark.parametrize("header", [{"HTTP_SEC_GPC": "1"}, {"HTTP_DNT": "1"}])
def test_global_privacy_control_and_do_not_track_are_honoured(
    client: Client, header: dict[str, str]
) -> None:
    assert client.get("/search/", {"q": "W2 1XJ"}, **header).status_code == 200
    assert client.get("/embed/", {"q": "W2 1XJ"}, **header).status_code == 200
    api = client.get("/api/v1/contact-points/nearest", {"postcode": "W2 1XJ"}, **header)
    assert api.status_code == 200
    assert counts() == []
    client.get("/search/", {"q": "W2 1XJ"}, HTTP_SEC_GPC="0", HTTP_DNT="0")
    assert counts() == [("W2", 19, False, False, "30", 1)]


def test_the_counts_table_has_no_field_that_could_identify_anyone() -> None:
    fields = {f.name for f in SearchCount._meta.get_fields()}
    assert fields == {
        "id", "day", "area", "hour", "open_now", "facility", "walk", "synthetic", "count"
    }  # fmt: skip
    assert SearchCount._meta.get_field("area").max_length == 16  # a district or a square


@time_machine.travel(WEDNESDAY_EVENING, tick=False)
def test_a_count_that_cannot_be_written_never_costs_the_resident_their_answer(
    client: Client, settings: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each search is counted by one upsert as it is answered, so nothing waits in memory
    to be lost; if that write fails, the search is answered and only it goes uncounted."""
    real = recorder.count

    def failing(_key: object, n: int = 1) -> None:
        raise DatabaseError("the table is locked")

    monkeypatch.setattr(recorder, "count", failing)
    assert client.get("/search/", {"q": "W2 1XJ"}).status_code == 200
    assert counts() == []
    monkeypatch.setattr(recorder, "count", real)
    client.get("/search/", {"q": "W2 1XJ"})
    client.get("/search/", {"q": "W2 1XJ"})
    assert counts() == [("W2", 19, False, False, "30", 2)]


def test_counting_can_be_switched_off(client: Client, settings: object) -> None:
    settings.DEMAND_RECORDING = False  # type: ignore[attr-defined]
    client.get("/search/", {"q": "W2 1XJ"})
    assert counts() == []


def test_the_walk_counted_is_the_one_a_separate_pass_finds() -> None:
    """The search hands the recorder the distance to the nearest place open then, which it
    worked out anyway; that must be what a pass of its own over every place finds, with
    any number of results, open now or at a time asked for."""
    import random

    from django.conf import settings

    from contactpoints import nearby, search
    from places.geocoding import Place

    rng = random.Random(20261202)
    for _ in range(40):
        cp = ContactPointFactory(
            latitude=Decimal(f"{rng.uniform(51.3, 51.7):.6f}"),
            longitude=Decimal(f"{rng.uniform(-0.5, 0.3):.6f}"),
        )
        opens, closes = time(rng.randrange(8, 16)), time(rng.randrange(16, 23))
        OpeningRuleFactory(contact_point=cp, weekday=rng.randrange(7), opens=opens, closes=closes)
    for _ in range(150):
        place = Place(rng.uniform(51.2, 51.8), rng.uniform(-0.6, 0.4), "a point", "coordinates")
        now = datetime(2026, 11, 23, tzinfo=LONDON).replace(
            day=rng.randrange(23, 30), hour=rng.randrange(24)
        )
        open_at = rng.choice([None, now, now.replace(hour=rng.randrange(24))])
        found = search.nearest(place, now=now, open_at=open_at, limit=rng.choice([1, 3, 10]))
        assert found.nearest_open_known
        moment = open_at or now
        index = nearby.index()
        alone = index.nearest(place.latitude, place.longitude,
                              index.select() & index.open_at(moment), limit=1,
                              within_m=settings.SEARCH_WITHIN_KM * 1000)  # fmt: skip
        assert found.nearest_open_m == (alone[0][0] if alone else None)
        own = recorder.facts(place, moment=moment, open_now=False, facility=False)
        given = recorder.facts(place, moment=moment, open_now=False, facility=False,
                               nearest_open_m=found.nearest_open_m)  # fmt: skip
        assert given == own
    # With a facility asked for, the search cannot tell: the recorder makes its own pass.
    place = Place(51.5, -0.12, "a point", "coordinates")
    found = search.nearest(place, now=now, facilities=["has_private_room"])
    assert not found.nearest_open_known
