"""A review that cites visitor feedback freezes its places' answers when published."""

from typing import Any

from django.dispatch import receiver

from reviews.services import review_scope
from reviews.signals import review_publishing
from reviews.usage import Period

from . import figures, release


@receiver(review_publishing)
def _freeze_feedback(sender: Any, review: Any, **kwargs: Any) -> dict[str, Any]:
    if not review.cites_feedback:
        return {}
    release.release()
    period = Period(review.period_start, review.period_end)
    places = []
    for cp in review_scope(review).order_by("name"):
        answers = figures.for_place(cp, period)
        if answers.clear:
            places.append({"contact_point": cp.name, **figures.to_json(answers)})
    return {"feedback": {"period": period.label, "places": places}}
