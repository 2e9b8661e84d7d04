"""Every journey comfortable on a phone: the resident from SE13 who needs a private room is
shown Lewisham first (labelled) without scrolling; no public page scrolls sideways at 320 px;
chart and map text is readable and controls are big enough to tap."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
import time_machine
from django.core.cache import cache
from django.core.management import call_command
from playwright.sync_api import Browser, Page, expect

from core.time import LONDON
from places.gazetteer import import_postcodes
from tests.browser.conftest import assert_accessible, new_context
from tests.shared_data import CODEPOINT_RAW, load_westminster, postcode_from_the_london_file

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FRIDAY_NOON = datetime(2026, 11, 27, 12, tzinfo=LONDON)
PHONE = {"width": 375, "height": 812}
LAPTOP = {"width": 1366, "height": 768}


@pytest.fixture
def finder(live_server: object, settings: object) -> Iterator[str]:
    settings.GEOCODER = ""  # type: ignore[attr-defined]  # the remote is out of reach here
    cache.clear()
    import_postcodes([CODEPOINT_RAW / "wc.csv"])
    postcode_from_the_london_file("SE13 5JZ")
    call_command("load_demo", stdout=io.StringIO())  # with the real 2025 Met list
    with time_machine.travel(FRIDAY_NOON, tick=False):
        yield live_server.url  # type: ignore[attr-defined]


@pytest.mark.parametrize("viewport", [PHONE, LAPTOP], ids=["phone", "laptop"])
def test_se13_and_a_private_room_shows_lewisham_first_labelled_without_scrolling(
    browser: Browser, finder: str, viewport: dict[str, int]
) -> None:
    context = new_context(browser, viewport=viewport)
    page = context.new_page()
    page.goto(finder)
    page.get_by_label("Postcode or place").fill("SE13 5JZ")
    page.get_by_text("Opening times and facilities").click()
    page.get_by_label("Private room for a confidential conversation").check()
    page.get_by_role("button", name="Search").click()
    first = page.locator("ol.results > li").first
    expect(first.get_by_role("heading")).to_have_text("Lewisham Police Station")
    expect(first).to_contain_text("Private room not confirmed")
    expect(first).to_contain_text("43 Lewisham High Street")  # the address on the card
    box = first.get_by_role("heading").bounding_box()
    assert box is not None
    # The first result's name is on the first screen, with no scrolling.
    assert box["y"] + box["height"] <= viewport["height"], box
    # The page names the nearest place where a private room is confirmed, or says that none
    # nearby is.
    expect(page.locator("main")).to_contain_text(
        "confirmed to have a private room", use_inner_text=True
    )
    assert_accessible(page)
    context.close()


# The elements that stick out past the page's right edge (not counting the insides of boxes
# that scroll on their own: tables, charts, the map).
SIDEWAYS = """() => [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth
        && !(e.parentElement
             && e.parentElement.closest('.table-scroll, .chart-scroll, .leaflet-container')))
    .slice(0, 5)
    .map(e => e.tagName + '.' + e.className + ' ' + e.getBoundingClientRect().right)"""


def _no_sideways_scroll(page: Page, url: str) -> None:
    page.goto(url)
    wide = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    if wide[0] > wide[1]:
        culprits = page.evaluate(SIDEWAYS)
        raise AssertionError(f"{url} scrolls sideways ({wide}): {culprits}")
    # Nothing drawn in a chart or a map smaller than 12 px on a phone.
    small = page.evaluate(
        """() => [...document.querySelectorAll('svg text, .leaflet-container *, .chart *')]
            .filter(e => e.textContent.trim() && e.getClientRects().length)
            .map(e => [e.textContent.trim().slice(0, 30), parseFloat(getComputedStyle(e).fontSize)
                * (e.closest('svg') ? (e.closest('svg').getScreenCTM()?.a || 1) : 1)])
            .filter(([_t, size]) => size < 12)"""
    )
    assert small == [], (url, small[:5])


def test_no_public_page_scrolls_sideways_at_320_px(
    browser: Browser, live_server: object, settings: object, tmp_path: Path
) -> None:
    from demo import feedback as feedback_synthetic
    from demo.reviews import PUBLISHED_SLUG, load_demo_reviews
    from demo.visits import generate

    settings.GEOCODER = ""  # type: ignore[attr-defined]
    load_westminster(tmp_path)
    call_command("load_demo", stdout=io.StringIO())
    generate(days=60, now=FRIDAY_NOON)
    feedback_synthetic.generate(FRIDAY_NOON.date(), days=60)
    with time_machine.travel(FRIDAY_NOON, tick=False):
        load_demo_reviews(today=FRIDAY_NOON.date())
        site = live_server.url  # type: ignore[attr-defined]
        context = new_context(browser, viewport={"width": 320, "height": 640})
        page = context.new_page()
        for path in (
            "/", "/search/?q=WC2N+4JP", "/contact-points/",
            "/contact-points/charing-cross-police-station/",
            "/contact-points/charing-cross-police-station/report/",
            "/feedback/charing-cross-police-station/", "/coverage/",
            "/coverage/E09000033/", "/usage/", "/demand/", "/reviews/",
            f"/reviews/{PUBLISHED_SLUG}/", "/recommendations/", "/api/", "/no-such-page/",
            "/embed/", "/accounts/login/", "/privacy/",
            "/usage/charing-cross-police-station/",
        ):  # fmt: skip
            _no_sideways_scroll(page, site + path)
            assert_accessible(page)  # and axe finds nothing at 320 px
        context.close()


def test_form_controls_are_big_enough_to_tap(page: Page, finder: str) -> None:
    page.set_viewport_size(PHONE)
    for path in ("/feedback/charing-cross-police-station/", "/contact-points/", "/"):
        page.goto(finder + path)
        for details in page.locator("details:not([open]) > summary").all():
            details.click()
        for control in page.locator("input[type=radio], input[type=checkbox]").all():
            if not control.is_visible():
                continue
            box = control.bounding_box()
            assert box is not None
            assert box["width"] >= 24, (path, box)
            assert box["height"] >= 24, (path, box)
