"""Publishing visitor feedback one calendar month at a time (docs/feedback.md).

A month is released `USAGE_RELEASE_DAYS` after it ends. Anyone can send answers of their
own, so thresholds cannot protect these counts: every published count carries
differential-privacy noise (`publishing.noise`), drawn once at release and stored in
`FeedbackMonth`, for every contact point — answered or not, so which places had answers
says nothing either. Never revised."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Min
from django.utils import timezone

from contactpoints.models import ContactPoint
from core.time import local, next_month
from publishing import release as usage_release
from publishing.noise import Budget, Measurement, add_noise

from .forms import OLDEST_SECONDS
from .models import QUESTIONS, FeedbackMonth, Response, UsedTicket

# What one month's release measures, and what each measurement costs per answer.
BUDGET = Budget(
    unit="answer",
    measurements=(
        Measurement("responses", 0.2, "each contact point's responses"),
        *(
            Measurement(name, 0.2, f"each contact point's answers to “{question}”")
            for name, (question, _choices) in QUESTIONS.items()
        ),
    ),
)

Counts = dict[int, dict[str, int]]  # contact point -> {"responses": n, "question:answer": n}


def release(today: date | None = None) -> int:
    """Release every month that is due; returns how many."""
    return usage_release.release_due(
        FeedbackMonth.objects.all(),
        lambda: Response.objects.aggregate(first=Min("day"))["first"], release_month, today,
    )  # fmt: skip


def keys() -> list[str]:
    """The cells of one contact point's month."""
    return [
        "responses",
        *(f"{q}:{v}" for q, (_t, choices) in QUESTIONS.items() for v, _l in choices),
    ]


def month_counts(month: date) -> tuple[Counts, bool]:
    """Every contact point's true counts for `month` (never published as they are), and
    whether any answer is synthetic."""
    end = next_month(month)
    counts: Counts = {
        pk: dict.fromkeys(keys(), 0) for pk in ContactPoint.objects.values_list("pk", flat=True)
    }
    synthetic = False
    rows = (
        Response.objects.filter(day__gte=month, day__lt=end)
        .values("contact_point", "synthetic", *QUESTIONS)
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in rows:
        cells = counts.setdefault(row["contact_point"], dict.fromkeys(keys(), 0))
        cells["responses"] += row["n"]
        synthetic |= row["synthetic"]
        for question in QUESTIONS:
            cells[f"{question}:{row[question]}"] += row["n"]
    return counts, synthetic


def noisy_cells(counts: Counts) -> dict[str, dict[str, int]]:
    """What is published of a month: every count with its noise (`BUDGET`)."""
    places = sorted(counts)
    published: dict[str, dict[str, int]] = defaultdict(dict)
    for measurement in BUDGET.measurements:
        if measurement.name == "responses":
            names = ["responses"]
        else:
            names = [f"{measurement.name}:{v}" for v, _l in QUESTIONS[measurement.name][1]]
        noisy = add_noise([counts[pk][name] for pk in places for name in names], measurement)
        for i, (pk, name) in enumerate((pk, name) for pk in places for name in names):
            published[str(pk)][name] = noisy[i]
    return dict(published)


def release_month(month: date) -> bool:
    counts, synthetic = month_counts(month)
    try:
        with transaction.atomic():
            FeedbackMonth.objects.create(
                month=month, cells=noisy_cells(counts), epsilon=BUDGET.epsilon,
                synthetic=synthetic,
            )  # fmt: skip
    except IntegrityError:
        return False
    return True


def forget_daily_answers(today: date | None = None) -> int:
    """Delete the answers older than `FEEDBACK_RETENTION_DAYS` whose month is published:
    its published counts are all that is kept of them."""
    today = today or local(timezone.now()).date()
    before = today - timedelta(days=settings.FEEDBACK_RETENTION_DAYS)
    deleted = 0
    for month in FeedbackMonth.objects.filter(month__lt=before).values_list("month", flat=True):
        end = min(next_month(month), before)
        found, _ = Response.objects.filter(day__gte=month, day__lt=end).delete()
        deleted += found
    return deleted


def forget_used_tickets() -> int:
    """Forget the used tickets that have expired anyway (a ticket lives a day)."""
    expired = timezone.now() - timedelta(seconds=OLDEST_SECONDS)
    deleted, _ = UsedTicket.objects.filter(used_at__lt=expired).delete()
    return deleted
