"""The counter when the phone itself misbehaves: answers from its storage (IndexedDB) that
arrive late or out of order, a tap the storage refuses to keep, and a connection that goes
silent or drops half-way through the server's answer. Storage faults are arranged with a
script run before the page's own, connection faults with Playwright's routing; the server
and the page's code are the real ones."""

import pytest
from playwright.sync_api import Page, Route, expect

from tests.browser.conftest import assert_accessible
from tests.browser.test_counter import sign_in, start_session
from tests.browser.test_counter_offline import session_url, started
from visits.models import Visit

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# Holds back the first read of the counter's saved server answers made after the tap on
# "Start session" (the drawing that tap asks for) until the test lets it go: a slow device
# answering an old question after newer ones. `window.heldReadDone` is set once the page
# has had the late answer.
HOLD_READ_AFTER_START = """
(() => {
  if (location.pathname.indexOf("/staff/sessions/") !== 0) return;
  let release;
  const held = new Promise((resolve) => { release = resolve; });
  window.releaseHeldRead = () => release();
  window.heldReadDone = false;
  let armed = false;
  document.addEventListener("submit", (event) => {
    if (event.target.getAttribute("data-kind") === "start") armed = true;
  }, true);
  const completeHandler = Object.getOwnPropertyDescriptor(IDBTransaction.prototype, "oncomplete");
  const open = IDBDatabase.prototype.transaction;
  IDBDatabase.prototype.transaction = function (names, mode) {
    const transaction = open.apply(this, arguments);
    const reading = (mode || "readonly") === "readonly";
    if (armed && reading && [].concat(names).indexOf("snapshots") !== -1) {
      armed = false;
      Object.defineProperty(transaction, "oncomplete", {
        set(handler) {
          completeHandler.set.call(transaction, (event) => held.then(() => {
            handler.call(transaction, event);
            setTimeout(() => { window.heldReadDone = true; }, 0);
          }));
        },
      });
    }
    return transaction;
  };
})();
"""

# From when `window.refuseToKeep` is set, the device's storage refuses every change put in
# the counter's queue (as when it is full or blocked): the write transaction aborts.
REFUSE_TO_KEEP = """
(() => {
  window.refuseToKeep = false;
  const put = IDBObjectStore.prototype.put;
  IDBObjectStore.prototype.put = function () {
    const request = put.apply(this, arguments);
    if (window.refuseToKeep && this.name === "queue") this.transaction.abort();
    return request;
  };
})();
"""


def test_a_late_answer_from_the_device_never_draws_over_a_newer_screen(
    page: Page, counter: str
) -> None:
    """Each drawing reads the device's store; if the one asked for on "Start session" comes
    back after the officer has tapped a visitor, drawing it would show no visitor, nothing
    waiting and no undo while the visitor is counted (and sending must not wait for it)."""
    sign_in(page, counter)
    page.add_init_script(HOLD_READ_AFTER_START)
    page.goto(session_url(counter))
    start_session(page)
    expect(page.locator("[data-notice]")).to_have_text("Session started.")
    page.get_by_role("button", name="+ Advice or information").click()
    expect(page.locator("[data-notice]")).to_have_text("Visitor logged: Advice or information.")

    page.evaluate("window.releaseHeldRead()")
    page.wait_for_function("window.heldReadDone")
    expect(page.get_by_role("heading", name="Visitors: 1")).to_be_visible()
    expect(
        page.get_by_role("button", name="Undo last visitor (Advice or information)")
    ).to_be_visible()


def test_a_tap_the_device_cannot_keep_is_sent_as_a_plain_form(page: Page, counter: str) -> None:
    """With a connection, a tap the device will not store still reaches the server: the
    form posts as it would without the counter script, and the visitor is counted once."""
    page.add_init_script(REFUSE_TO_KEEP)
    started(page, counter)
    page.evaluate("window.refuseToKeep = true")
    page.get_by_role("button", name="+ Lost or found property").click()
    expect(page.get_by_text("Visitor logged: Lost or found property.")).to_be_visible()
    expect(page.get_by_role("heading", name="Visitors: 1")).to_be_visible()
    assert list(Visit.objects.values_list("purpose", flat=True)) == ["property"]


def test_a_tap_the_device_cannot_keep_offline_is_reported_not_lost_silently(
    page: Page, counter: str
) -> None:
    """With no connection and no room on the device, nothing can keep the tap: the officer
    is told at once, in an alert, so they can note the visitor another way."""
    page.add_init_script(REFUSE_TO_KEEP)
    started(page, counter)
    page.context.set_offline(True)
    page.evaluate("window.refuseToKeep = true")
    page.get_by_role("button", name="+ Documents").click()
    alert = page.locator("[data-refused]")
    expect(alert).to_contain_text("Not recorded: the visitor at")
    expect(alert).to_contain_text("could not keep it")
    expect(page.get_by_role("heading", name="Visitors: 0")).to_be_visible()
    assert_accessible(page)
    page.context.set_offline(False)
    assert Visit.objects.count() == 0


def test_each_unkept_tap_alert_is_dismissed_on_its_own(page: Page, counter: str) -> None:
    """Two taps the device could not keep give two alerts; dismissing one removes that one
    only, and the other stays until the officer dismisses it too."""
    page.add_init_script(REFUSE_TO_KEEP)
    started(page, counter)
    page.context.set_offline(True)
    page.evaluate("window.refuseToKeep = true")
    page.get_by_role("button", name="+ Documents").click()
    page.get_by_role("button", name="+ Lost or found property").click()
    alerts = page.locator("[data-refused] .notice")
    expect(alerts).to_have_count(2)
    first = alerts.nth(0).get_by_role("paragraph").inner_text()
    second = alerts.nth(1).get_by_role("paragraph").inner_text()
    assert "(Documents)" in first
    assert "(Lost or found property)" in second

    alerts.nth(0).get_by_role("button", name="Dismiss this message").click()
    expect(alerts).to_have_count(1)
    expect(alerts.nth(0).get_by_role("paragraph")).to_have_text(second)

    alerts.nth(0).get_by_role("button", name="Dismiss this message").click()
    expect(alerts).to_have_count(0)
    page.context.set_offline(False)
    assert Visit.objects.count() == 0


def test_an_answer_that_never_comes_is_given_up_on_and_the_tap_sent_again(
    page: Page, counter: str
) -> None:
    """A connection that takes the tap and then goes silent (a mobile network between
    masts): the server has recorded the visitor, but its answer never arrives. The phone
    stops waiting, sends the tap again under the same key, and the visitor counts once;
    meanwhile the next taps are not stuck behind the silent one for ever."""
    page.clock.install()
    started(page, counter)
    silent = []

    def answer_never_arrives_once(route: Route) -> None:
        if not silent:
            silent.append(route.fetch())  # the server records it; the phone hears nothing
            return
        route.continue_()

    page.route("**/visits/", answer_never_arrives_once)
    page.get_by_role("button", name="+ Documents").click()
    expect(page.locator("[data-pending]")).to_contain_text("1 change is waiting to be sent")
    page.clock.fast_forward("00:31")  # past how long the phone waits for an answer
    # "Already": the retry carried the same key, and the server had the first send.
    expect(page.locator("[data-notice]")).to_have_text("Already logged: Documents.")
    expect(page.locator("[data-pending]")).to_be_empty()
    assert Visit.objects.filter(purpose="documents").count() == 1


def test_an_answer_cut_off_half_way_is_sent_again(page: Page, counter: str) -> None:
    """The server recorded the tap, but the connection dropped while its answer was read:
    the phone cannot tell what happened, so it sends the tap again, counted once."""
    started(page, counter)
    cut = []

    def cut_off_once(route: Route) -> None:
        if not cut:
            cut.append(route.fetch())  # the server records it
            route.fulfill(status=201, content_type="application/json", body='{"message": "Vis')
            return
        route.continue_()

    page.route("**/visits/", cut_off_once)
    page.get_by_role("button", name="+ Safety concern").click()
    expect(page.locator("[data-notice]")).to_have_text("Already logged: Safety concern.")
    expect(page.locator("[data-pending]")).to_be_empty()
    assert Visit.objects.filter(purpose="safety").count() == 1
