"""The client's address, the one way sign-in throttling (users/throttle.py) and the search
and API rate limits (django-ninja) read it.

Behind `TRUSTED_PROXIES` reverse proxies, each appends the address it saw to
X-Forwarded-For, so the client is the entry that many places from the right; anything
further left was written by the client and is not trusted. With no trusted proxy, the
header is ignored and the connection's address is used: a header that changes on every
request cannot buy a new allowance.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from ninja.throttling import AnonRateThrottle


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


class ClientRateThrottle(AnonRateThrottle):
    """django-ninja's anonymous rate limit, counted per `client_ip` in the shared cache
    (so every worker counts together)."""

    def get_ident(self, request: HttpRequest) -> str | None:
        return client_ip(request)


class GeocoderRateThrottle(ClientRateThrottle):
    """Searches that reach the remote geocoder (not answered from its cache), counted on
    their own: the geocoder allows about one request a second for the whole site."""

    scope = "geocoder"
