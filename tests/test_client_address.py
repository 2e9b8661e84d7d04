"""One reading of the client's address for rate limits and sign-in throttling: a forged
X-Forwarded-For header buys no new allowance; behind trusted proxies, the address the
outermost of them saw is the client."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from django.test import Client, RequestFactory

from core.client import client_ip

pytestmark = pytest.mark.django_db


# The limits count in fixed one-minute windows: each test that fills one stays inside it.
@time_machine.travel(datetime(2026, 11, 25, 12, 0, 5, tzinfo=UTC), tick=False)
def test_a_new_forwarded_header_per_request_does_not_reset_the_limit(client: Client) -> None:
    statuses = [
        client.get(
            "/api/v1/contact-points/nearest",
            {"lat": 51.5, "lon": -0.1},
            HTTP_X_FORWARDED_FOR=f"203.0.113.{n}",
        ).status_code
        for n in range(601)
    ]
    assert statuses[599] == 200
    assert statuses[600] == 429  # SEARCH_RATE is 600 a minute


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "203.0.113.9", "10.0.0.2"),  # no trusted proxy: the header is ignored
        (1, "198.51.100.7, 203.0.113.9", "203.0.113.9"),  # what our proxy saw
        (2, "198.51.100.7, 203.0.113.9, 10.0.0.1", "203.0.113.9"),
        (2, "203.0.113.9", "10.0.0.2"),  # fewer hops than proxies: not via ours
    ],
)
def test_client_address_behind_trusted_proxies(
    settings: object, proxies: int, forwarded: str, expected: str
) -> None:
    settings.TRUSTED_PROXIES = proxies  # type: ignore[attr-defined]
    request = RequestFactory().get("/", HTTP_X_FORWARDED_FOR=forwarded, REMOTE_ADDR="10.0.0.2")
    assert client_ip(request) == expected


def test_sign_in_throttling_reads_the_same_address(settings: object) -> None:
    from users.models import SignInThrottle
    from users.throttle import record_failure

    settings.TRUSTED_PROXIES = 1  # type: ignore[attr-defined]
    request = RequestFactory().get("/", HTTP_X_FORWARDED_FOR="1.2.3.4, 5.6.7.8")
    record_failure(request, "someone")
    assert sorted(SignInThrottle.objects.values_list("key", flat=True)) == [
        "ip:5.6.7.8", "user:someone",
    ]  # fmt: skip
