"""A resident reports wrong information on a place's page: a few choices and a note about the
place, limited per connection, landing in the managers' fact-check list, never published."""

from __future__ import annotations

import pytest
from django.test import Client

from contactpoints.models import ContactPoint, Wrong, WrongInformation
from tests.conftest import sign_in
from tests.factories import ContactPointFactory, staff_user

pytestmark = pytest.mark.django_db

NOTE = "The sign on the door says the counter closes at 18:00 on Saturdays now."


@pytest.fixture
def place() -> ContactPoint:
    return ContactPointFactory(name="Lewisham", slug="lewisham")


def test_a_report_is_kept_for_managers_and_never_published(
    client: Client, place: ContactPoint
) -> None:
    page = client.get("/contact-points/lewisham/").content.decode()
    assert 'href="/contact-points/lewisham/report/"' in page
    form = client.get("/contact-points/lewisham/report/")
    assert form.status_code == 200
    answer = client.post("/contact-points/lewisham/report/", {"what": "hours", "note": NOTE})
    assert answer.status_code == 200
    assert "We have your report about Lewisham" in answer.content.decode()
    report = WrongInformation.objects.get()
    assert (report.contact_point, report.what, report.note) == (place, Wrong.HOURS, NOTE)
    # Nothing public shows it.
    for url in ("/contact-points/lewisham/", "/contact-points/", "/api/v1/contact-points"):
        assert "closes at 18:00 on Saturdays" not in client.get(url).content.decode()
    # A manager finds it from the fact-check list, records what was found; cannot invent one.
    manager = sign_in(Client(), staff_user("manager", "Manager"))
    facts = manager.get("/admin/contactpoints/factcheck/").content.decode()
    assert "1 report of wrong information from residents to check" in facts
    listed = manager.get("/admin/contactpoints/wronginformation/?checked_on__isnull=True")
    assert "Lewisham" in listed.content.decode()
    assert manager.get("/admin/contactpoints/wronginformation/add/").status_code == 403
    changed = manager.post(
        f"/admin/contactpoints/wronginformation/{report.pk}/change/",
        {"checked_on": "2026-11-30", "outcome": "Confirmed with the station; hours corrected."},
    )
    assert changed.status_code == 302
    report.refresh_from_db()
    assert report.outcome.startswith("Confirmed")
    assert report.note == NOTE  # what the resident said is not rewritten


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"note": "no choice"}, "This field is required."),
        ({"what": "castle"}, "Select a valid choice."),
        ({"what": "other", "note": "Ring PC Smith on 07700 900123"}, "take out the phone number"),
        ({"what": "other", "note": "mail me at someone@example.org"}, "take out the phone number"),
        ({"what": "other", "note": "x" * 501}, "at most 500 characters"),
        ({"what": "other", "note": "nul \x00 here"}, "Null characters are not allowed"),
    ],
)
def test_bad_reports_get_a_clear_message_and_keep_nothing(
    client: Client, place: ContactPoint, data: dict[str, str], message: str
) -> None:
    answer = client.post("/contact-points/lewisham/report/", data)
    assert answer.status_code == 400
    assert message in answer.content.decode()
    assert not WrongInformation.objects.exists()


def test_a_flood_from_one_connection_is_held_back_and_nothing_else_lost(
    client: Client, place: ContactPoint
) -> None:
    statuses = [
        client.post("/contact-points/lewisham/report/", {"what": "other"}).status_code
        for _ in range(7)
    ]
    assert statuses == [200] * 5 + [429] * 2  # WRONG_INFORMATION_RATE: 5 in ten minutes
    assert WrongInformation.objects.count() == 5
    refused = client.post("/contact-points/lewisham/report/", {"what": "hours", "note": NOTE})
    assert NOTE in refused.content.decode()  # the report is given back to send later
    assert "Retry-After" in refused


def test_no_report_about_a_page_that_is_not_published(client: Client) -> None:
    ContactPointFactory(slug="draft", is_published=False)
    assert client.post("/contact-points/draft/report/", {"what": "hours"}).status_code == 404
    assert client.get("/contact-points/nowhere/report/").status_code == 404
