"""schemathesis over the open data API: cases generated from our own OpenAPI document, valid
and invalid, sent to the application in process. No answer may be a server error, and
every answer is JSON (or the CSV the document promises), matching the document's content
types."""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import content_type_conformance

from tests.server_errors import is_server_error

pytestmark = pytest.mark.django_db


@schemathesis.check
def no_server_error(ctx: object, response: schemathesis.Response, case: schemathesis.Case) -> None:
    """schemathesis' own check, except for a 503 that means "not available yet, try later"
    (the same rule as the parameter fuzz's)."""
    if is_server_error(response.status_code, response.content):
        raise AssertionError(f"{response.status_code} from {case.path}: {response.text[:200]}")


# Read when the tests are collected, before any static files are (tests/conftest.py): on
# a fresh clone WhiteNoise would warn that STATIC_ROOT does not exist. The API serves none.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "No directory at", UserWarning)
    application = get_wsgi_application()
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


@pytest.fixture(autouse=True)
def _connection_kept_between_requests() -> Iterator[None]:
    """The application is called directly, not through Django's test Client, so nothing
    stops Django closing the database connection when each request ends (CONN_MAX_AGE is
    0). Inside the test's transaction that leaves a closed connection for the next
    request: on PostgreSQL every request after the first met it (on SQLite's in-memory
    test database closing is a no-op). Do what the test Client does: keep it open."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture(autouse=True)
def _data(settings) -> None:  # type: ignore[no-untyped-def]
    from demo.places import load_demo

    settings.GEOCODER = ""  # no remote look-ups from a test
    settings.SEARCH_RATE = "100000/m"  # the limits are tested elsewhere
    load_demo()


@schema.parametrize()
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_the_api_never_fails_on_any_input(case: schemathesis.Case) -> None:
    case.call_and_validate(checks=[no_server_error, content_type_conformance])
