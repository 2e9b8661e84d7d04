"""When the database cannot be reached (a restart, a failover), answer 503 with a short
Retry-After instead of a 500: clients that retry (the counter's queue does) try again, and
monitoring sees an outage rather than a bug. Connections are checked before reuse
(CONN_HEALTH_CHECKS; on public pages by their first query, core.versions.current), so
requests succeed again as soon as the database is back."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse

logger = logging.getLogger(__name__)

RETRY_AFTER = 5  # seconds
MESSAGE = "The service is briefly unavailable. Please try again in a moment."


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        return unavailable(request, exception)


def unavailable(request: HttpRequest, exception: Exception) -> HttpResponse:
    """The 503 for a request the database could not answer. Also sent by the 500 handler
    (config.views.server_error) when the error was raised outside a view — in a
    middleware reading the session or the signed-in user — where `process_exception`
    never sees it."""
    logger.warning("Database unavailable: %s", type(exception).__name__)
    if "application/json" in request.headers.get("Accept", "") or request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse({"detail": MESSAGE}, status=503)
    else:
        response = HttpResponse(
            '<!doctype html><html lang="en-GB"><title>Briefly unavailable</title>'
            f"<h1>Briefly unavailable</h1><p>{MESSAGE} In an emergency call 999.</p></html>",
            status=503,
        )
    response["Retry-After"] = str(RETRY_AFTER)
    return response
