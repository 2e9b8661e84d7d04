"""Coverage as a review cites it: worked out by `reviews.services.review_publish` before it
takes the review's row lock, then frozen with the review."""

from __future__ import annotations

from typing import Any

from . import london, scenarios
from .models import Scenario
from .views import summary


def for_review(review: Any) -> dict[str, Any]:
    """London's and each borough's figures for this week, when the review cites coverage
    (and wards are loaded)."""
    if not review.cites_coverage:
        return {}
    where = london.london_map()
    if not where.ward_codes:
        return {}
    data = summary(london.london(), where)
    return {"coverage": {key: data[key] for key in ("period", "method", "london", "boroughs")}}


def scenarios_for(review: Any) -> list[tuple[Scenario, dict[str, Any]]]:
    """The figures of each scenario the review cites, worked out now (seconds each)."""
    return [
        (scenario, scenarios.summary(scenario, scenarios.outcome(scenario)))
        for scenario in Scenario.objects.filter(review=review, frozen__isnull=True)
    ]


def freeze(found: list[tuple[Scenario, dict[str, Any]]]) -> dict[str, Any]:
    """Freeze the scenarios' figures (in the publishing transaction): from now on final."""
    frozen = []
    for scenario, figures in found:
        scenario.frozen = figures
        scenario.save(update_fields=["frozen", "updated_at"])
        frozen.append({"id": scenario.pk, **figures})
    return {"scenarios": frozen} if frozen else {}
