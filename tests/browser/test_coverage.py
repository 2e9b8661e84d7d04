"""A councillor reads the coverage pages in a browser: with and without JavaScript, through
axe, and by keyboard to a borough."""

from collections.abc import Iterator
from datetime import datetime, time
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from playwright.sync_api import Browser, Page, expect

from core.time import LONDON
from tests.browser.conftest import assert_accessible, new_context
from tests.factories import ContactPointFactory, OpeningRuleFactory
from tests.shared_data import load_westminster

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOW = datetime(2026, 11, 25, 12, tzinfo=LONDON)


@pytest.fixture
def site(live_server: object, tmp_path: Path) -> Iterator[str]:
    load_westminster(tmp_path)
    cp = ContactPointFactory(latitude=Decimal("51.509786"), longitude=Decimal("-0.124658"))
    for weekday in range(5):
        OpeningRuleFactory(contact_point=cp, weekday=weekday, opens=time(8), closes=time(20))
    with time_machine.travel(NOW, tick=False):
        yield live_server.url  # type: ignore[attr-defined]


def test_coverage_pages_read_and_pass_axe(page: Page, site: str) -> None:
    page.goto(site)
    page.get_by_role("link", name="Coverage").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Who can reach an open contact point, and when"
    )
    expect(page.get_by_role("img", name="Map: share of each ward's postcodes")).to_be_visible()
    assert_accessible(page)
    page.get_by_text("The map's figures: every ward").click()
    expect(page.get_by_role("row", name="St James's")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("When").select_option("night")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("img", name="nights 00:00 to 06:00")).to_be_visible()
    page.get_by_role("link", name="City of Westminster").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("City of Westminster")
    expect(page.get_by_role("table", name="each hour of the week")).to_be_visible()
    assert_accessible(page)


def test_coverage_counted_in_people_passes_axe(page: Page, site: str, tmp_path: Path) -> None:
    from places.models import Area, AreaKind
    from places.population import import_population

    rows = [f"{code},{2000 + i}" for i, code in enumerate(
        Area.objects.filter(kind=AreaKind.WARD).values_list("code", flat=True)
    )]  # fmt: skip
    (tmp_path / "people.csv").write_text("ward code,population\n" + "\n".join(rows))
    import_population(tmp_path / "people.csv", "Test census")
    page.goto(f"{site}/coverage/")
    page.get_by_label("Count").select_option("people")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("img", name="Map: share of each ward's people")).to_be_visible()
    expect(page.get_by_text("people from “Test census”")).to_be_visible()
    assert_accessible(page)


def test_coverage_works_without_javascript(browser: Browser, site: str) -> None:
    context = new_context(browser, java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{site}/coverage/")
    page.get_by_label("Walk of at most").select_option("30")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(f"{site}/coverage/?within=30&when=week&from=&to=")
    expect(page.get_by_role("img", name="within 30 minutes' walk")).to_be_visible()
    context.close()


def test_an_analyst_builds_a_scenario(page: Page, site: str) -> None:
    from django_otp.plugins.otp_static.models import StaticDevice

    from tests.factories import staff_user

    analyst = staff_user("analyst", "Analyst")
    device = StaticDevice.objects.create(user=analyst, name="Codes")
    device.token_set.create(token="code0001")
    page.goto(f"{site}/coverage/scenarios/new/")
    page.get_by_label("Username").fill("analyst")
    page.get_by_label("Password").fill("a long test password")
    page.get_by_label("Security code").fill("code0001")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Build a coverage scenario")
    page.get_by_label("Name", exact=True).fill("Close Charing Cross")
    page.get_by_role("button", name="See what it changes").click()
    expect(page.get_by_role("alert")).to_contain_text("Change something")
    assert_accessible(page)
    # A new place put where the map is clicked: the page comes back with what was typed
    # and the point; nothing is saved until the form is sent.
    page.get_by_label("New place: name").fill("Pop-up at the library")
    page.get_by_role("group", name="New place: open on").get_by_label("Monday").check()
    page.get_by_label("New place: opens").fill("10:00")
    page.get_by_label("New place: closes").fill("14:00")
    page.get_by_role("button", name="Map of London's wards").click(position={"x": 400, "y": 90})
    expect(page.get_by_role("status")).to_contain_text("Placed at 51.")
    expect(page.get_by_label("New place: name")).to_have_value("Pop-up at the library")
    days = page.get_by_role("group", name="New place: open on")
    expect(days.get_by_label("Monday")).to_be_checked()
    assert page.get_by_label("or its latitude").input_value().startswith("51.")
    assert_accessible(page)
    page.get_by_role("group", name="Close these places").get_by_label("Test contact point").check()
    page.get_by_role("button", name="See what it changes").click()
    expect(page.get_by_text("Add Pop-up at the library (at 51.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Scenario: Close Charing Cross")
    expect(page.get_by_role("table", name="London: share of postcodes")).to_contain_text("0%")
    assert_accessible(page)
