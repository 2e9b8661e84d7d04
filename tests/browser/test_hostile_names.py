"""The map's tooltip shows a contact point's name as text: a name written like markup makes
no element and runs nothing (tests/test_hostile_names.py covers every other output)."""

from datetime import time

import pytest
from playwright.sync_api import Page, expect

from tests.factories import ContactPointFactory, OpeningRuleFactory
from tests.test_hostile_names import HOSTILE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_map_tooltip_shows_a_hostile_name_as_text(page: Page, live_server: object) -> None:
    place = ContactPointFactory(name=HOSTILE, slug="hostile")
    OpeningRuleFactory(contact_point=place, weekday=2, opens=time(9), closes=time(17))
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(f"{live_server.url}/contact-points/hostile/")  # type: ignore[attr-defined]
    marker = page.locator(".leaflet-interactive").first
    marker.hover()
    tooltip = page.locator(".leaflet-tooltip")
    expect(tooltip).to_have_text(HOSTILE)
    assert tooltip.locator("img, svg, script").count() == 0
    assert dialogs == []
