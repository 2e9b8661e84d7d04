"""A councillor reads the usage figures and a review, with and without a mouse."""

import re
from collections.abc import Iterator
from datetime import datetime

import pytest
import time_machine
from playwright.sync_api import Page, expect

from core.time import LONDON
from demo import feedback as feedback_synthetic
from demo.places import load_demo
from demo.reviews import PUBLISHED_SLUG, load_demo_reviews
from demo.visits import generate
from tests.browser.conftest import assert_pages_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOW = datetime(2026, 11, 27, 12, tzinfo=LONDON)


@pytest.fixture
def figures(live_server: object) -> Iterator[str]:
    load_demo()
    generate(days=120, now=NOW)
    feedback_synthetic.generate(NOW.date(), days=120)  # cited by the demo review
    with time_machine.travel(NOW, tick=False):
        load_demo_reviews(today=NOW.date())
    with time_machine.travel(NOW, tick=False):
        yield live_server.url  # type: ignore[attr-defined]


def test_usage_summary_to_a_contact_point_and_a_download(page: Page, figures: str) -> None:
    page.goto(figures)
    page.get_by_role("link", name="Usage").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("How contact points are used")
    expect(page.get_by_text("Includes synthetic demo data")).to_be_visible()
    table = page.get_by_role("table", name="Usage by contact point")
    expect(table.get_by_role("row", name="Beethoven Centre contact point")).to_be_visible()
    page.get_by_label("Sort by").select_option("visits")
    page.get_by_role("button", name="Show").click()
    # The click returns once the new page starts arriving: wait for it before reading.
    expect(page).to_have_url(re.compile(r"sort=visits"))
    page.wait_for_load_state("domcontentloaded")
    expect(table.locator("tbody tr").first).to_be_visible()
    visits = [
        int(text.replace(",", ""))
        for text in table.locator("tbody tr td:nth-child(2)").all_inner_texts()
        if text.replace(",", "").isdigit()
    ]
    assert visits == sorted(visits, reverse=True)
    expect(table.locator("tbody tr").first).to_contain_text(re.compile("Charing Cross|Lewisham"))
    page.get_by_role("link", name="Beethoven Centre contact point").click()
    expect(page.get_by_role("heading", name="Visits by month")).to_be_visible()
    expect(page.get_by_role("img", name="Visits by month")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download this table (CSV)").first.click()
    assert download.value.suggested_filename == "beethoven-centre-contact-point-months.csv"


def test_a_review_and_its_recommendations(page: Page, figures: str) -> None:
    page.goto(f"{figures}/reviews/")
    page.get_by_role("link", name="Westminster contact points: review of the year (demo)").click()
    expect(page.get_by_role("heading", name="Recommendations and progress")).to_be_visible()
    expect(page.get_by_text("Overdue").first).to_be_visible()
    # The visitor feedback it cites, frozen with it (the accessibility test reads it too).
    expect(
        page.get_by_role("heading", name="Evidence cited, as it was at publication")
    ).to_be_visible()
    expect(page.get_by_role("heading", name="What visitors told us")).to_be_visible()
    page.goto(f"{figures}/recommendations/?overdue=on")
    expect(page.get_by_role("table")).to_contain_text("Provide a private room")


def test_usage_and_review_pages_are_accessible(page: Page, figures: str) -> None:
    paths = [
        "/usage/",
        "/usage/?start=2026-12-01&end=2026-01-01",  # refused: a 400 with its error summary
        "/usage/beethoven-centre-contact-point/",
        "/reviews/",
        f"/reviews/{PUBLISHED_SLUG}/",
        "/recommendations/",
    ]
    assert_pages_accessible(page, figures, paths)
