"""The everyday traffic that fills a cache until it evicts changes nothing that matters:
coordination state lives in the database (core.versions, used feedback tickets, release
markers, coverage weeks), and caches lose only what is recomputed cheaply.

Both caches are made small here — Django's own default of 300 entries for a database
cache, which culled a third at a time and on the old code threw away the data version, a
used feedback ticket and a week of coverage; 2 MB and least-recently-used eviction for
Redis — then 10,000 distinct pages are served through the page cache and 10,000 distinct
searches by place name go through the geocoder and its cache."""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.cache import caches
from django.http import HttpResponse
from django.test import Client, override_settings

from core import pagecache, versions
from core.time import LONDON
from coverage import london
from places import geocoding
from tests.factories import ContactPointFactory
from tests.places.test_geocoding import remote  # noqa: F401 (the stand-in geocoder)
from tests.shared_data import load_westminster

pytestmark = [pytest.mark.django_db, pytest.mark.cache]

NOW = datetime(2026, 11, 25, 12, tzinfo=LONDON)
SMALL = {"MAX_ENTRIES": 300, "CULL_FREQUENCY": 3}  # Django's defaults


@contextmanager
def small_caches() -> Iterator[None]:
    """Database and local caches cut to 300 entries; Redis to 2 MB, evicting the least
    recently used keys — on a redis-server of this test's own, since a memory limit is the
    whole server's, and the tests beside it (another worker) must not lose their keys."""
    from django.conf import settings

    redis = [a for a, c in settings.CACHES.items() if c["BACKEND"].endswith("RedisCache")]
    if not redis:
        small = {alias: {**c, "OPTIONS": SMALL} for alias, c in settings.CACHES.items()}
        with override_settings(CACHES=small):
            yield
        return
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(  # noqa: S603
        [shutil.which("redis-server") or "redis-server", "--bind", "127.0.0.1", "--port",
         str(port), "--save", "", "--appendonly", "no", "--maxmemory", "2mb",
         "--maxmemory-policy", "allkeys-lru"],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        own = {
            alias: {**c, "LOCATION": f"redis://127.0.0.1:{port}/{n + 1}"}
            for n, (alias, c) in enumerate(settings.CACHES.items())
        }
        with override_settings(CACHES=own):
            client = caches[redis[0]]._cache.get_client()  # type: ignore[attr-defined]
            for _ in range(100):  # until it answers
                try:
                    client.ping()
                    break
                except Exception:
                    time.sleep(0.05)
            yield
    finally:
        server.terminate()
        server.wait(timeout=10)


def _ticket(client: Client) -> str:
    page = client.get("/feedback/charing-cross/").content.decode()
    return re.search(r'name="ticket" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]


ANSWERS = {"found_easily": "yes", "spoke_privately": "yes", "got_what_needed": "yes",
           "heard_via": "poster"}  # fmt: skip


def test_traffic_that_fills_the_caches_changes_no_coordination_state(
    tmp_path: Path,
    remote: list[str],  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    settings: Any,
) -> None:
    settings.GEOCODER_RATE = "100000/min"
    load_westminster(tmp_path)
    ContactPointFactory(slug="charing-cross", name="Charing Cross")
    with small_caches(), time_machine.travel(NOW, tick=False) as clock:
        london.warm(NOW.date())  # the daily command's work: three weeks of coverage
        computed: list[object] = []
        real = london.compute
        monkeypatch.setattr(london, "compute", lambda *a, **k: computed.append(a) or real(*a, **k))
        london._weeks.clear()  # a worker started afresh: only the database holds the weeks
        before = versions.current(versions.PLACES, versions.FIGURES, versions.AREAS)
        client = Client()
        ticket = _ticket(client)
        clock.shift(timedelta(seconds=10))
        assert (
            client.post("/feedback/charing-cross/", {**ANSWERS, "ticket": ticket}).status_code
            == 302
        )

        for n in range(10_000):  # distinct pages, as a busy site's visitors ask for them
            pagecache.serve(
                kind="traffic", choices=str(n), depends_on=(versions.PLACES,),
                render=lambda now, n=n: (HttpResponse(f"page {n}" * 50), now + timedelta(hours=1)),
            )  # fmt: skip
        for n in range(10_000):  # distinct place names, each an area the geocoder finds
            geocoding.locate(f"Area {n}")

        assert versions.current(versions.PLACES, versions.FIGURES, versions.AREAS) == before
        # The used ticket is still used: a replay from a browser without cookies is refused.
        replay = Client().post("/feedback/charing-cross/", {**ANSWERS, "ticket": ticket})
        assert replay.status_code == 409
        # Coverage pages read the weeks worked out ahead: nothing is computed again.
        assert Client().get("/coverage/").status_code == 200
        assert computed == []
