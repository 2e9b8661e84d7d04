"""Browser tests: Playwright driving Debian's Chromium (never Playwright's own download).

The live server runs in a thread of this process, so time-machine moves its clock too.
"""

import contextlib
import os
import re
import socket
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from core.time import LONDON

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
# Map tiles and every other outside host are unreachable here: refuse them at once.
OUTSIDE = re.compile(r"^https?://(?!(localhost|127\.0\.0\.1)[:/])")


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        message = f"Chromium not found at {CHROMIUM}: apt-get install chromium"
        if os.environ.get("CI"):
            pytest.fail(message)  # CI must run these, never skip them
        pytest.skip(message)
    # Playwright's sync API keeps an event loop running in this thread for the session;
    # Django would otherwise refuse the tests' own database calls as "async-unsafe".
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()
    del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


def new_context(browser: Browser, **options: object) -> BrowserContext:
    options = {"viewport": {"width": 390, "height": 844}, "locale": "en-GB", **options}
    context = browser.new_context(**options)  # type: ignore[arg-type]
    context.route(OUTSIDE, lambda route: route.abort())
    return context


@pytest.fixture(autouse=True)
def _plain_static_names(settings: object) -> None:
    """The live server serves static files through Django's finders, which know files by
    their source names: use those names here (hashed names are tested with the test client)."""
    settings.STORAGES = {  # type: ignore[attr-defined]
        **settings.STORAGES,  # type: ignore[attr-defined]
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    context = new_context(browser)
    yield context
    context.close()


@pytest.fixture
def page(context: BrowserContext) -> Iterator[Page]:
    """A phone-sized page that records Content Security Policy violations."""
    page = context.new_page()
    page.csp_violations = []  # type: ignore[attr-defined]
    page.on(
        "console",
        lambda message: (
            page.csp_violations.append(message.text)  # type: ignore[attr-defined]
            if "Content Security Policy" in message.text
            else None
        ),
    )
    yield page
    assert page.csp_violations == []  # type: ignore[attr-defined]


def _violations(page: Page) -> str:
    """What axe-core finds wrong with the page as it is now, one line a rule ('' if nothing)."""
    return "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} -> "
        + "; ".join(", ".join(node["target"]) for node in v["nodes"])
        for v in Axe().run(page).response["violations"]
    )


def assert_accessible(page: Page) -> None:
    """axe-core finds no violation on the page as it is now."""
    report = _violations(page)
    assert not report, report


def assert_pages_accessible(page: Page, site: str, paths: list[str]) -> None:
    """axe-core finds no violation on any of the pages, each read once its requests have
    settled. One test for the lot, so the data behind them is loaded once, not per page;
    every page is still read, and the report names each one that fails."""
    failures = []
    for path in paths:
        page.goto(site + path)
        page.wait_for_load_state("networkidle")
        if report := _violations(page):
            failures.append(f"{path}:\n{report}")
    assert not failures, "\n\n".join(failures)


class Connection:
    """The phone's connection to the site: a loopback relay in front of the live server that
    can be cut. While it is down every connection is closed at once (the browser sees a
    network error, as on a phone with no signal), including those of the service worker,
    which Playwright's own offline switch does not reach."""

    def __init__(self, upstream: str) -> None:
        host, port = upstream.removeprefix("http://").split(":")
        self.upstream = (host, int(port))
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.up = True
        self.open: set[socket.socket] = set()
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def cut(self) -> None:
        with self.lock:
            self.up = False
            for sock in self.open:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
            self.open.clear()

    def restore(self) -> None:
        with self.lock:
            self.up = True

    def close(self) -> None:
        self.cut()
        self.listener.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            with self.lock:
                if not self.up:
                    client.close()
                    continue
                server = socket.create_connection(self.upstream)
                self.open.update({client, server})
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        for sock in (source, sink):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        with self.lock:
            self.open.discard(source)
            self.open.discard(sink)


@pytest.fixture
def connection(live_server: object) -> Iterator[Connection]:
    relay = Connection(live_server.url)  # type: ignore[attr-defined]
    yield relay
    relay.close()


@pytest.fixture
def app_context(browser: Browser) -> Iterator[BrowserContext]:
    """A context with no request routing: Playwright bypasses service workers whenever
    routing is on, and the offline counter depends on its service worker."""
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="en-GB", service_workers="allow"
    )
    yield context
    context.close()


# Wednesday 25 November 2026, 19:05: the Beethoven Centre's evening session.
WEDNESDAY_EVENING = datetime(2026, 11, 25, 19, 5, tzinfo=LONDON)


DAY = timedelta(days=1)


@pytest.fixture
def counter(live_server: object) -> Iterator[str]:
    """The demo loaded, an officer ("officer", two backup codes) assigned to the Beethoven
    Centre, the clock at its Wednesday evening session: the live server's address."""
    from contactpoints.models import ContactPoint
    from demo.places import load_demo
    from tests.factories import staff_user
    from users import roles

    load_demo()
    beethoven = ContactPoint.objects.get(slug="beethoven-centre-contact-point")
    officer = staff_user("officer", roles.OFFICER, beethoven)
    device = officer.staticdevice_set.create(name="Backup codes")
    for code in ("code0001", "code0002"):
        device.token_set.create(token=code)
    with time_machine.travel(WEDNESDAY_EVENING, tick=True):
        from core.time import midnight
        from visits.services import sessions_schedule

        day = WEDNESDAY_EVENING.date()  # today's session, as the daily command makes it
        sessions_schedule(contact_point=beethoven, start=midnight(day), end=midnight(day) + DAY)
        yield live_server.url  # type: ignore[attr-defined]
