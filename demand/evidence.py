"""Search demand as a review cites it (`reviews.services.review_publish`): the published
figures for the review's period, as they are shown."""

from __future__ import annotations

from typing import Any

from publishing.usage import Period

from . import figures


def for_review(review: Any) -> dict[str, Any]:
    if not review.cites_demand:
        return {}
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
