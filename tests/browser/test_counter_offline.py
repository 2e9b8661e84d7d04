"""The counter as an officer uses it on a phone: no signal, a flaky proxy, two tabs, quick
taps. Each journey checks what the screen says and what the server stored."""

from datetime import timedelta

import pytest
import time_machine
from playwright.sync_api import BrowserContext, Page, Route, expect

from tests.browser.conftest import Connection, assert_accessible
from tests.browser.test_counter import sign_in, start_session
from tests.factories import staff_user
from users import roles
from visits.models import SessionState, StaffedSession, Visit

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

UNDO = "Undo last visitor ({})"


def session_url(base: str) -> str:
    session = StaffedSession.objects.get(contact_point__slug="beethoven-centre-contact-point")
    return f"{base}/staff/sessions/{session.pk}/"


def come_back(context: BrowserContext, connection: Connection) -> None:
    connection.restore()
    context.set_offline(False)


def at_the_counter(page: Page, base: str) -> None:
    """Signed in, on the Beethoven Centre's counter, its script in charge of the forms."""
    sign_in(page, base)
    page.goto(session_url(base))
    expect(page.locator("html[data-counter=ready]")).to_have_count(1)


def started(page: Page, base: str) -> None:
    """At the counter with the session started (the server has answered: the screen
    changes before it does)."""
    at_the_counter(page, base)
    start_session(page)
    expect(page.get_by_role("heading", name="Visitors: 0")).to_be_visible()
    expect(page.locator("[data-notice]")).to_have_text("Session started.")


def until_saved(page: Page, path: str, saved: bool = True) -> None:
    """Wait until the counter page at `path` is (or is no longer) saved on the device.
    (Playwright's wait_for_function does not wait for an async predicate's answer.)"""
    page.evaluate(
        """async ([path, saved]) => {
            const deadline = Date.now() + 10000;
            while (Date.now() < deadline) {
                const hit = await (await caches.open('counter-pages')).match(path);
                if (!!hit === saved) return;
                await new Promise((resolve) => setTimeout(resolve, 50));
            }
            throw new Error(path + (saved ? ' was never saved' : ' is still saved'));
        }""",
        [path, saved],
    )


def purposes() -> list[str]:
    return sorted(Visit.objects.counted().values_list("purpose", flat=True))


def test_the_counter_opens_and_works_with_no_connection_from_a_cold_start(
    app_context: BrowserContext, connection: Connection, counter: str
) -> None:
    page = app_context.new_page()
    sign_in(page, connection.url)
    counter = session_url(connection.url)
    # Today's sessions installs the service worker and saves each counter page on the device.
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    until_saved(page, counter.removeprefix(connection.url))
    page.close()

    connection.cut()
    page = app_context.new_page()
    page.goto(counter)  # a cold start: a new tab, no connection
    expect(page.get_by_role("heading", name="Beethoven Centre contact point")).to_be_visible()
    app_context.set_offline(True)  # so that the page hears when the connection is back
    start_session(page)
    expect(page.get_by_role("heading", name="Visitors: 0")).to_be_visible()
    page.get_by_role("button", name="+ Report a crime").click()
    page.get_by_role("button", name="+ Advice or information").click()
    page.get_by_role("button", name=UNDO.format("Advice or information")).click()
    expect(page.get_by_role("heading", name="Visitors: 1")).to_be_visible()
    expect(page.get_by_role("button", name=UNDO.format("Report a crime"))).to_be_visible()
    expect(page.locator("[data-pending]")).to_contain_text("4 changes are waiting to be sent")
    assert_accessible(page)

    # A reload with no connection shows the same truth, and undo still names the right visitor.
    page.reload()
    expect(page.get_by_role("heading", name="Visitors: 1")).to_be_visible()
    page.get_by_role("button", name="+ Safety concern").click()
    page.get_by_role("button", name=UNDO.format("Safety concern")).click()
    expect(page.get_by_role("button", name=UNDO.format("Report a crime"))).to_be_visible()
    expect(page.locator("[data-pending]")).to_contain_text("6 changes are waiting to be sent")
    assert Visit.objects.count() == 0
    assert StaffedSession.objects.get().state == SessionState.SCHEDULED

    come_back(app_context, connection)
    expect(page.locator("[data-pending]")).to_be_empty(timeout=15_000)
    expect(page.get_by_role("heading", name="Visitors: 1")).to_be_visible()
    assert StaffedSession.objects.get().state == SessionState.HELD
    assert purposes() == ["report_crime"]
    assert Visit.objects.count() == 3  # two undone, kept as withdrawn
    page.reload()
    expect(page.get_by_role("heading", name="Visitors: 1")).to_be_visible()
    expect(page.get_by_role("button", name=UNDO.format("Report a crime"))).to_be_visible()


def test_a_page_never_saved_says_so_offline(
    app_context: BrowserContext, connection: Connection, counter: str
) -> None:
    page = app_context.new_page()
    sign_in(page, connection.url)
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    page.wait_for_function("async () => !!(await caches.match('/staff/offline/'))")
    connection.cut()
    page.goto(f"{connection.url}/staff/sessions/999999/")
    expect(page.get_by_role("heading", name="No connection")).to_be_visible()
    assert_accessible(page)


def test_saved_pages_stop_opening_when_the_sign_in_ends(
    app_context: BrowserContext, connection: Connection, counter: str
) -> None:
    page = app_context.new_page()
    sign_in(page, connection.url)
    counter = session_url(connection.url)
    path = counter.removeprefix(connection.url)
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    until_saved(page, path)

    # Past the sign-in's maximum age (as this phone's clock saw it when the page was saved):
    # the saved copy is not shown, and is deleted.
    page.evaluate(
        """async (path) => {
            const cache = await caches.open('counter-pages');
            const copy = await cache.match(path);
            const headers = new Headers(copy.headers);
            headers.set('X-Saved-Until', String(Date.now() - 1000));
            await cache.put(path, new Response(await copy.blob(), { headers }));
        }""",
        path,
    )
    connection.cut()
    page.goto(counter)
    expect(page.get_by_role("heading", name="No connection")).to_be_visible()
    expect(page.get_by_text("Signed in as")).to_have_count(0)

    # Saved again; then the server says the sign-in has ended (it expired, or the password
    # changed): every saved page goes at once.
    connection.restore()
    page.goto(f"{connection.url}/staff/")
    until_saved(page, path)
    app_context.clear_cookies()
    page.goto(f"{connection.url}/staff/")
    expect(page.get_by_role("heading", name="Staff sign in")).to_be_visible()
    until_saved(page, path, saved=False)
    connection.cut()
    page.goto(counter)
    expect(page.get_by_role("heading", name="No connection")).to_be_visible()


def test_a_proxy_error_is_retried_never_dropped(page: Page, counter: str) -> None:
    base = counter
    started(page, base)
    answers: list[int] = []

    def bad_gateway_once(route: Route) -> None:
        if not answers:
            answers.append(502)
            route.fulfill(status=502, content_type="text/html", body="<h1>Bad Gateway</h1>")
        else:
            answers.append(200)
            route.continue_()

    page.route("**/visits/", bad_gateway_once)
    page.get_by_role("button", name="+ Documents").click()
    expect(page.locator("[data-pending]")).to_contain_text("(502)")
    expect(page.get_by_role("heading", name="Visitors: 1")).to_be_visible()
    expect(page.locator("[data-pending]")).to_be_empty(timeout=15_000)
    assert answers == [502, 200]
    assert purposes() == ["documents"]


def test_a_change_the_server_will_never_take_is_shown_not_retried(page: Page, counter: str) -> None:
    base = counter
    started(page, base)
    # Meanwhile a manager records the session as not held: the next tap cannot be taken.
    session = StaffedSession.objects.get(contact_point__slug="beethoven-centre-contact-point")
    StaffedSession.objects.filter(pk=session.pk).update(
        state=SessionState.CANCELLED, reason="Test", actual_start=None
    )
    page.get_by_role("button", name="+ Documents").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Not recorded: the visitor at")
    expect(alert).to_contain_text("This session was recorded as not held.")
    expect(alert).to_contain_text("tell a manager")
    expect(page.locator("[data-pending]")).to_be_empty()
    expect(page.get_by_role("heading", name="Visitors: 0")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Dismiss this message").click()
    expect(alert).to_be_empty()
    assert Visit.objects.count() == 0


def test_two_tabs_never_lose_each_others_taps(context: BrowserContext, counter: str) -> None:
    base = counter
    first = context.new_page()
    sign_in(first, base)
    first.goto(session_url(base))
    start_session(first)
    expect(first.get_by_role("heading", name="Visitors: 0")).to_be_visible()
    expect(first.locator("[data-notice]")).to_have_text("Session started.")
    second = context.new_page()
    second.goto(session_url(base))
    expect(second.get_by_role("heading", name="Visitors: 0")).to_be_visible()

    context.set_offline(True)
    first.get_by_role("button", name="+ Report a crime").click()
    second.get_by_role("button", name="+ Lost or found property").click()
    first.get_by_role("button", name="+ Advice or information").click()
    context.set_offline(False)
    for tab in (first, second):
        expect(tab.locator("[data-pending]")).to_be_empty(timeout=15_000)
        expect(tab.get_by_role("heading", name="Visitors: 3")).to_be_visible()
    assert purposes() == ["advice", "property", "report_crime"]


def test_details_after_quick_taps_go_to_the_visitor_named(page: Page, counter: str) -> None:
    base = counter
    started(page, base)
    page.get_by_role("button", name="+ Report a crime").click()
    expect(page.get_by_role("button", name=UNDO.format("Report a crime"))).to_be_visible()
    page.get_by_role("button", name="+ Documents").click()
    page.get_by_role("button", name="+ Safety concern").click()
    summary = page.get_by_text("Add details to the last visitor")
    expect(summary).to_contain_text("Safety concern")
    expect(page.get_by_role("button", name=UNDO.format("Safety concern"))).to_be_visible()
    summary.click()
    page.get_by_role("group", name="Private room").get_by_label("Used").check()
    assert_accessible(page)
    page.get_by_role("button", name="Save details").click()
    expect(page.locator("[data-notice]")).to_have_text("Details saved.")
    assert list(Visit.objects.filter(private_room="used").values_list("purpose", flat=True)) == [
        "safety"
    ]


# Notes, on every frame, where each visitor button is on the page (not in the window, so
# that scrolling is not counted as moving).
WATCH_THE_BUTTONS = """() => {
  window.buttonPlaces = new Set();
  const buttons = [...document.querySelectorAll("button.purpose")];
  const look = () => {
    window.buttonPlaces.add(JSON.stringify(buttons.map((button) => {
      const box = button.getBoundingClientRect();
      return [box.left + window.scrollX, box.top + window.scrollY];
    })));
    requestAnimationFrame(look);
  };
  look();
}"""


def test_the_visitor_buttons_stay_put_while_taps_are_sent(page: Page, counter: str) -> None:
    """An officer taps the next visitor while the last is still being sent, or with no
    connection: nothing the counter says about sending may move the buttons under their
    finger, or the tap lands on another reason (a Documents visitor counted as a Safety
    concern). Watched on every frame, online, offline and back."""
    started(page, counter)
    page.evaluate(WATCH_THE_BUTTONS)
    page.get_by_role("button", name="+ Documents").click()
    expect(page.locator("[data-notice]")).to_have_text("Visitor logged: Documents.")
    expect(page.locator("[data-pending]")).to_be_empty()

    page.context.set_offline(True)
    page.get_by_role("button", name="+ Safety concern").click()
    page.get_by_role("button", name="+ Report anti-social behaviour").click()
    expect(page.locator("[data-pending]")).to_contain_text("2 changes are waiting to be sent")
    page.context.set_offline(False)
    expect(page.locator("[data-pending]")).to_be_empty(timeout=15_000)
    expect(page.get_by_role("heading", name="Visitors: 3")).to_be_visible()

    assert len(page.evaluate("[...window.buttonPlaces]")) == 1
    assert sorted(Visit.objects.values_list("purpose", flat=True)) == [
        "anti_social", "documents", "safety",
    ]  # fmt: skip


def test_a_double_tap_on_start_session_logs_nobody(page: Page, counter: str) -> None:
    """A hurried double tap is two taps at one spot, some 100 to 300 ms apart: long enough
    for the first to start the session and swap "Start session" for the visitor buttons.
    The second must land on the heading above them, not count a visitor nobody saw."""
    at_the_counter(page, counter)
    start = page.get_by_role("button", name="Start session").bounding_box()
    assert start is not None
    for _ in range(2):
        page.mouse.click(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
        expect(page.get_by_role("heading", name="Visitors: 0")).to_be_visible()
    expect(page.locator("[data-notice]")).to_have_text("Session started.")
    expect(page.locator("[data-pending]")).to_be_empty()
    session = StaffedSession.objects.get(contact_point__slug="beethoven-centre-contact-point")
    assert session.state == SessionState.HELD
    assert session.actual_end is None
    assert not Visit.objects.exists()


def test_every_counter_state_is_accessible(page: Page, counter: str) -> None:
    base = counter
    sign_in(page, base)
    page.goto(session_url(base))
    assert_accessible(page)  # not started
    page.get_by_text("The session is not happening").click()
    assert_accessible(page)
    start_session(page)
    expect(page.get_by_role("heading", name="Visitors: 0")).to_be_visible()
    expect(page.locator("[data-notice]")).to_have_text("Session started.")
    assert_accessible(page)  # open, nobody yet
    page.context.set_offline(True)
    page.get_by_role("button", name="+ Bail or signing on").click()
    expect(page.locator("[data-pending]")).to_contain_text("1 change is waiting")
    assert_accessible(page)  # waiting to be sent
    page.context.set_offline(False)
    expect(page.locator("[data-pending]")).to_be_empty(timeout=15_000)
    page.get_by_text("End session").click()
    assert_accessible(page)  # asked to confirm
    page.get_by_role("button", name="Yes, end the session").click()
    expect(page.get_by_role("button", name="Reopen the session")).to_be_visible()
    assert_accessible(page)  # ended, may reopen


def test_a_round_the_clock_counter_moves_to_the_new_day_at_midnight(
    page: Page, live_server: object
) -> None:
    from datetime import datetime, time

    from contactpoints.hours import LONDON
    from tests.factories import ContactPointFactory, OpeningRuleFactory
    from visits import services

    place = ContactPointFactory(name="Round the clock", slug="round-the-clock")
    for weekday in range(7):
        OpeningRuleFactory(
            contact_point=place, weekday=weekday, opens=time(0), closes=time(0), overnight=True
        )
    user = staff_user("night", roles.OFFICER, place)
    user.staticdevice_set.create(name="Backup codes").token_set.create(token="code0001")
    tuesday = datetime(2026, 11, 24, tzinfo=LONDON)
    services.sessions_schedule(contact_point=place, start=tuesday, end=tuesday + timedelta(days=2))
    first, second = StaffedSession.objects.order_by("scheduled_start")
    base = live_server.url  # type: ignore[attr-defined]
    with time_machine.travel(tuesday + timedelta(hours=23, minutes=50), tick=True):
        page.goto(f"{base}/staff/")
        page.get_by_label("Username").fill("night")
        page.get_by_label("Password").fill("a long test password")
        page.get_by_label("Security code").fill("code0001")
        page.get_by_role("button", name="Sign in").click()
        page.goto(f"{base}/staff/sessions/{first.pk}/")
        start_session(page)
        expect(page.locator("[data-notice]")).to_have_text("Session started.")
        page.get_by_role("button", name="+ Report a crime").click()
        expect(page.locator("[data-notice]")).to_have_text("Visitor logged: Report a crime.")
    with time_machine.travel(tuesday + timedelta(days=1, minutes=1), tick=True):
        # Past midnight, on Tuesday's page: the next visitor is Wednesday's first.
        page.get_by_role("button", name="+ Advice or information").click()
        expect(page).to_have_url(f"{base}/staff/sessions/{second.pk}/", timeout=15_000)
        expect(page.get_by_role("heading", name="Visitors: 1")).to_be_visible()
        expect(
            page.get_by_role("button", name=UNDO.format("Advice or information"))
        ).to_be_visible()
    first.refresh_from_db()
    assert first.actual_end == tuesday + timedelta(days=1)
    assert list(Visit.objects.filter(session=second).values_list("purpose", flat=True)) == [
        "advice"
    ]
