"""Nothing identifying is kept (/privacy/, docs/demand.md): after searches through the finder,
the widget and the API — by postcode, by location, by an address typed in full — no table
row, cache key, cache entry or log line holds the postcode, the address, the words typed or
a position finer than the published 2 km squares. Only what the privacy notice names may
remain: the district or square counted, and the position of an area (a suburb, a town) the
remote geocoder gave, under a keyed hash of its name."""

from __future__ import annotations

import base64
import logging
import pickle
from decimal import Decimal

import pytest
import time_machine
from django.core.cache import cache, caches
from django.db import connection
from django.test import Client

from places.models import Postcode
from tests.factories import ContactPointFactory
from tests.places.test_geocoding import remote  # noqa: F401 (the stand-in geocoder)

pytestmark = [pytest.mark.django_db, pytest.mark.cache]

ADDRESS = "203.0.113.77"  # the searcher's IP address
POSTCODE = "SE13 5JZ"
# What must not be kept, however it is spelled: the postcode, the address typed, the
# positions searched from (at 3 decimals, about 100 m, and finer).
SECRETS = ["SE13 5JZ", "SE135JZ", "se13 5jz", "5JZ", "Acacia", "acacia", "51.471", "-0.019",
           "51.446", "-0.012", ADDRESS]  # fmt: skip


def _rows() -> dict[str, set[str]]:
    """Every row of every table, as text, except the gazetteer's (which lists every
    postcode, searched or not, with its position: public reference data)."""
    found: dict[str, set[str]] = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            if table == "places_postcode":
                continue
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            found[table] = {repr(row) for row in cursor.fetchall()}
    return found


def _cache_entries() -> list[str]:
    """Every key and value in both caches (the default and the pages), decoded, whatever
    the backend."""
    entries = []
    for alias in ("default", "pages"):
        store = caches[alias]
        backend = type(store).__name__
        if backend == "DatabaseCache":
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT cache_key, value FROM {store._table}")  # type: ignore[attr-defined]  # noqa: S608
                for key, value in cursor.fetchall():
                    entries.append(f"{key} {pickle.loads(base64.b64decode(value))!r}")  # noqa: S301 (our own cache)
        elif backend == "RedisCache":
            redis = store._cache  # type: ignore[attr-defined]
            client = redis.get_client()
            for key in client.scan_iter("*"):
                value = client.get(key)
                if value is None:
                    continue  # expired between the scan and the read
                entries.append(f"{key!r} {redis._serializer.loads(value)!r}")
        else:  # LocMemCache
            for key, value in store._cache.items():  # type: ignore[attr-defined]
                entries.append(f"{key} {pickle.loads(value)!r}")  # noqa: S301
    return entries


@time_machine.travel("2026-11-25 19:30 +00:00", tick=False)
def test_searches_leave_nothing_that_identifies_the_searcher(
    caplog: pytest.LogCaptureFixture,
    settings: object,
    remote: list[str],  # noqa: F811
) -> None:
    caplog.set_level(logging.DEBUG)
    # Time for the stand-in geocoder to answer on a busy machine (its answer is asserted).
    settings.GEOCODER_TIMEOUT = 5  # type: ignore[attr-defined]
    Postcode.objects.create(
        postcode=POSTCODE, outward="SE13", latitude=Decimal("51.446123"),
        longitude=Decimal("-0.012345"), source="codepoint",
    )  # fmt: skip
    ContactPointFactory(slug="lewisham", name="Lewisham", latitude=Decimal("51.4614"),
                        longitude=Decimal("-0.0105"))  # fmt: skip
    before = _rows()
    cache.clear()
    client = Client(REMOTE_ADDR=ADDRESS)
    answers = [
        client.get("/search/", {"q": POSTCODE}),
        client.get("/search/", {"q": "se135jz", "open_now": "on"}),
        client.get("/search/", {"lat": "51.4712345", "lon": "-0.0198765"}),
        client.get("/search/", {"q": "10 Acacia Avenue, SE13 5JZ"}),
        client.get("/search/", {"q": "Paddington"}),
        client.get("/embed/", {"q": POSTCODE}),
        client.get("/api/v1/contact-points/nearest", {"postcode": POSTCODE}),
        client.get("/api/v1/contact-points/nearest", {"lat": "51.4712345", "lon": "-0.0198765"}),
    ]
    assert [a.status_code for a in answers] == [200] * len(answers)
    # The answers themselves are for the searcher alone: no shared proxy may keep them.
    assert all(a["Cache-Control"].startswith("private") for a in answers)
    after = _rows()
    written = {table: rows - before.get(table, set()) for table, rows in after.items()}
    searched = written.pop("demand_searchcount")
    assert searched, "the searches were counted (by district or square only)"
    places = [
        text
        for table, rows in written.items()
        for text in rows
        for secret in SECRETS
        if secret in text
    ]
    assert places == []
    assert not [row for row in searched for secret in SECRETS if secret in row]
    kept = _cache_entries()
    assert [entry for entry in kept for secret in SECRETS if secret in entry] == []
    logged = [record.getMessage() for record in caplog.records]
    assert [line for line in logged for secret in SECRETS if secret in line] == []
    # What may remain is what the notice names: the area the geocoder gave.
    assert any("Paddington" in entry for entry in kept)
