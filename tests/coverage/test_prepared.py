"""No request works coverage out: figures no one has asked for before are prepared in the
background while the reader is told to come back, and no more than the cap is ever being
prepared at once, however many new periods are asked for."""

import threading
from datetime import datetime, time
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from django.test import Client

from core import background
from core.models import Job
from core.time import LONDON
from coverage import london
from tests.factories import ContactPointFactory, OpeningRuleFactory
from tests.shared_data import load_westminster

pytestmark = pytest.mark.django_db(transaction=True)

NOW = datetime(2026, 11, 25, 12, tzinfo=LONDON)


@pytest.fixture
def site(tmp_path: Path, settings, monkeypatch) -> threading.Event:  # type: ignore[no-untyped-def]
    """Westminster with one place; the background held until the test lets it go."""
    settings.BACKGROUND_INLINE = False
    load_westminster(tmp_path)
    cp = ContactPointFactory(latitude=Decimal("51.509786"), longitude=Decimal("-0.124658"))
    for weekday in range(5):
        OpeningRuleFactory(contact_point=cp, weekday=weekday, opens=time(8), closes=time(20))
    release = threading.Event()
    compute = london.compute

    def held(*args, **kwargs):  # type: ignore[no-untyped-def]
        assert threading.current_thread() is not threading.main_thread(), "in the request"
        release.wait(timeout=30)
        return compute(*args, **kwargs)

    monkeypatch.setattr(london, "compute", held)
    yield release
    release.set()
    background.wait()


def test_a_new_period_is_prepared_in_the_background_and_answered_at_once(site) -> None:
    client = Client()
    period = "/coverage/?from=2026-10-05&to=2026-11-22"
    with time_machine.travel(NOW, tick=False):
        first = client.get(period)  # would hang here if the request did the work
        assert first.status_code == 503
        assert first["Retry-After"] == "10"
        assert "These figures are being prepared" in first.content.decode()
        api = client.get("/api/v1/coverage", {"from": "2026-10-05", "to": "2026-11-22"})
        assert api.status_code == 503
        assert api.json()["retry_after"] == 10

        # A flood of other new periods starts nothing more: one piece of work at a time.
        for month in range(1, 9):
            other = client.get(f"/coverage/?from=2025-0{month}-01&to=2025-0{month}-20")
            assert other.status_code == 503
            assert "Other figures are being prepared" in other.content.decode()
        assert Job.objects.count() == 1

        site.set()
        background.wait()
        assert Job.objects.count() == 0
        ready = client.get(period)
        assert ready.status_code == 200
        assert "Who can reach" in ready.content.decode()
        # Parameters the page does not read change nothing: the same kept answer.
        junk = client.get(period + "&utm_source=x&nocache=1")
        assert junk.status_code == 200
        assert junk["ETag"] == ready["ETag"]
        assert Job.objects.count() == 0
