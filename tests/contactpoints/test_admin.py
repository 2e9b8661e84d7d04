"""Managers keep contact points and their hours right in the admin."""

from datetime import time
from typing import Any

import pytest
from django.contrib.admin.models import LogEntry
from django.test import Client
from django.urls import reverse

from contactpoints.models import ContactPoint
from tests.factories import ContactPointFactory, OpeningRuleFactory

pytestmark = pytest.mark.django_db

ADD_URL = reverse("admin:contactpoints_contactpoint_add")


def _inline(prefix: str, rows: list[dict[str, Any]], initial: int = 0) -> dict[str, Any]:
    data: dict[str, Any] = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"{prefix}-{i}-{key}"] = value
    return data


def _form(
    rules: list[dict[str, Any]],
    exceptions: list[dict[str, Any]] | None = None,
    facts: list[dict[str, Any]] | None = None,
) -> dict:
    data = {
        "name": "Beethoven Centre contact point",
        "slug": "beethoven-centre",
        "kind": "contact_point",
        "is_published": "on",
        "town": "London",
        "postcode": "w10 4jl",
        "borough": "Westminster",
        "latitude": "51.530633",
        "longitude": "-0.208259",
        "status": "open",
        "closed_on_bank_holidays": "on",
        "offers_crime_reporting": "on",
    }
    data |= _inline("opening_rules", rules)
    data |= _inline("hours_exceptions", exceptions or [])
    data |= _inline("fact_checks", facts or [])
    return data


def _rule(weekday: int, opens: str, closes: str, **extra: str) -> dict[str, Any]:
    return {
        "weekday": str(weekday),
        "opens": opens,
        "closes": closes,
        "recurrence": "weekly",
    } | extra


def test_manager_adds_a_contact_point_with_hours(admin_client: Client) -> None:
    rules = [_rule(2, "19:00", "20:00"), _rule(3, "19:00", "20:00"), _rule(5, "14:00", "15:00")]
    exceptions = [
        {"starts_on": "2026-12-24", "ends_on": "2027-01-02", "is_closed": "on", "reason": "Xmas"}
    ]
    response = admin_client.post(ADD_URL, _form(rules, exceptions))
    assert response.status_code == 302, response.context["errors"] if response.context else ""
    cp = ContactPoint.objects.get(slug="beethoven-centre")
    assert cp.postcode == "W10 4JL"
    assert [(r.weekday, r.opens) for r in cp.opening_rules.all()] == [
        (2, time(19)),
        (3, time(19)),
        (5, time(14)),
    ]
    assert cp.hours_exceptions.get().reason == "Xmas"
    assert LogEntry.objects.filter(object_id=str(cp.pk)).exists()


def _errors(response: Any) -> str:
    return response.content.decode()


def test_end_before_start_is_explained(admin_client: Client) -> None:
    response = admin_client.post(ADD_URL, _form([_rule(2, "20:00", "19:00")]))
    assert response.status_code == 200
    assert "The closing time must be after the opening time" in _errors(response)
    assert "closes after midnight" in _errors(response)
    assert not ContactPoint.objects.exists()


def test_overlapping_sessions_are_explained(admin_client: Client) -> None:
    response = admin_client.post(
        ADD_URL, _form([_rule(2, "19:00", "20:00"), _rule(2, "19:30", "21:00")])
    )
    assert response.status_code == 200
    assert "These opening hours overlap" in _errors(response)
    assert "Every Wednesday, 19:00 to 20:00" in _errors(response)
    assert not ContactPoint.objects.exists()


def test_monthly_rule_needs_its_week(admin_client: Client) -> None:
    response = admin_client.post(ADD_URL, _form([_rule(3, "17:00", "18:00", recurrence="monthly")]))
    assert "For &#x27;once a month&#x27;, choose which week." in _errors(response)


def test_bad_postcode_and_coordinates_are_explained(admin_client: Client) -> None:
    data = _form([]) | {"postcode": "nowhere", "latitude": "95"}
    response = admin_client.post(ADD_URL, data)
    page = _errors(response)
    assert "is not a full UK postcode" in page
    assert "Ensure this value is less than or equal to 90" in page


def test_editing_hours_changes_the_public_page(admin_client: Client, client: Client) -> None:
    cp = ContactPointFactory(slug="library")
    rule = OpeningRuleFactory(contact_point=cp, weekday=2, opens=time(19), closes=time(20))
    url = reverse("admin:contactpoints_contactpoint_change", args=[cp.pk])
    data = _form([]) | {"name": cp.name, "slug": "library"}
    data |= _inline(
        "opening_rules",
        [_rule(2, "18:00", "20:00") | {"id": str(rule.pk), "contact_point": str(cp.pk)}],
        initial=1,
    )
    response = admin_client.post(url, data)
    assert response.status_code == 302
    assert "Every Wednesday, 18:00 to 20:00" in client.get(cp.get_absolute_url()).content.decode()


def test_publish_and_unpublish_actions(admin_client: Client, client: Client) -> None:
    draft = ContactPointFactory(is_published=False)
    changelist = reverse("admin:contactpoints_contactpoint_changelist")
    admin_client.post(changelist, {"action": "publish", "_selected_action": [draft.pk]})
    draft.refresh_from_db()
    assert draft.is_published
    assert client.get(draft.get_absolute_url()).status_code == 200
    admin_client.post(changelist, {"action": "unpublish", "_selected_action": [draft.pk]})
    assert client.get(draft.get_absolute_url()).status_code == 404
    assert LogEntry.objects.filter(object_id=str(draft.pk), change_message="Published").exists()


def test_changelist_filters_search_and_map_widget(admin_client: Client) -> None:
    ContactPointFactory(name="St John's Wood Library", has_private_room=True)
    changelist = reverse("admin:contactpoints_contactpoint_changelist")
    response = admin_client.get(changelist, {"q": "john", "has_private_room__exact": "1"})
    assert response.status_code == 200
    assert "St John&#x27;s Wood Library" in response.content.decode()
    page = admin_client.get(ADD_URL).content.decode()
    assert "data-location-picker" in page
    assert "leaflet/leaflet" in page
    assert 'id="map-config"' in page


def test_manager_records_how_a_fact_is_known_and_sees_what_is_stale(admin_client: Client) -> None:
    """A site check needs a date and a person; the stale list puts the oldest first."""
    facts = [{"fact": "has_private_room", "basis": "checked", "checked_on": "2026-11-20"}]
    response = admin_client.post(ADD_URL, _form([_rule(2, "19:00", "20:00")], facts=facts))
    assert response.status_code == 200
    assert "Say who checked it on site." in response.content.decode()
    facts[0]["checked_by"] = "PC Lee"
    facts.append(
        {"fact": "hours", "basis": "source", "checked_on": "2013-03-29", "source": "MOPAC 2013"}
    )
    response = admin_client.post(ADD_URL, _form([_rule(2, "19:00", "20:00")], facts=facts))
    assert response.status_code == 302
    page = admin_client.get(reverse("admin:contactpoints_factcheck_changelist"), {"stale": "yes"})
    rows = [str(c) for c in page.context["cl"].result_list]
    assert len(rows) == 1
    assert "Opening hours" in rows[0]
    assert "hours last confirmed March 2013" in ContactPoint.objects.get().status_line()
