"""Site-wide views: health check, the privacy notice and error pages."""

import logging
import math
import sys

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.views import defaults
from django.views.decorators.cache import never_cache

from .middleware import unavailable

logger = logging.getLogger(__name__)


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """For load balancers and operators: the database and the shared cache, each said
    separately; 200 when both answer, 503 when either does not."""
    checks = {"database": "ok", "cache": "ok"}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        logger.warning("Health check: database unreachable (%s)", type(error).__name__)
        checks["database"] = "unreachable"
    try:
        cache.set("healthz", 1, 10)
        if cache.get("healthz") != 1:
            raise ValueError("the value written was not read back")
    except Exception as error:
        logger.warning("Health check: cache unreachable (%s)", type(error).__name__)
        checks["cache"] = "unreachable"
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "error", **checks}, status=200 if healthy else 503
    )


def privacy(request: HttpRequest) -> HttpResponse:
    """The privacy notice, with the retention periods and privacy budgets in force."""
    from demand.release import BUDGET as DEMAND  # the roof reads the rooms' budgets
    from feedback.release import BUDGET as FEEDBACK

    def plain(epsilon: float) -> str:
        return f"{epsilon:g}"

    context = {
        "retention_days": settings.DEMAND_RETENTION_DAYS,
        "feedback_retention_days": settings.FEEDBACK_RETENTION_DAYS,
        "geocoder": settings.GEOCODER,
        "demand_epsilon": plain(DEMAND.epsilon),
        "demand_factor": f"{math.exp(DEMAND.epsilon):.1f}",
        "feedback_epsilon": plain(FEEDBACK.epsilon),
        "feedback_factor": f"{math.exp(FEEDBACK.epsilon):.1f}",
    }
    return render(request, "privacy.html", context)


# Addresses whose callers are programs: their errors are JSON, like every other answer.
MACHINE_PATHS = ("/api/",)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if request.path.startswith(MACHINE_PATHS):
        return JsonResponse(
            {"detail": "Not found: see /api/ for what this API offers."}, status=404
        )
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    failed = sys.exc_info()[1]  # Django calls this while handling the error
    if isinstance(failed, OperationalError | InterfaceError):
        return unavailable(request, failed)  # the database, outside a view: a 503
    if request.path.startswith(MACHINE_PATHS):
        return JsonResponse(
            {"detail": "Something went wrong on our side; try again later."}, status=500
        )
    return defaults.server_error(request)


def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico whatever the page says: send them to the icon."""
    return redirect(static("img/counter-192.png"), permanent=True)
