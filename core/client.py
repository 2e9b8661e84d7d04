"""The client's address, the one way sign-in throttling (users/throttle.py) and the search
and API rate limits read it; and those rate limits.

Behind `TRUSTED_PROXIES` reverse proxies, each appends the address it saw to
X-Forwarded-For, so the client is the entry that many places from the right; anything
further left was written by the client and is not trusted. With no trusted proxy, the
header is ignored and the connection's address is used: a header that changes on every
request cannot buy a new allowance.
"""

from __future__ import annotations

import hashlib
import hmac
import random
import time
from datetime import UTC, datetime

from django.conf import settings
from django.db import connection
from django.http import HttpRequest
from ninja.throttling import BaseThrottle

from . import counting


def client_ip(request: HttpRequest) -> str:
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXIES
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies <= 0 or not forwarded:
        return remote
    addresses = [a.strip() for a in forwarded.split(",") if a.strip()]
    if len(addresses) < proxies:
        return remote  # fewer hops than trusted proxies: not from our proxies
    return addresses[-proxies]


def pseudonym(address: str) -> str:
    """The address as the rate limits store it: a keyed hash, so the table of counts holds
    no IP address (docs/demand.md) yet each client still has its own count."""
    digest = hmac.new(settings.SECRET_KEY.encode(), address.encode(), hashlib.sha256)
    return digest.hexdigest()[:24]


class ClientRateThrottle(BaseThrottle):
    """At most `rate` ("600/min", "3/10min") requests per `client_ip` in each fixed window,
    counted in the database by one upsert per request (`core.RateWindow`), so every worker
    counts together at the cost of one small statement. A client may reach up to twice the
    rate across the boundary of two windows: a budget, not a precise meter. Works as a
    django-ninja throttle and directly in views."""

    scope = "search"
    PERIODS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hour": 3600, "d": 86400}

    def __init__(self, rate: str, scope: str | None = None) -> None:
        if scope is not None:
            self.scope = scope
        number, period = rate.split("/")
        self.limit = int(number)
        unit = period.lstrip("0123456789")
        self.seconds = int(period[: len(period) - len(unit)] or 1) * self.PERIODS[unit]
        self.retry_after = 0.0

    def allow_request(self, request: HttpRequest) -> bool:
        from .models import RateWindow

        now = time.time()
        window = int(now // self.seconds)
        ends = (window + 1) * self.seconds
        key = f"{self.scope}:{pseudonym(client_ip(request))}:{self.seconds}:{window}"
        quote = connection.ops.quote_name
        table, name, count_, expires_ = (
            quote(RateWindow._meta.db_table),
            quote("key"),
            quote("count"),
            quote("expires"),
        )
        expires = connection.ops.adapt_datetimefield_value(datetime.fromtimestamp(ends, tz=UTC))
        counted = counting.add(
            f"INSERT INTO {table} ({name}, {count_}, {expires_}) "
            "SELECT %s, 1, %s {relaxed} WHERE true "
            f"ON CONFLICT ({name}) DO UPDATE SET {count_} = {table}.{count_} + 1 "
            f"RETURNING {count_}",
            [key, expires],
        )
        assert counted is not None
        count = counted[0]
        if random.random() < 0.005:  # noqa: S311  (now and then, forget windows that are over)
            RateWindow.objects.filter(expires__lt=datetime.fromtimestamp(now, tz=UTC)).delete()
        self.retry_after = ends - now
        return bool(count <= self.limit)

    def wait(self) -> float | None:
        return self.retry_after


class GeocoderRateThrottle(ClientRateThrottle):
    """Searches that reach the remote geocoder (not answered from its cache), counted on
    their own: the geocoder allows about one request a second for the whole site."""

    scope = "geocoder"


def held_back(request: HttpRequest, throttles: list[ClientRateThrottle]) -> int | None:
    """Counts this request against each budget; None when all allow it, else the seconds
    to wait (for Retry-After) until the longest-held one does."""
    refused = [t for t in throttles if not t.allow_request(request)]
    if not refused:
        return None
    return int(max(t.wait() or 600 for t in refused)) + 1
