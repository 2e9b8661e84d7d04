"""Publishing visitor feedback one calendar month at a time, under the usage figures' rules
(docs/usage-figures.md): a month is released `USAGE_RELEASE_DAYS` after it ends; each
contact point's answers for it are protected once — the number of responses suppressed from
1 to k − 1, each question's answers with primary and secondary suppression against it — and
stored (`FeedbackMonth`); every public figure adds those cells up. Never revised."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Min
from django.utils import timezone

from contactpoints.hours import local
from reviews import release as usage_release
from reviews.disclosure import protect_month

from .models import QUESTIONS, FeedbackMonth, FeedbackRelease, Response

STATE_KEY = "feedback:release-state"


def release(today: date | None = None) -> None:
    """Release every month that is due (cheap when none is)."""
    usage_release.release_due(
        STATE_KEY, FeedbackRelease.objects.all(),
        lambda: Response.objects.aggregate(first=Min("day"))["first"], release_month, today,
    )  # fmt: skip


def month_cells(month: date) -> dict[int, tuple[dict[str, int | None], bool]]:
    """Each contact point's published cells for `month`: "responses" and "question:answer"."""
    end = usage_release.next_month(month)
    answers: dict[int, dict[str, dict[str, int]]] = defaultdict(
        lambda: {q: {f"{q}:{v}": 0 for v, _l in choices} for q, (_t, choices) in QUESTIONS.items()}
    )
    totals: dict[int, int] = defaultdict(int)
    synthetic: dict[int, bool] = defaultdict(bool)
    rows = (
        Response.objects.filter(day__gte=month, day__lt=end)
        .values("contact_point", "synthetic", *QUESTIONS)
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in rows:
        cp, n = row["contact_point"], row["n"]
        totals[cp] += n
        synthetic[cp] |= row["synthetic"]
        for question in QUESTIONS:
            answers[cp][question][f"{question}:{row[question]}"] += n
    k = usage_release.threshold()
    found = {}
    for cp, total in totals.items():
        published = protect_month(total, answers[cp], {}, k)
        published["responses"] = published.pop("visits")
        found[cp] = (published, synthetic[cp])
    return found


def release_month(month: date) -> bool:
    cells = month_cells(month)
    try:
        with transaction.atomic():
            FeedbackRelease.objects.create(month=month)
            FeedbackMonth.objects.bulk_create(
                FeedbackMonth(contact_point_id=cp, month=month, cells=published, synthetic=made_up)
                for cp, (published, made_up) in cells.items()
            )
            usage_release.public_changed()  # the usage pages show these answers
    except IntegrityError:
        return False
    return True


def forget_daily_answers(today: date | None = None) -> int:
    """Delete the answers older than `FEEDBACK_RETENTION_DAYS` whose month is published:
    its protected cells are all that is kept of them."""
    today = today or local(timezone.now()).date()
    before = today - timedelta(days=settings.FEEDBACK_RETENTION_DAYS)
    deleted = 0
    for month in FeedbackRelease.objects.filter(month__lt=before).values_list("month", flat=True):
        end = min(usage_release.next_month(month), before)
        found, _ = Response.objects.filter(day__gte=month, day__lt=end).delete()
        deleted += found
    return deleted
