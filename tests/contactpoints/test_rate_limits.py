"""Rate limits that protect what needs it: an open data user's coordinate and postcode
searches pass; place-name searches that reach the remote geocoder are limited per client,
with the headers a client needs to wait correctly."""

from __future__ import annotations

import pytest
from django.test import Client

# The stand-in geocoder and a few listed postcodes.
from tests.places.test_geocoding import gazetteer, remote  # noqa: F401

pytestmark = pytest.mark.django_db


def test_an_open_data_user_can_make_many_local_searches(
    client: Client,
    gazetteer: None,  # noqa: F811
) -> None:
    statuses = set()
    for n in range(40):
        statuses.add(
            client.get(
                "/api/v1/contact-points/nearest", {"lat": 51.5 + n / 1000, "lon": -0.1}
            ).status_code
        )
        statuses.add(
            client.get("/api/v1/contact-points/nearest", {"postcode": "WC2N 4JP"}).status_code
        )
        statuses.add(client.get("/search/", {"q": "WC2N 4JP"}).status_code)
    assert statuses == {200}


def test_place_names_reaching_the_geocoder_are_limited_per_client(
    client: Client,
    gazetteer: None,  # noqa: F811
    remote: list[str],  # noqa: F811
) -> None:
    assert client.get("/search/", {"q": "Paddington"}).status_code == 200  # an area: kept
    for n in range(9):
        assert client.get("/search/", {"q": f"Nowhere {n}"}).status_code == 400  # not found
    refused = client.get("/search/", {"q": "Nowhere again"})
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 61
    assert "search by postcode" in refused.content.decode()
    assert len(remote) == 10  # the eleventh never reached the geocoder
    # Postcodes, coordinates and areas the geocoder already gave are not limited; an
    # answer it never gave ("not found" is not kept) is.
    assert client.get("/search/", {"q": "WC2N 4JP"}).status_code == 200
    assert client.get("/search/", {"q": "paddington"}).status_code == 200
    assert client.get("/search/", {"q": "Nowhere 3"}).status_code == 429
    api = client.get("/api/v1/contact-points/nearest", {"postcode": "W6 7NX"})
    assert api.status_code == 429
    assert "Retry-After" in api
    # Another client is not held back by this one.
    assert Client(REMOTE_ADDR="192.0.2.9").get("/search/", {"q": "Paddington"}).status_code == 200
