"""A review's scenarios are frozen when it is published (reviews.signals)."""

from typing import Any

from django.dispatch import receiver

from reviews.signals import review_publishing

from . import london, scenarios
from .models import Scenario
from .views import summary


@receiver(review_publishing)
def _freeze_coverage(sender: Any, review: Any, **kwargs: Any) -> dict[str, Any]:
    """A review that cites coverage freezes London's and each borough's figures for the
    week it is published in (the shares of postcodes within each walk, by time of week)."""
    if not review.cites_coverage:
        return {}
    where = london.london_map()
    if not where.ward_codes:
        return {}
    data = summary(london.london(), where)
    return {"coverage": {key: data[key] for key in ("period", "method", "london", "boroughs")}}


@receiver(review_publishing)
def _freeze_scenarios(sender: Any, review: Any, **kwargs: Any) -> dict[str, Any]:
    frozen = []
    for scenario in Scenario.objects.filter(review=review, frozen__isnull=True):
        scenario.frozen = scenarios.summary(scenario, scenarios.outcome(scenario))
        scenario.save(update_fields=["frozen", "updated_at"])
        frozen.append({"id": scenario.pk, **scenario.frozen})
    return {"scenarios": frozen} if frozen else {}
