"""schemathesis over the open data API: cases generated from our own OpenAPI document, valid
and invalid, sent to the application in process. No answer may be a server error, and
every answer is JSON (or the CSV the document promises), matching the document's content
types."""

from __future__ import annotations

import warnings

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import content_type_conformance

pytestmark = pytest.mark.django_db


@schemathesis.check
def no_server_error(ctx: object, response: schemathesis.Response, case: schemathesis.Case) -> None:
    """schemathesis' own check, except for 503: "not available yet, try later" (coverage
    before the ward boundaries are loaded, or while its figures are being prepared)."""
    if response.status_code >= 500 and response.status_code != 503:
        raise AssertionError(f"{response.status_code} from {case.path}: {response.text[:200]}")


# Read when the tests are collected, before any static files are (tests/conftest.py): on
# a fresh clone WhiteNoise would warn that STATIC_ROOT does not exist. The API serves none.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "No directory at", UserWarning)
    application = get_wsgi_application()
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


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
