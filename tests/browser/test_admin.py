"""A manager places a contact point on the map in the back office."""

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Page, expect

from contactpoints.models import ContactPoint
from tests.factories import ContactPointFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_clicking_the_map_sets_the_coordinates(page: Page, live_server: object) -> None:
    manager = get_user_model().objects.create_superuser("manager", password="a long test password")
    manager.staticdevice_set.create(name="Backup codes").token_set.create(token="code0001")
    cp = ContactPointFactory(name="St John's Wood Library contact point")
    base = live_server.url  # type: ignore[attr-defined]

    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{base}/admin/")
    page.get_by_label("Username").fill("manager")
    page.get_by_label("Password").fill("a long test password")
    page.get_by_label("Security code").fill("code0001")
    page.get_by_role("button", name="Sign in").click()
    expect(
        page.get_by_role("heading", name="Keep contact points and their hours right")
    ).to_be_visible()
    page.goto(f"{base}/admin/contactpoints/contactpoint/{cp.pk}/change/")

    picker = page.get_by_role("application", name="Map: click to set the latitude and longitude")
    expect(picker).to_be_visible()
    latitude = page.get_by_role("spinbutton", name="Latitude")
    before = latitude.input_value()
    picker.click(position={"x": 120, "y": 90})
    assert latitude.input_value() != before
    new_lat, new_lon = (
        latitude.input_value(),
        page.get_by_role("spinbutton", name="Longitude").input_value(),
    )
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")

    cp.refresh_from_db()
    assert (str(cp.latitude), str(cp.longitude)) == (new_lat, new_lon)
    assert ContactPoint.objects.count() == 1
