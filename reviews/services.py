"""Writes to reviews: publishing (with a second person's approval and frozen figures) and
progress on recommendations. The acting user is passed explicitly."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from contactpoints.models import ContactPoint
from users.models import User

from . import usage
from .models import ProgressUpdate, Recommendation, RecommendationStatus, Review, ReviewStatus


def review_scope(review: Review) -> object:
    chosen = review.contact_points.all()
    if chosen.exists():
        return ContactPoint.objects.filter(pk__in=chosen.values("pk"))
    return ContactPoint.objects.published()


@transaction.atomic
def review_publish(*, review: Review, approver: User) -> Review:
    """Approve and publish. The author cannot approve their own review. The usage figures
    for the review's period and scope are frozen into it: later changes to visits never
    change a published review."""
    review = Review.objects.select_for_update().get(pk=review.pk)
    if not approver.has_perm("reviews.publish_review"):
        raise PermissionDenied("You cannot approve reviews.")
    if review.author_id == approver.pk:
        raise ValidationError("A second person must approve a review: not its author.")
    if review.status == ReviewStatus.PUBLISHED:
        raise ValidationError("This review is already published.")
    period = usage.Period(review.period_start, review.period_end)
    review.snapshot = usage.snapshot(period, review_scope(review))  # type: ignore[arg-type]
    review.status = ReviewStatus.PUBLISHED
    review.approved_by = approver
    review.published_at = timezone.now()
    review.save()
    return review


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
        recommendation=recommendation, text=text.strip(), status=status
    )
    recommendation.status = status
    recommendation.save(update_fields=["status"])
    return update
