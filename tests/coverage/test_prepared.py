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


def test_after_an_edit_readers_are_answered_at_once_with_the_earlier_figures(site) -> None:
    """The first reader after an edit waits for nothing: the figures from before it stand
    in, said to, for seconds at a time, until the new ones (worked out in the background,
    never in a request) replace them."""
    client = Client()
    with time_machine.travel(NOW, tick=False):
        site.set()
        if client.get("/coverage/").status_code == 503:  # this week, asked first
            background.wait()
        before = client.get("/coverage/")
        assert before.status_code == 200
        assert "(1 places open for business)" in before.content.decode()
        assert "changed a moment ago" not in before.content.decode()

        site.clear()  # the next figures are held in the background until let go
        added = ContactPointFactory(latitude=Decimal("51.5155"), longitude=Decimal("-0.1410"))
        OpeningRuleFactory(contact_point=added, weekday=2, opens=time(9), closes=time(17))

        during = client.get("/coverage/")  # would hang (or 503) if it waited for them
        page = during.content.decode()
        assert during.status_code == 200
        assert "A contact point changed a moment ago" in page
        assert "(1 places open for business)" in page  # the figures from before the edit
        assert during["Cache-Control"] == "public, max-age=10"
        api = client.get("/api/v1/coverage")
        assert api.status_code == 200
        assert "changed a moment ago" in api.json()["updating"]["detail"]
        assert Job.objects.count() == 1  # being worked out, once

        site.set()
        background.wait()
    with time_machine.travel(NOW.replace(second=11), tick=False):
        after = client.get("/coverage/")
        assert after.status_code == 200
        assert "(2 places open for business)" in after.content.decode()
        assert "changed a moment ago" not in after.content.decode()
        assert "updating" not in client.get("/api/v1/coverage").json()


def test_an_hours_edit_starts_the_new_figures_before_anyone_asks(site) -> None:
    from contactpoints import services

    client = Client()
    with time_machine.travel(NOW, tick=False):
        site.set()
        if client.get("/coverage/").status_code == 503:
            background.wait()
        site.clear()
        added = ContactPointFactory(
            latitude=Decimal("51.5155"), longitude=Decimal("-0.1410"), is_published=False
        )
        OpeningRuleFactory(contact_point=added, weekday=2, opens=time(9), closes=time(17))
        assert Job.objects.count() == 0
        services.contact_point_publish(contact_point=added, published=True)
        assert Job.objects.count() == 1  # started as the edit committed, no reader yet
        site.set()
        background.wait()
        page = client.get("/coverage/").content.decode()
        assert "(2 places open for business)" in page  # ready: nothing stands in
        assert "changed a moment ago" not in page
