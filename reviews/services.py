"""Writes to reviews: publishing (with a second person's approval and frozen figures),
corrections and progress on recommendations. The acting user is passed explicitly; dates
are the server's."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from contactpoints.models import ContactPoint
from core.time import local, next_month
from coverage import evidence as coverage_evidence
from coverage.models import Scenario
from demand import evidence as demand_evidence
from demand import release as demand_release
from feedback import evidence as feedback_evidence
from feedback import release as feedback_release
from publishing import release, usage
from users.models import User

from .models import (
    Correction,
    ProgressUpdate,
    Recommendation,
    RecommendationStatus,
    Review,
    ReviewStatus,
)


def review_scope(review: Review) -> QuerySet[ContactPoint]:
    chosen = review.contact_points.all()
    if chosen.exists():
        return ContactPoint.objects.filter(pk__in=chosen.values("pk"))
    return ContactPoint.objects.counted()


def review_period(review: Review) -> usage.Period:
    """A review covers whole calendar months that have been published, so its frozen
    figures are the public figures of that period (never a different cut of the same
    visits)."""
    period = usage.Period(review.period_start, review.period_end)
    if not period.is_whole_months:
        raise ValidationError(
            "A review covers whole calendar months: start on the 1st and end on the last "
            "day of a month."
        )
    released = set(release.released_months())
    month = period.start
    while month <= period.end:
        if month not in released:
            raise ValidationError(
                f"The figures for {month:%B %Y} are not published yet (each month is "
                "published a week after it ends): end the review's period earlier."
            )
        month = next_month(month)
    return period


def review_publish(*, review: Review, approver: User) -> Review:
    """Approve and publish. The author cannot approve their own review. The usage figures
    for the review's period and scope, as the public usage pages show them, are frozen into
    it, with the evidence it cites (coverage, scenarios, search demand, visitor feedback);
    from then on the review is final (Review.save, and the database's triggers).

    The evidence is worked out first, by direct calls to the apps that own it (a
    scenario's figures take seconds), and only then is the review's row locked, checked
    again and written, in one short transaction."""
    review = Review.objects.get(pk=review.pk)  # as stored, not as the caller holds it
    _check_may_publish(review, approver)
    # Months due are released first (the daily command normally has), each in its own
    # transaction, so the review freezes figures that are published.
    release.release()
    demand_release.release()
    feedback_release.release()
    scope = review_scope(review)
    cited = {
        **coverage_evidence.for_review(review),
        **demand_evidence.for_review(review),
        **feedback_evidence.for_review(review, scope),
    }
    scenarios = coverage_evidence.scenarios_for(review)
    with transaction.atomic():
        review = Review.objects.select_for_update().get(pk=review.pk)
        _check_may_publish(review, approver)
        snapshot = usage.snapshot(review_period(review), review_scope(review))
        evidence = cited | coverage_evidence.freeze(scenarios)
        if evidence:
            snapshot["evidence"] = evidence
        review.snapshot = snapshot
        review.status = ReviewStatus.PUBLISHED
        review.approved_by = approver
        review.published_at = timezone.now()
        review.save()
    return review


def _check_may_publish(review: Review, approver: User) -> None:
    if not approver.has_perm("reviews.publish_review"):
        raise PermissionDenied("You cannot approve reviews.")
    if review.author_id == approver.pk:
        raise ValidationError("A second person must approve a review: not its author.")
    if review.status == ReviewStatus.PUBLISHED:
        raise ValidationError("This review is already published.")


@transaction.atomic
def review_correct(*, review: Review, user: User, text: str) -> Correction:
    """Add a dated, signed correction to a published review (the only way it changes)."""
    if not user.has_perm("reviews.add_correction"):
        raise PermissionDenied("You cannot correct reviews.")
    if not review.is_published:
        raise ValidationError("Edit the draft instead: corrections are for published reviews.")
    if not text.strip():
        raise ValidationError("Say what is corrected.")
    return Correction.objects.create(
        review=review, text=text.strip(), made_by=user, made_on=local(timezone.now()).date()
    )


@transaction.atomic
def recommendation_progress(
    *, recommendation: Recommendation, user: User, text: str, status: str
) -> ProgressUpdate:
    if not user.has_perm("reviews.add_progressupdate"):
        raise PermissionDenied("You cannot record progress.")
    if status not in RecommendationStatus.values:
        raise ValidationError("Choose the recommendation's status after this update.")
    if not text.strip():
        raise ValidationError("Say what was done.")
    update = ProgressUpdate.objects.create(
        recommendation=recommendation,
        text=text.strip(),
        status=status,
        made_by=user,
        made_on=local(timezone.now()).date(),
    )
    recommendation.status = status
    recommendation.save(update_fields=["status"])
    return update


@transaction.atomic
def review_cite_scenarios(*, review: Review, scenarios: list[Scenario]) -> None:
    """A draft review cites these coverage scenarios (and no others): their figures are
    frozen with it when it is published."""
    if Review.objects.filter(pk=review.pk, status=ReviewStatus.PUBLISHED).exists():
        raise ValidationError("A published review cites what it cited when it was published.")
    chosen = [s.pk for s in scenarios]
    Scenario.objects.filter(review=review, frozen__isnull=True).exclude(pk__in=chosen).update(
        review=None
    )
    Scenario.objects.filter(pk__in=chosen, frozen__isnull=True).update(review=review)
