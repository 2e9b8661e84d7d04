"""What visitors told us about one contact point over a period of released months: the
noisy counts stored at each release, added up and shown as whole numbers never below zero,
with their margins (docs/feedback.md)."""

from __future__ import annotations

from dataclasses import dataclass

from contactpoints.models import ContactPoint
from publishing.noise import margin, shown
from publishing.usage import Period

from .models import QUESTIONS, FeedbackMonth
from .release import BUDGET


@dataclass(frozen=True)
class Answers:
    question: str
    counts: list[tuple[str, int]]  # (answer, about how many)
    margin: int

    @property
    def total(self) -> int:
        return sum(n for _label, n in self.counts)

    @property
    def in_words(self) -> str:
        """The answer in one sentence a councillor reads at once, no surer than the noise
        allows: the most common answer and its rough share ("about 8 in 10"), two answers
        named when the noise could swap them, nothing claimed when the answers are too few."""
        total = self.total
        if total <= self.margin:
            return "Too few answers to say which was most common."
        ranked = sorted(self.counts, key=lambda pair: pair[1], reverse=True)
        (first, n1), (second, n2) = ranked[0], ranked[1]
        if n1 - n2 <= self.margin:
            return (
                f"No answer clearly ahead: “{first}” {_share(n1, total)}, "
                f"“{second}” {_share(n2, total)}."
            )
        return f"Most common answer: “{first}”, {_share(n1, total)}."


def _share(n: int, total: int) -> str:
    """A share in tenths, the way people say it. Never "all": the counts carry noise, so a
    zero beside the leader does not mean no one gave another answer."""
    tenths = round(10 * n / total)
    if tenths >= 10:
        return "almost all"
    if tenths == 0:
        return "almost none"
    return f"about {tenths} in 10"


@dataclass(frozen=True)
class Feedback:
    responses: int
    margin: int
    synthetic: bool
    questions: list[Answers]
    epsilon: float

    @property
    def clear(self) -> bool:
        """More responses than the noise alone could make."""
        return self.responses > self.margin


def for_place(contact_point: ContactPoint, period: Period) -> Feedback:
    rows = list(
        FeedbackMonth.objects.filter(month__gte=period.start, month__lte=period.end).values_list(
            "cells", "synthetic"
        )
    )
    key = str(contact_point.pk)
    months = [cells[key] for cells, _synthetic in rows if key in cells]
    n = len(months)

    def total(name: str) -> int:
        return shown(sum(m.get(name, 0) for m in months))

    questions = [
        Answers(
            question,
            [(label, total(f"{name}:{value}")) for value, label in choices],
            margin(BUDGET[name], n),
        )
        for name, (question, choices) in QUESTIONS.items()
    ]
    return Feedback(
        responses=total("responses"), margin=margin(BUDGET["responses"], n),
        synthetic=any(made_up for _cells, made_up in rows) and bool(months), questions=questions,
        epsilon=BUDGET.epsilon,
    )  # fmt: skip


def to_json(feedback: Feedback) -> dict[str, object]:
    """As a review freezes it: every figure as it was shown."""
    return {
        "responses": f"about {feedback.responses:,}",
        "margin": feedback.margin,
        "synthetic": feedback.synthetic,
        "questions": {
            answers.question: {label: f"about {n:,}" for label, n in answers.counts}
            for answers in feedback.questions
        },
        "in_words": {answers.question: answers.in_words for answers in feedback.questions},
    }


def usage_section(*, contact_point: ContactPoint, period: Period) -> dict[str, object]:
    """The "What visitors told us" section of a contact point's usage page (named in
    settings.USAGE_PAGE_SECTIONS; publishing.views asks for it)."""
    return {
        "template": "feedback/usage_section.html",
        "feedback": for_place(contact_point, period),
        "contact_point": contact_point,
        "period": period,
    }
