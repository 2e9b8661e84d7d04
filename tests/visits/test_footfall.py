"""Importing paper footfall sheets: row-level errors first, all or nothing, no doubles."""

from datetime import datetime, time, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from contactpoints.hours import LONDON
from tests.conftest import sign_in
from tests.factories import ContactPointFactory, OpeningRuleFactory, staff_user
from users import roles
from visits import services
from visits.footfall import TEMPLATE, footfall_import
from visits.models import Source, StaffedSession, Visit

pytestmark = pytest.mark.django_db

HEADER = "contact_point,date,arrived,purpose,private_room,heard_via,outcome,language_assistance\n"


@pytest.fixture
def manager():
    return staff_user("manager", roles.MANAGER)


@pytest.fixture
def beethoven(manager):
    """Open Wednesdays 19:00–20:00; the session of Wednesday 25 November was held."""
    cp = ContactPointFactory(slug="beethoven-centre-contact-point")
    OpeningRuleFactory(contact_point=cp, weekday=2, opens=time(19), closes=time(20))
    start = datetime(2026, 11, 23, tzinfo=LONDON)
    services.sessions_schedule(contact_point=cp, start=start, end=start + timedelta(days=7))
    session = StaffedSession.objects.get()
    services.session_start(session=session, user=manager, at=session.scheduled_start)
    services.session_end(session=session, user=manager, at=session.scheduled_end)
    return cp


def test_a_visit_only_goes_where_a_session_was_held(beethoven, manager) -> None:
    """A paper visit timed outside any held session (before it started, in a session
    never held, or at another hour) is refused with its row: it cannot have happened."""
    sheet = HEADER + (
        "beethoven-centre-contact-point,2026-11-25,18:40,advice,,,,\n"
        "beethoven-centre-contact-point,2026-11-25,20:30,advice,,,,\n"
        "beethoven-centre-contact-point,2026-11-18,19:10,advice,,,,\n"
    )
    result = footfall_import(content=sheet.encode(), user=manager)
    assert [(e.row, e.column) for e in result.errors] == [(2, "arrived"), (3, "arrived"),
                                                          (4, "arrived")]  # fmt: skip
    assert "no session was held" in result.errors[0].message
    assert Visit.objects.count() == 0


def test_the_template_imports_and_re_uploading_adds_nothing(beethoven, manager) -> None:
    first = footfall_import(content=TEMPLATE.encode(), user=manager)
    assert (first.errors, first.created, first.already_imported) == ([], 2, 0)
    again = footfall_import(content=TEMPLATE.encode(), user=manager)
    assert (again.created, again.already_imported) == (0, 2)
    assert Visit.objects.count() == 2
    visit = Visit.objects.get(purpose="report_crime")
    assert visit.source == Source.IMPORT
    assert visit.session == StaffedSession.objects.get()  # matched to its session
    assert (visit.private_room, visit.heard_via, visit.outcome) == (
        "used",
        "poster",
        "crime_report",
    )


def test_identical_visits_on_one_sheet_both_count(beethoven, manager) -> None:
    row = "beethoven-centre-contact-point,2026-11-25,19:10,advice,,,,\n"
    result = footfall_import(content=(HEADER + row + row).encode(), user=manager)
    assert result.created == 2
    assert footfall_import(content=(HEADER + row + row + row).encode(), user=manager).created == 1


def test_bad_rows_are_listed_and_nothing_is_saved(beethoven, manager) -> None:
    sheet = HEADER + (
        "beethoven-centre-contact-point,2026-11-25,19:10,advice,,,,\n"
        "no-such-place,2026-11-25,19:20,advice,,,,\n"
        "beethoven-centre-contact-point,25/11/2026,19:30,advice,,,,\n"
        "beethoven-centre-contact-point,2026-11-25,19:40,gossip,,,,\n"
        "beethoven-centre-contact-point,2026-11-25,19:50,advice,maybe,,,perhaps\n"
    )
    result = footfall_import(content=sheet.encode(), user=manager)
    problems = [(e.row, e.column) for e in result.errors]
    assert problems == [
        (3, "contact_point"),
        (4, "date"),
        (5, "purpose"),
        (6, "private_room"),
        (6, "language_assistance"),
    ]
    assert "“gossip” is not one of" in result.errors[2].message
    assert Visit.objects.count() == 0


def test_officers_import_only_for_their_contact_points(beethoven) -> None:
    officer = staff_user("officer", roles.OFFICER, ContactPointFactory())
    result = footfall_import(content=TEMPLATE.encode(), user=officer)
    assert result.errors[0].message == "you are not assigned to “beethoven-centre-contact-point”"
    assert Visit.objects.count() == 0


def test_files_that_are_not_sheets(beethoven, manager) -> None:
    assert (
        "missing columns" in footfall_import(content=b"a,b\n1,2\n", user=manager).errors[0].message
    )
    assert "UTF-8" in footfall_import(content=b"\xff\xfe\x00", user=manager).errors[0].message


def test_upload_page(client: Client, beethoven, manager) -> None:
    sign_in(client, manager)
    page = client.get("/staff/import/")
    assert "Download the template" in page.content.decode()
    template = client.get("/staff/import/template.csv")
    assert template["Content-Type"] == "text/csv; charset=utf-8"
    upload = SimpleUploadedFile("sheet.csv", template.content, content_type="text/csv")
    done = client.post("/staff/import/", {"file": upload})
    assert done.status_code == 200
    assert "Imported 2 visits" in done.content.decode()
    bad = SimpleUploadedFile("sheet.csv", b"nothing,useful\n", content_type="text/csv")
    refused = client.post("/staff/import/", {"file": bad})
    assert refused.status_code == 400
    assert "Nothing was imported" in refused.content.decode()
    assert client.post("/staff/import/", {}).status_code == 400
