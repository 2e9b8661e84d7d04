"""An officer on a phone runs a session at the counter, on a good and a bad connection."""

import re
import uuid

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_accessible
from users.models import User
from visits import services
from visits.models import SessionState, StaffedSession, Visit
from visits.views import RECENT_VISITS

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def sign_in(page: Page, base: str, code: str = "code0001", username: str = "officer") -> None:
    page.goto(f"{base}/staff/")
    expect(page.get_by_role("heading", name="Staff sign in")).to_be_visible()
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("a long test password")
    page.get_by_label("Security code").fill(code)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Today's sessions")).to_be_visible()


def start_session(page: Page) -> None:
    """Tap "Start session" once the counter script has taken over the forms (a tap before
    that posts the plain form, which works too, but says so in a different place)."""
    expect(page.locator("html[data-counter=ready]")).to_have_count(1)
    page.get_by_role("button", name="Start session").click()


def all_sent(page: Page, *, visitors: int) -> None:
    """Wait until the page lists `visitors` visitors and none is still waiting to be sent.
    (An empty queue line alone proves nothing just after a page load: it is empty, too,
    before the page's script has drawn the changes waiting on the device.)"""
    listed = page.locator("[data-visit-list] li")
    expect(listed).to_have_count(visitors, timeout=15_000)
    expect(listed.filter(has_text="waiting to be sent")).to_have_count(0, timeout=15_000)
    expect(page.locator("[data-pending]")).to_be_empty()


def test_officer_runs_a_session_in_few_taps(page: Page, counter: str) -> None:
    sign_in(page, counter)
    page.get_by_role("link", name="Beethoven Centre contact point").click()
    start_session(page)
    expect(page.get_by_role("heading", name="Visitors: 0")).to_be_visible()
    expect(page.locator("[data-notice]")).to_have_text("Session started.")

    # One tap per visitor.
    page.get_by_role("button", name="+ Report a crime").click()
    expect(page.get_by_role("button", name="Undo last visitor (Report a crime)")).to_be_visible()
    page.get_by_role("button", name="+ Advice or information").click()
    page.get_by_role("button", name="+ Lost or found property").click()
    expect(page.get_by_role("heading", name="Visitors: 3")).to_be_visible()
    expect(page.locator("[data-pending]")).to_be_empty()

    # A mistaken tap, undone.
    page.get_by_role("button", name="Undo last visitor (Lost or found property)").click()
    expect(page.get_by_role("heading", name="Visitors: 2")).to_be_visible()

    # The optional second tap: details for the last visitor.
    page.get_by_text("Add details to the last visitor").click()
    page.get_by_role("group", name="Private room").get_by_label("Used").check()
    page.get_by_role("button", name="Save details").click()
    expect(page.locator("[data-notice]")).to_have_text("Details saved.")

    # Ending asks once, and can be taken back.
    page.get_by_text("End session").click()
    page.get_by_role("button", name="Yes, end the session").click()
    expect(page.get_by_text("This session has ended with 2 visitors.")).to_be_visible()
    expect(page.locator("[data-pending]")).to_be_empty()
    page.get_by_role("button", name="Reopen the session").click()
    expect(page.get_by_role("heading", name="Visitors: 2")).to_be_visible()
    page.get_by_role("button", name="+ Documents").click()
    expect(page.get_by_role("heading", name="Visitors: 3")).to_be_visible()
    page.get_by_text("End session").click()
    page.get_by_role("button", name="Yes, end the session").click()
    expect(page.get_by_text("This session has ended with 3 visitors.")).to_be_visible()
    expect(page.locator("[data-notice]")).to_have_text("Session ended.")

    session = StaffedSession.objects.get(contact_point__slug="beethoven-centre-contact-point")
    assert session.state == SessionState.HELD
    assert session.actual_end is not None
    counted = session.visits.counted().order_by("arrived_at")
    assert sorted(v.purpose for v in counted) == ["advice", "documents", "report_crime"]
    # The details went to the visitor the screen named: Advice, the last one left.
    assert list(Visit.objects.filter(private_room="used").values_list("purpose", flat=True)) == [
        "advice"
    ]
    assert Visit.objects.count() == 4  # the undone one is kept, withdrawn


def test_a_busy_session_is_counted_in_full_offline_too(page: Page, counter: str) -> None:
    """Past the visitors the counter lists, the count still counts each one: a tap made
    offline and undone moves it by one, and the list stays numbered from the count."""
    sign_in(page, counter)
    page.get_by_role("link", name="Beethoven Centre contact point").click()
    start_session(page)
    expect(page.locator("[data-notice]")).to_have_text("Session started.")
    session = StaffedSession.objects.get(contact_point__slug="beethoven-centre-contact-point")
    officer = User.objects.get(username="officer")
    total = RECENT_VISITS + 3
    for _ in range(total):
        services.visit_log(
            user=officer, session=session, purpose="advice", idempotency_key=uuid.uuid4()
        )
    page.reload()
    expect(page.get_by_role("heading", name=f"Visitors: {total}")).to_be_visible()
    expect(page.get_by_text(f"The latest {RECENT_VISITS} are listed.")).to_be_visible()

    page.context.set_offline(True)
    page.get_by_role("button", name="+ Bail or signing on").click()
    expect(page.get_by_role("heading", name=f"Visitors: {total + 1}")).to_be_visible()
    listed = page.locator("[data-visit-list] li")
    expect(listed.first).to_contain_text("Bail or signing on (waiting to be sent)")
    assert page.locator("[data-visit-list]").get_attribute("start") == str(total + 1)
    page.get_by_role("button", name="Undo last visitor (Bail or signing on)").click()
    expect(page.get_by_role("heading", name=f"Visitors: {total}")).to_be_visible()
    page.get_by_role("button", name="+ Documents").click()
    page.context.set_offline(False)
    all_sent(page, visitors=RECENT_VISITS)
    expect(page.get_by_role("heading", name=f"Visitors: {total + 1}")).to_be_visible()
    expect(listed.first).to_have_text(re.compile(r"^\d\d:\d\d: Documents$"))
    assert session.visits.counted().count() == total + 1


def test_visits_logged_offline_are_sent_once_when_back(page: Page, counter: str) -> None:
    sign_in(page, counter)
    page.get_by_role("link", name="Beethoven Centre contact point").click()
    start_session(page)
    expect(page.get_by_role("heading", name="Visitors: 0")).to_be_visible()
    expect(page.locator("[data-notice]")).to_have_text("Session started.")
    page.get_by_role("button", name="+ Advice or information").click()
    expect(page.locator("[data-notice]")).to_have_text("Visitor logged: Advice or information.")

    page.context.set_offline(True)
    page.get_by_role("button", name="+ Report a crime").click()
    page.get_by_role("button", name="+ Safety concern").click()
    expect(page.get_by_role("heading", name="Visitors: 3")).to_be_visible()
    expect(page.locator("[data-pending]")).to_contain_text("2 changes are waiting to be sent")
    assert Visit.objects.count() == 1

    # A reload while offline keeps the queue on the device.
    page.context.set_offline(False)
    expect(page.locator("[data-pending]")).to_be_empty(timeout=15_000)
    page.reload()
    expect(page.get_by_role("heading", name="Visitors: 3")).to_be_visible()
    assert sorted(Visit.objects.values_list("purpose", flat=True)) == [
        "advice", "report_crime", "safety",
    ]  # fmt: skip


def test_a_failed_send_is_retried_with_the_same_key(page: Page, counter: str) -> None:
    """The server stores the visit but the answer is lost: the retry must not double it."""
    sign_in(page, counter)
    page.get_by_role("link", name="Beethoven Centre contact point").click()
    start_session(page)
    expect(page.get_by_role("heading", name="Visitors: 0")).to_be_visible()
    expect(page.locator("[data-notice]")).to_have_text("Session started.")
    lost = {"answers": 0}

    def lose_first_answer(route: object) -> None:
        response = route.fetch()  # type: ignore[attr-defined]
        lost["answers"] += 1
        if lost["answers"] == 1:
            route.abort("connectionreset")  # type: ignore[attr-defined]
        else:
            route.fulfill(response=response)  # type: ignore[attr-defined]

    page.route("**/visits/", lose_first_answer)
    page.get_by_role("button", name="+ Documents").click()
    # The retry carried the same key: the server says it already had it.
    expect(page.locator("[data-notice]")).to_have_text("Already logged: Documents.", timeout=15_000)
    assert lost["answers"] == 2
    assert Visit.objects.filter(purpose="documents").count() == 1


def test_staff_pages_have_no_accessibility_violations(page: Page, counter: str) -> None:
    page.goto(f"{counter}/accounts/login/")
    assert_accessible(page)
    page.get_by_label("Username").fill("officer")
    page.get_by_role("button", name="Sign in").click()  # the error summary
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    assert_accessible(page)
    sign_in(page, counter)
    session = StaffedSession.objects.get(contact_point__slug="beethoven-centre-contact-point")
    for path in ("/staff/", f"/staff/sessions/{session.pk}/", "/staff/import/"):
        page.goto(f"{counter}{path}")
        assert_accessible(page)
    page.goto(f"{counter}/staff/sessions/{session.pk}/")
    start_session(page)
    page.get_by_role("button", name="+ Advice or information").click()
    undo = page.get_by_role("button", name="Undo last visitor (Advice or information)")
    expect(undo).to_be_visible()
    assert_accessible(page)


def test_a_visit_logged_after_sign_in_ended_is_kept_until_signed_in_again(
    page: Page, counter: str
) -> None:
    sign_in(page, counter)
    page.get_by_role("link", name="Beethoven Centre contact point").click()
    start_session(page)
    expect(page.get_by_role("heading", name="Visitors: 0")).to_be_visible()
    expect(page.locator("[data-notice]")).to_have_text("Session started.")
    counter_url = page.url

    page.context.clear_cookies()  # the sign-in has ended
    page.get_by_role("button", name="+ Bail or signing on").click()
    expect(page.locator("[data-pending]")).to_contain_text("sign in again")
    assert Visit.objects.count() == 0

    other = page.context.new_page()
    sign_in(other, counter, code="code0002")
    other.close()
    page.goto(counter_url)
    all_sent(page, visitors=1)
    expect(page.get_by_role("heading", name="Visitors: 1")).to_be_visible()
    assert list(Visit.objects.values_list("purpose", flat=True)) == ["bail"]


def test_a_footfall_sheet_is_checked_then_imported(page: Page, counter: str, tmp_path) -> None:
    """The import as an officer meets it: upload, a summary to confirm, the result; each
    step accessible."""
    sign_in(page, counter)  # Today's sessions: this evening's is made
    session = StaffedSession.objects.get(contact_point__slug="beethoven-centre-contact-point")
    StaffedSession.objects.filter(pk=session.pk).update(
        state=SessionState.HELD, actual_start=session.scheduled_start
    )
    sheet = tmp_path / "sheet.csv"
    sheet.write_text(
        "contact_point,date,arrived,purpose\n"
        "Beethoven Centre contact point,25/11/2026,19:02,Report a crime\n"
        "beethoven-centre-contact-point,2026-11-25,19:03,advice\n"
    )
    page.goto(f"{counter}/staff/import/")
    page.get_by_label("Footfall sheet (CSV)").set_input_files(str(sheet))
    page.get_by_role("button", name="Check the sheet").click()
    expect(
        page.get_by_role("heading", name="sheet.csv: 2 rows checked, no problems")
    ).to_be_visible()
    assert Visit.objects.count() == 0
    assert_accessible(page)
    page.get_by_role("button", name="Import 2 visits").click()
    expect(page.get_by_text("Imported 2 visits from sheet.csv.")).to_be_visible()
    assert_accessible(page)
    assert sorted(Visit.objects.values_list("purpose", flat=True)) == ["advice", "report_crime"]


def test_a_tap_queued_by_one_officer_waits_for_them_on_a_shared_phone(
    page: Page, counter: str
) -> None:
    """Officer A's tap is still waiting when A's sign-in ends and B signs in on the same
    phone: it is neither sent as B's nor lost; A sees it sent when they sign in again."""
    from contactpoints.models import ContactPoint
    from tests.factories import staff_user
    from users import roles

    beethoven = ContactPoint.objects.get(slug="beethoven-centre-contact-point")
    colleague = staff_user("colleague", roles.OFFICER, beethoven)
    colleague.staticdevice_set.create(name="Backup codes").token_set.create(token="code0003")

    sign_in(page, counter)
    page.get_by_role("link", name="Beethoven Centre contact point").click()
    start_session(page)
    expect(page.locator("[data-notice]")).to_have_text("Session started.")
    counter_url = page.url
    page.context.clear_cookies()  # A's sign-in has ended
    page.get_by_role("button", name="+ Bail or signing on").click()
    expect(page.locator("[data-pending]")).to_contain_text("sign in again")

    sign_in(page, counter, code="code0003", username="colleague")
    page.goto(counter_url)
    expect(page.locator("[data-pending]")).to_have_text(
        "1 change made by officer on this device waits for them to sign in again."
    )
    expect(page.get_by_role("heading", name="Visitors: 0")).to_be_visible()
    page.get_by_role("button", name="+ Documents").click()  # B's own tap goes at once
    expect(page.get_by_role("heading", name="Visitors: 1")).to_be_visible()
    expect(page.locator("[data-notice]")).to_have_text("Visitor logged: Documents.")
    assert list(Visit.objects.values_list("recorded_by__username", "purpose")) == [
        ("colleague", "documents")
    ]

    page.goto(f"{counter}/staff/")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{counter}/")  # signed out: the home page (before going anywhere)
    sign_in(page, counter, code="code0002")
    page.goto(counter_url)
    all_sent(page, visitors=2)
    expect(page.get_by_role("heading", name="Visitors: 2")).to_be_visible()
    assert sorted(Visit.objects.values_list("recorded_by__username", "purpose")) == [
        ("colleague", "documents"), ("officer", "bail"),
    ]  # fmt: skip
