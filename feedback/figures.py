"""What visitors told us about one contact point over a period of released months: each
question's answers as published figures (sums of protected monthly cells)."""

from __future__ import annotations

from dataclasses import dataclass

from contactpoints.models import ContactPoint
from reviews.disclosure import Figure, Table, figure_of
from reviews.release import threshold
from reviews.usage import Period

from .models import QUESTIONS, FeedbackMonth


@dataclass(frozen=True)
class Feedback:
    responses: Figure
    synthetic: bool
    questions: list[tuple[str, str, Table[str]]]  # (field, question, answers)


def for_place(contact_point: ContactPoint, period: Period) -> Feedback:
    rows = list(
        FeedbackMonth.objects.filter(
            contact_point=contact_point, month__gte=period.start, month__lte=period.end
        ).values_list("cells", "synthetic")
    )
    months = [cells for cells, _synthetic in rows]
    responses = figure_of((m.get("responses", 0) for m in months), threshold() - 1)
    questions = [
        (
            name,
            question,
            Table(
                cells={
                    label: figure_of(m.get(f"{name}:{value}", 0) for m in months)
                    for value, label in choices
                },
                total=responses,
            ),
        )
        for name, (question, choices) in QUESTIONS.items()
    ]
    return Feedback(responses, any(made_up for _cells, made_up in rows), questions)


def to_json(feedback: Feedback) -> dict[str, object]:
    """As a review freezes it: every figure as it was shown."""
    return {
        "responses": str(feedback.responses),
        "synthetic": feedback.synthetic,
        "questions": {
            question: {label: str(f) for label, f in table.cells.items()}
            for _name, question, table in feedback.questions
        },
    }
