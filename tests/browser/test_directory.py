"""A resident on a phone finds a contact point that is open and has a private room."""

import io
import re
from collections.abc import Iterator
from datetime import datetime

import pytest
import time_machine
from django.core.management import call_command
from playwright.sync_api import Browser, Page, expect

from core.time import LONDON
from tests.browser.conftest import assert_pages_accessible, new_context

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Wednesday 25 November 2026, 19:15: the contact points' evening session is on.
WEDNESDAY_EVENING = datetime(2026, 11, 25, 19, 15, tzinfo=LONDON)


@pytest.fixture
def demo(live_server: object) -> Iterator[str]:
    call_command("load_demo", stdout=io.StringIO())  # with the real 2025 Met list
    with time_machine.travel(WEDNESDAY_EVENING, tick=False):
        yield live_server.url  # type: ignore[attr-defined]


def test_filter_open_now_with_a_private_room_then_read_a_status(page: Page, demo: str) -> None:
    page.goto(f"{demo}/contact-points/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Police contact points and front counters"
    )
    page.get_by_label("Only show places open now").check()
    page.get_by_label("Private room for a confidential conversation").check()
    page.get_by_role("button", name="Apply filters").click()
    # The click returns once the new page starts arriving: wait for it before reading.
    expect(page).to_have_url(re.compile(r"open_now=on"))
    page.wait_for_load_state("domcontentloaded")

    results = page.locator(".cards > li")
    expect(results.first).to_be_visible()
    names = results.locator("h3").all_inner_texts()
    # No source says whether any demo place has a private room: none is left out for
    # it, and every card says it is not confirmed.
    assert "Beethoven Centre contact point" in names
    assert "Charing Cross Police Station" in names
    assert "Belgravia Police Station" not in names  # closed permanently
    for status in results.locator(".status").all_inner_texts():
        assert status.startswith("Open now")
    for card in results.all():
        expect(card).to_contain_text("Private room not confirmed")

    page.get_by_role("link", name="Beethoven Centre contact point").click()
    # Its times are the typical London-wide ones of 2013, not its own: not confirmed.
    expect(page.get_by_test_id("status")).to_have_text(
        "Open now — closes in 45 minutes (20:00) (hours not confirmed: call 101 before you travel)"
    )
    expect(page.get_by_role("row", name="Wednesday 25 November (today)")).to_contain_text(
        "19:00 to 20:00"
    )
    expect(page.locator(".leaflet-container")).to_be_visible()  # the map enhances the page


def test_directory_works_without_javascript(browser: Browser, demo: str) -> None:
    context = new_context(browser, java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{demo}/contact-points/")
    page.get_by_label("Borough").select_option("Lambeth")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_role("heading", name="1 place found")).to_be_visible()
    expect(page.get_by_role("link", name="Brixton Police Station")).to_be_visible()
    expect(page.locator("#map")).to_be_hidden()  # no empty map box without scripts
    context.close()


PUBLIC_PAGES = [
    "/",
    "/contact-points/",
    "/contact-points/?open_now=on&facilities=has_private_room",
    "/contact-points/?borough=Atlantis",  # the error summary
    "/contact-points/charing-cross-police-station/",
    "/contact-points/beethoven-centre-contact-point/",
    "/contact-points/belgravia-police-station/",
    "/contact-points/marylebone-police-station/",
    "/contact-points/queens-park-pop-up/",
    "/contact-points/acton-police-station/",  # from the real list: facts not confirmed
    "/contact-points/no-such-place/",
]


def test_public_pages_have_no_accessibility_violations(page: Page, demo: str) -> None:
    assert_pages_accessible(page, demo, PUBLIC_PAGES)


def test_skip_link_moves_focus_to_the_main_content(page: Page, demo: str) -> None:
    page.goto(f"{demo}/contact-points/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
