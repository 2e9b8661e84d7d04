"""Importing paper footfall sheets: row-level errors first, all or nothing, no doubles."""

from datetime import datetime, time, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from core.time import LONDON
from publishing import rollup
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
    cp = ContactPointFactory(
        slug="beethoven-centre-contact-point", name="Beethoven Centre contact point"
    )
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
        "beethoven-centre-contact-point,31/11/2026,19:30,advice,,,,\n"
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


def test_a_sheet_with_columns_about_people_is_refused_whole(beethoven, manager) -> None:
    """A footfall sheet holds counts: a column the template does not have (a visitor's name,
    their date of birth) is never read in, not even silently dropped."""
    sheet = (
        "contact_point,date,arrived,purpose,visitor name,date of birth\n"
        "beethoven-centre-contact-point,2026-11-25,19:10,advice,Jane Doe,01/02/1980\n"
    )
    result = footfall_import(content=sheet.encode(), user=manager)
    (error,) = result.errors
    assert (error.row, error.column) == (1, "header")
    assert "columns this import does not take: visitor name, date of birth" in error.message
    extra_cells = HEADER + "beethoven-centre-contact-point,2026-11-25,19:10,advice,,,,,Jane Doe\n"
    (error,) = footfall_import(content=extra_cells.encode(), user=manager).errors
    assert error.message == "more cells than the header has columns"
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


def test_upload_page_checks_then_imports_on_confirmation(
    client: Client, beethoven, manager
) -> None:
    sign_in(client, manager)
    page = client.get("/staff/import/").content.decode()
    assert "Download the template" in page
    assert "<code>report_crime</code>: Report a crime" in page  # the codes, listed
    template = client.get("/staff/import/template.csv")
    assert template["Content-Type"] == "text/csv; charset=utf-8"
    assert "# purpose: report_crime (Report a crime);" in template.content.decode()

    upload = SimpleUploadedFile("sheet.csv", template.content, content_type="text/csv")
    checked = client.post("/staff/import/", {"file": upload})
    assert checked.status_code == 200
    body = checked.content.decode()
    assert "2 rows checked, no problems" in body
    assert "<td>Beethoven Centre contact point</td><td>2</td><td>25 Nov 2026</td>" in body
    assert Visit.objects.count() == 0  # nothing until confirmed
    token = checked.context["token"]

    # Only the person who checked it can confirm it.
    other = sign_in(Client(), staff_user("other", roles.MANAGER))
    assert other.post("/staff/import/", {"confirm": token}).status_code == 400
    done = client.post("/staff/import/", {"confirm": token})
    assert done.status_code == 200
    assert "Imported 2 visits from sheet.csv" in done.content.decode()
    assert "This field is required" not in done.content.decode()  # no false alarm after it
    assert Visit.objects.count() == 2
    expired = client.post("/staff/import/", {"confirm": token})  # used: gone
    assert expired.status_code == 400
    assert "this check has expired" in expired.content.decode()

    again = SimpleUploadedFile("sheet.csv", template.content, content_type="text/csv")
    recheck = client.post("/staff/import/", {"file": again}).content.decode()
    assert "Every row was imported before: there is nothing to add." in recheck

    bad = SimpleUploadedFile("sheet.csv", b"nothing,useful\n", content_type="text/csv")
    refused = client.post("/staff/import/", {"file": bad})
    assert refused.status_code == 400
    assert "Nothing was imported" in refused.content.decode()
    assert client.post("/staff/import/", {}).status_code == 400


def test_real_sheets_uk_dates_names_and_any_case(beethoven, manager) -> None:
    sheet = (
        "Contact_Point,Date,Arrived,Purpose,Private_Room,Heard_Via,Outcome,Language_Assistance\n"
        "  beethoven centre   CONTACT point ,25/11/2026,19:10,Report a crime,Used,,,Yes\n"
        "beethoven-centre-contact-point,2026-11-25,7:30:00 PM,advice,,,,\n"
    )
    result = footfall_import(content=sheet.encode(), user=manager)
    assert [(e.row, e.column) for e in result.errors] == [(3, "arrived")]
    result = footfall_import(content=sheet.replace("7:30:00 PM", "19:30").encode(), user=manager)
    assert (result.errors, result.created) == ([], 2)
    crime = Visit.objects.get(purpose="report_crime")
    assert (crime.private_room, crime.language_assistance) == ("used", True)
    # The same visits in the other date format are the same visits.
    iso = sheet.replace("25/11/2026", "2026-11-25").replace("7:30:00 PM", "19:30")
    assert footfall_import(content=iso.encode(), user=manager).created == 0


@pytest.mark.parametrize(
    ("date", "arrived", "column", "message"),
    [
        ("31/12/1999", "19:10", "date", "give a date from 01/01/2000 to today"),
        ("9999-12-31", "19:10", "date", "give a date from 01/01/2000 to today"),
        ("2099-01-01", "19:10", "date", "give a date from 01/01/2000 to today"),
        ("1900-01-01", "19:10", "date", "give a date from 01/01/2000 to today"),
        ("29/02/2026", "19:10", "date", "is not a date in the calendar"),
        ("2026-03-29", "01:30", "arrived", "did not happen on 29/03/2026: the clocks went forward"),
        ("2026-11-25", "25:10", "arrived", "give the time as 24-hour HH:MM"),
        ("11/25/2026", "19:10", "date", "is not a date in the calendar"),
    ],
)
def test_every_bad_date_and_time_is_named(
    beethoven, manager, date, arrived, column, message
) -> None:
    sheet = HEADER + f"beethoven-centre-contact-point,{date},{arrived},advice,,,,\n"
    result = footfall_import(content=sheet.encode(), user=manager)
    assert [(e.column, message in e.message) for e in result.errors] == [(column, True)]


def test_huge_cells_and_files_are_refused_quickly_without_an_error_page(
    client: Client, beethoven, manager
) -> None:
    sign_in(client, manager)
    long_cell = (
        HEADER + "beethoven-centre-contact-point,2026-11-25,19:10," + "x" * 131_073 + ",,,,\n"
    )
    for content in (long_cell, HEADER + "a" * 300 + ",2026-11-25,19:10,advice,,,,\n"):
        response = client.post(
            "/staff/import/", {"file": SimpleUploadedFile("s.csv", content.encode())}
        )
        assert response.status_code == 400
        assert "Nothing was imported" in response.content.decode()
    row = "beethoven-centre-contact-point,2026-11-25,19:10,advice,,,,\n"
    result = footfall_import(content=(HEADER + row * 50_000).encode(), user=manager)
    assert [(e.row, e.message) for e in result.errors] == [
        (10_002, "at most 10,000 rows per upload: split it")
    ]
    assert Visit.objects.count() == 0


def test_ten_thousand_rows_in_one_upload(beethoven, manager, django_assert_max_num_queries) -> None:
    rows = "".join(
        f"beethoven-centre-contact-point,2026-11-25,19:{n % 60:02d},advice,,,,\n"
        for n in range(10_000)
    )
    # Batched: a few hundred statements (SQLite takes ~70 rows per INSERT), not one per row.
    with django_assert_max_num_queries(600):
        result = footfall_import(content=(HEADER + rows).encode(), user=manager)
    assert (result.errors, result.created) == ([], 10_000)
    session = StaffedSession.objects.get()
    assert session.visit_count == 10_000
    assert rollup.usage_verify() == []
    assert Visit.history.filter(history_user=manager).count() == 10_000
