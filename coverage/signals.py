"""A review's scenarios are frozen when it is published (reviews.signals)."""

from typing import Any

from django.dispatch import receiver

from reviews.signals import review_publishing

from . import scenarios
from .models import Scenario


@receiver(review_publishing)
def _freeze_scenarios(sender: Any, review: Any, **kwargs: Any) -> dict[str, Any]:
    frozen = []
    for scenario in Scenario.objects.filter(review=review, frozen__isnull=True):
        scenario.frozen = scenarios.summary(scenario, scenarios.outcome(scenario))
        scenario.save(update_fields=["frozen", "updated_at"])
        frozen.append({"id": scenario.pk, **scenario.frozen})
    return {"scenarios": frozen} if frozen else {}
