"""A resident finds the nearest contact point by postcode or location; other sites reuse
the finder and the API; a manager prints a poster."""

import html
import io
import re
import threading
import urllib.request
from collections.abc import Iterator
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import time_machine
from django.core.cache import cache
from django.core.management import call_command
from playwright.sync_api import Browser, Page, expect

from core.time import LONDON
from places.districts import import_districts
from places.gazetteer import import_postcodes
from tests.browser.conftest import assert_pages_accessible, new_context
from tests.shared_data import CODEPOINT_RAW, DISTRICT_CENTRES

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Friday 27 November 2026, 12:00: front counters open, contact points closed.
FRIDAY_NOON = datetime(2026, 11, 27, 12, tzinfo=LONDON)
BEETHOVEN_CENTRE = {"latitude": 51.5307, "longitude": -0.2082}


@pytest.fixture
def finder(live_server: object, settings: object) -> Iterator[str]:
    settings.GEOCODER = ""  # type: ignore[attr-defined]  # the remote is out of reach here
    cache.clear()
    import_postcodes([CODEPOINT_RAW / "wc.csv"])  # W2 and other districts: the centres below
    import_districts(DISTRICT_CENTRES, "Code-Point Open 2014 district centroids")  # as make run
    call_command("load_demo", stdout=io.StringIO())  # with the real 2025 Met list
    with time_machine.travel(FRIDAY_NOON, tick=False):
        yield live_server.url  # type: ignore[attr-defined]


def test_search_a_postcode_and_see_ordered_results_on_a_map(page: Page, finder: str) -> None:
    page.goto(finder)
    page.get_by_label("Postcode or place").fill("wc2n 4jp")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", name="Nearest to WC2N 4JP")).to_be_visible()
    results = page.locator("ol.results > li")
    expect(results.first.get_by_role("heading")).to_have_text("Charing Cross Police Station")
    expect(results.first).to_contain_text("less than 0.1 miles away")
    expect(results.first).to_contain_text("Open now — open 24 hours")
    miles = [float(t.split()[0]) for t in results.locator(".distance").all_inner_texts()[1:]]
    assert miles == sorted(miles)
    expect(page.locator(".leaflet-container")).to_be_visible()
    # One marker per result, plus the searched point.
    expect(page.locator("path.leaflet-interactive")).to_have_count(results.count() + 1)


def test_a_district_search(page: Page, finder: str) -> None:
    page.goto(f"{finder}/search/?q=w2")
    expect(page.get_by_role("heading", name="Nearest to W2 (postcode district)")).to_be_visible()
    expect(page.locator("ol.results > li").first).to_contain_text("Church Street Library pop-up")


def test_use_my_location(browser: Browser, finder: str) -> None:
    context = new_context(browser, geolocation=BEETHOVEN_CENTRE, permissions=["geolocation"])
    page = context.new_page()
    page.goto(finder)
    page.get_by_role("button", name="Use my location").click()
    expect(page.get_by_role("heading", name="Nearest to your location")).to_be_visible()
    first = page.locator("ol.results > li").first
    expect(first.get_by_role("heading")).to_have_text("Beethoven Centre contact point")
    context.close()


def test_refusing_location_says_what_to_do_instead(browser: Browser, finder: str) -> None:
    context = new_context(browser, geolocation=BEETHOVEN_CENTRE, permissions=[])
    page = context.new_page()
    page.goto(finder)
    page.get_by_role("button", name="Use my location").click()
    expect(page.get_by_role("status")).to_have_text(
        "You chose not to share your location. Enter a postcode or place instead."
    )
    assert page.url.rstrip("/") == finder
    context.close()


@pytest.fixture
def council_site(finder: str) -> Iterator[str]:
    """A second website, on another origin on this machine, that embeds the finder with the
    snippet our /embed/code/ page gives, and reads the API from its own page's script."""
    code = urllib.request.urlopen(f"{finder}/embed/code/").read().decode()  # noqa: S310
    snippet = html.unescape(re.search(r"(&lt;iframe .*?&lt;/iframe&gt;)", code).group(1))
    page = f"""<!doctype html><html lang="en"><title>Council</title>
        {snippet}
        <p id="count">loading</p>
        <script>
          fetch("{finder}/api/v1/contact-points?open_now=true")
            .then(r => r.json())
            .then(b => document.getElementById("count").textContent = b.features.length);
        </script>""".encode()

    class Council(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Council)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()


def test_widget_and_api_from_another_website(page: Page, council_site: str) -> None:
    page.goto(council_site)
    expect(page.locator("#count")).to_have_text("27")  # 2 x 24/7 + 25 front counters at noon
    widget = page.frame_locator("iframe")
    widget.get_by_label("Postcode or place").fill("WC2N 4JP")
    widget.get_by_role("button", name="Search").click()
    expect(widget.locator("ol.results > li")).to_have_count(5)
    expect(widget.locator("ol.results > li").first).to_contain_text("Charing Cross")


def test_use_my_location_inside_the_widget_on_another_website(
    browser: Browser, council_site: str
) -> None:
    context = new_context(browser, geolocation=BEETHOVEN_CENTRE, permissions=["geolocation"])
    page = context.new_page()
    page.goto(council_site)
    widget = page.frame_locator("iframe")
    widget.get_by_role("button", name="Use my location").click()
    expect(widget.get_by_role("heading", name="Nearest to your location")).to_be_visible()
    first = widget.locator("ol.results > li").first
    expect(first.get_by_role("heading")).to_have_text("Beethoven Centre contact point")
    context.close()


def test_a_printed_page_does_not_say_open_now(page: Page, finder: str) -> None:
    page.goto(f"{finder}/contact-points/charing-cross-police-station/")
    expect(page.get_by_test_id("status")).to_be_visible()
    page.emulate_media(media="print")
    expect(page.get_by_test_id("status")).to_be_hidden()
    expect(page.get_by_text("Printed page: whether it is open depends on when")).to_be_visible()


def test_poster_prints_without_the_page_furniture(page: Page, finder: str) -> None:
    page.goto(f"{finder}/contact-points/beethoven-centre-contact-point/")
    page.get_by_role("link", name="Print a poster").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Beethoven Centre contact point")
    expect(page.get_by_role("img", name="QR code linking to")).to_have_count(2)  # page, feedback
    expect(
        page.get_by_role("img", name="/feedback/beethoven-centre-contact-point/")
    ).to_be_visible()
    page.emulate_media(media="print")
    expect(page.locator(".no-print")).to_be_hidden()
    expect(page.get_by_text("Wednesday and Thursday, 19:00 to 20:00")).to_be_visible()


@pytest.mark.parametrize(
    "slug",
    ["charing-cross-police-station", "beethoven-centre-contact-point", "acton-police-station"],
)
def test_poster_fits_one_a4_page(page: Page, finder: str, slug: str) -> None:
    """Printed by the browser to A4, the poster is one page, whatever the place's hours."""
    response = page.goto(f"{finder}/contact-points/{slug}/poster/")
    assert response is not None
    assert response.ok
    pdf = page.pdf(format="A4", prefer_css_page_size=True)
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert pages == 1, f"{slug}: {pages} pages"


FINDER_PAGES = [
    "/",
    "/search/?q=WC2N+4JP",
    "/search/?q=",
    "/search/?q=Narnia",
    "/search/?q=W2&open_at=2026-11-28T10:00&facilities=has_private_room",
    "/embed/",
    "/embed/?q=W2",
    "/embed/code/",
    "/api/",
    "/contact-points/charing-cross-police-station/poster/",
]


def test_finder_pages_have_no_accessibility_violations(page: Page, finder: str) -> None:
    assert_pages_accessible(page, finder, FINDER_PAGES)
