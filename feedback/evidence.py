"""Visitor feedback as a review cites it (`reviews.services.review_publish`): each of its
places' published answers for its period that are above the noise."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from contactpoints.models import ContactPoint
from publishing.usage import Period

from . import figures


def for_review(review: Any, places: QuerySet[ContactPoint]) -> dict[str, Any]:
    if not review.cites_feedback:
        return {}
    period = Period(review.period_start, review.period_end)
    found = []
    for cp in places.order_by("name"):
        answers = figures.for_place(cp, period)
        if answers.clear:
            found.append({"contact_point": cp.name, **figures.to_json(answers)})
    return {"feedback": {"period": period.label, "places": found}}
