"""A visitor scans the QR code at the counter and answers on a phone: four taps and a
button, through axe, with no JavaScript needed."""

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
import time_machine
from playwright.sync_api import Browser, expect

from core.time import LONDON
from feedback.models import Response
from tests.browser.conftest import assert_accessible
from tests.factories import ContactPointFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def site(live_server: object) -> Iterator[tuple[str, Any]]:
    ContactPointFactory(name="Marylebone Library", slug="marylebone-library")
    with time_machine.travel(datetime(2026, 11, 25, 12, tzinfo=LONDON), tick=False) as clock:
        yield live_server.url, clock  # type: ignore[attr-defined]


@pytest.mark.parametrize("javascript", [True, False])
def test_a_visitor_answers_on_a_phone(
    browser: Browser, site: tuple[str, Any], javascript: bool
) -> None:
    url, clock = site
    context = browser.new_context(
        viewport={"width": 375, "height": 667}, is_mobile=True, has_touch=True,
        java_script_enabled=javascript, locale="en-GB",
    )  # fmt: skip
    page = context.new_page()
    page.goto(f"{url}/feedback/marylebone-library/card/")
    expect(page.get_by_role("img", name="QR code linking to")).to_be_visible()
    if javascript:  # axe runs in the page's JavaScript
        assert_accessible(page)
    page.goto(f"{url}/feedback/marylebone-library/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "How was your visit to Marylebone Library?"
    )
    if javascript:  # axe runs in the page's JavaScript
        assert_accessible(page)
    page.get_by_role("button", name="Send my answers").click()  # nothing chosen yet
    expect(page.get_by_role("alert")).to_contain_text("Answer “Did you find")
    if javascript:  # axe runs in the page's JavaScript
        assert_accessible(page)
    for question, answer in [
        ("Did you find this contact point easily?", "Yes, with some difficulty"),
        ("Could you speak privately?", "I did not need to"),
        ("Did you get what you came for?", "Partly"),
        ("How did you hear about it?", "Poster"),
    ]:
        page.get_by_role("group", name=question).get_by_label(answer).click()
    clock.shift(20)  # a person's pace
    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you")
    if javascript:  # axe runs in the page's JavaScript
        assert_accessible(page)
    # The page fits the phone's width (the site's menu wraps).
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    context.close()
    answer = Response.objects.get()
    assert (answer.found_easily, answer.spoke_privately) == ("difficult", "not_needed")
