"""SYNTHETIC visitor feedback for the demo: made-up answers, flagged `synthetic` and labelled
as such wherever they are shown."""

from __future__ import annotations

import random
from datetime import date, timedelta

from contactpoints.models import ContactPoint
from feedback.models import QUESTIONS, Response

# How often each answer is given, in order of the question's choices.
WEIGHTS = {
    "found_easily": [6, 3, 1],
    "spoke_privately": [5, 2, 3],
    "got_what_needed": [6, 3, 1],
    "heard_via": [4, 3, 2, 2, 2, 1, 1],
}


def generate(today: date, days: int = 150, seed: int = 20261128) -> int:
    """Add the demo's answers for the `days` before `today`, once (none if any synthetic
    answers exist). Returns the answers added."""
    if Response.objects.filter(synthetic=True).exists():
        return 0
    rng = random.Random(seed)  # noqa: S311 (made-up demo figures, reproducible)
    made = []
    for cp in ContactPoint.objects.published().operating().order_by("pk"):
        weekly = rng.uniform(0.2, 3.0)
        for back in range(1, days + 1):
            if rng.random() >= weekly / 7:
                continue
            answers = {
                name: rng.choices([v for v, _l in choices], weights=WEIGHTS[name])[0]
                for name, (_q, choices) in QUESTIONS.items()
            }
            made.append(
                Response(contact_point=cp, day=today - timedelta(days=back), synthetic=True,
                         **answers)
            )  # fmt: skip
    Response.objects.bulk_create(made)
    return len(made)
