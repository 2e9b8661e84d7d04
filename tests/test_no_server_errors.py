"""No input gives a 500: every public page's and API's parameters, one at a time, at their
boundaries — dates at years 1 and 9999, huge and negative numbers, long and odd strings —
answer with a page or a clear 4xx (in JSON for the API). CI also runs schemathesis over the
API's OpenAPI document (tests/test_api_schema.py)."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from demo.places import load_demo
from publishing.models import UsageRelease
from tests.server_errors import is_server_error

pytestmark = pytest.mark.django_db

ODD = [
    "0001-01", "0001-01-01", "9999-12", "9999-12-31", "10000-01", "0000-00", "2026-02-30",
    "1-1", "-2026-01", "0", "-1", "99999999999999999999999", "1e308", "-1e308", "nan", "inf",
    "x" * 5000, "\x00", "%00", "' OR 1=1 --", "<script>alert(1)</script>", "😀", " ", "",
    "0001-01-01T00:00:00", "9999-12-31T23:59:59", "9999-12-31T23:59:59+14:00",
    "0001-01-01T00:00:00-12:00", "2026-11-25T25:61", "../../etc/passwd",
]  # fmt: skip

# Each public address and the parameters it reads.
PAGES = {
    "/": ["q"],
    "/search/": ["q", "lat", "lon", "open_now", "open_at", "facilities", "kind", "page"],
    "/embed/": ["q", "lat", "lon", "open_now"],
    "/contact-points/": ["borough", "kind", "facilities", "open_now", "sort", "page"],
    "/contact-points/charing-cross-police-station/": ["preview"],
    "/usage/": ["start", "end", "borough", "kind", "sort"],
    "/usage/usage.csv": ["start", "end", "borough", "kind", "sort"],
    "/usage/purposes.csv": ["start", "end", "borough", "kind"],
    "/usage/charing-cross-police-station/": ["start", "end"],
    "/demand/": ["start", "end", "area"],
    "/demand/demand.csv": ["start", "end", "area"],
    "/coverage/": ["within", "when", "from", "to", "count"],
    "/coverage/coverage.csv": ["within", "when", "from", "to", "count"],
    "/coverage/scenarios/map.svg": ["within", "when"],
    "/reviews/": ["status", "owner", "overdue"],
    "/recommendations/": ["status", "owner", "overdue"],
}
API = {
    "/api/v1/contact-points": ["borough", "kind", "facility", "open_now"],
    "/api/v1/contact-points.csv": ["borough", "kind", "facility", "open_now"],
    "/api/v1/contact-points/nearest": [
        "lat", "lon", "postcode", "limit", "open_at", "facility", "kind",
    ],
    "/api/v1/coverage": ["within", "when", "from", "to", "count"],
    "/hsds/services": [
        "page", "per_page", "search", "modified_after", "taxonomy_term_id", "taxonomy_id",
        "organization_id", "minimal", "full", "format",
    ],
    "/hsds/service_at_locations": [
        "page", "per_page", "search", "modified_after", "full", "postcode", "proximity",
    ],
    "/hsds/organizations": ["page", "per_page", "search", "full_service", "full"],
    "/hsds/organizations/x": ["full_service"],
    "/hsds/taxonomies": ["page", "search"],
    "/hsds/taxonomy_terms": ["page", "search", "taxonomy_id", "top_only", "parent_id"],
    "/hsds/services/x": [],
    "/hsds/service_at_locations/x": [],
}  # fmt: skip
# Parameters that only matter beside a valid partner (a period's other end, a point's other
# coordinate): tried with it too.
PARTNERS = {
    "start": {"end": "2026-10"},
    "end": {"start": "2026-09"},
    "from": {"to": "2026-11-30"},
    "to": {"from": "2026-11-02"},
    "proximity": {"postcode": "W10 4JL"},
    "lat": {"lon": "-0.12"},
    "lon": {"lat": "51.5"},
    "open_at": {"lat": "51.5", "lon": "-0.12"},
}


@pytest.fixture
def site(settings: object) -> Client:
    settings.GEOCODER = ""  # type: ignore[attr-defined]  # no remote look-ups from a test
    load_demo()
    for month in (date(2026, 9, 1), date(2026, 10, 1)):
        UsageRelease.objects.create(month=month)
    return Client(raise_request_exception=False)


def _tries(params: list[str]) -> list[dict[str, str]]:
    tries = []
    for name in params:
        for value in ODD:
            tries.append({name: value})
            if name in PARTNERS:
                tries.append({**PARTNERS[name], name: value})
    return tries


def test_no_public_page_answers_any_parameter_with_a_server_error(site: Client) -> None:
    failures = []
    for path, params in PAGES.items():
        for query in _tries(params):
            response = site.get(path, query)
            if is_server_error(response.status_code, response.content):
                failures.append((path, query, response.status_code))
    assert "\n".join(f"{p} {q!r:.100} {s}" for p, q, s in failures) == ""


def test_the_api_answers_every_parameter_without_a_server_error_and_in_json(site: Client) -> None:
    failures = []
    for path, params in API.items():
        for query in _tries(params):
            response = site.get(path, query)
            json = response["Content-Type"].startswith("application/json")
            csv = path.endswith(".csv") and response.status_code == 200
            failed = is_server_error(response.status_code, response.content)
            if failed or not (json or csv):
                failures.append((path, query, response.status_code, response["Content-Type"]))
    assert "\n".join(f"{p} {q!r:.100} {s} {t}" for p, q, s, t in failures) == ""


def test_the_api_answers_unknown_addresses_in_json(site: Client) -> None:
    for path in ("/api/v1/no-such-thing", "/api/v1/contact-points/no-such-place"):
        response = site.get(path)
        assert response.status_code == 404
        assert response["Content-Type"].startswith("application/json")
        assert response.json()["detail"]


@pytest.mark.parametrize("path", ["/contact-points/", "/api/v1/contact-points"])
def test_a_database_outage_met_outside_a_view_is_a_503_not_a_500(
    path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While the database is down, a signed-in browser's request first fails reading its
    session, in a middleware, before any view runs: it is answered as every other outage
    is, 503 with Retry-After, never a 500."""
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import OperationalError

    def down(self: SessionStore) -> dict[str, object]:
        raise OperationalError("connection failed: the database system is shutting down")

    client = Client(raise_request_exception=False)
    client.cookies["sessionid"] = "a" * 32
    monkeypatch.setattr(SessionStore, "load", down)
    response = client.get(path)
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "briefly unavailable" in response.content.decode().lower()
