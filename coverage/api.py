"""The coverage figures in the open data API (`/api/v1/coverage`): the same figures as
/coverage/, as JSON."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja import Router

from core import pagecache, versions

from . import london
from .views import BadChoice, Choice, _until, summary, when_ready

router = Router(tags=["coverage"])


@router.get(
    "",
    summary="Who can reach an open contact point, and when",
    description=(
        "For this week (or, with `from` and `to`, the weeks of that period averaged, at most "
        "26): the share of postcodes within 10, 20 and 30 minutes' walk of an "
        "open contact point, for London, each borough and each ward, by time of week. "
        "With `count=people` (when population figures are loaded), the share of people. "
        "Method and limits: docs/coverage.md and the /coverage/ page."
    ),
)
def coverage(request: HttpRequest) -> Any:
    try:
        choice = Choice.of(request)
    except BadChoice as error:
        return JsonResponse({"detail": str(error)}, status=400)

    def render(now: datetime) -> tuple[HttpResponse, datetime]:
        if not london.london_map().ward_codes:  # a 503 is never kept by the page cache
            detail = "Coverage is not available yet: no ward boundaries are loaded."
            return JsonResponse({"detail": detail}, status=503), now

        def answer(now: datetime) -> tuple[HttpResponse, datetime]:
            try:
                figures = choice.figures(now)
            except BadChoice as error:  # people asked for, none loaded: never kept
                return JsonResponse({"detail": str(error)}, status=400), now
            data = summary(figures, london.london_map(), choice.unit)
            earlier = london.stand_ins()
            if earlier:
                data["updating"] = {
                    "detail": "A contact point changed a moment ago: these figures are from "
                    "before that change, and figures with it are being worked out.",
                    "worked_out_at": earlier[0].made.isoformat(),
                }
            return JsonResponse(data), _until(now)

        def waiting(message: str, retry: int) -> HttpResponse:
            response = JsonResponse({"detail": message, "retry_after": retry}, status=503)
            response["Retry-After"] = str(retry)
            return response

        return when_ready(choice, answer, now, waiting)

    return pagecache.serve(
        kind="api-coverage", choices=choice.canonical,
        depends_on=(versions.PLACES, versions.AREAS), render=render,
    )  # fmt: skip
