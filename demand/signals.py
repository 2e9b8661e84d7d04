"""A review that cites search demand freezes it when published (reviews.signals)."""

from typing import Any

from django.dispatch import receiver

from reviews.signals import review_publishing
from reviews.usage import Period

from . import figures, release


@receiver(review_publishing)
def _freeze_demand(sender: Any, review: Any, **kwargs: Any) -> dict[str, Any]:
    if not review.cites_demand:
        return {}
    release.release()
    found = figures.demand(Period(review.period_start, review.period_end))
    return {
        "demand": {
            "period": found.period.label,
            "searches": f"about {found.london.searches:,}",
            "unmet": f"about {found.london.unmet:,}",
            "margin": found.london.margin,
            "epsilon": found.epsilon,
            "synthetic": found.synthetic,
            "areas": [
                {"area": r.label, "searches": str(r.searches), "unmet": str(r.unmet)}
                for r in found.listed[:20]
            ],
        }
    }
