"""Site-wide views: health check and error pages."""

import logging

from django.core.cache import cache
from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache

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
