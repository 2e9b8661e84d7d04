"""Reviews of contact points: drafted in the back office, approved by a second person,
published with their figures frozen; findings per contact point; recommendations followed
to their end with dated progress updates."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse

from contactpoints.models import ContactPoint


class ReviewStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"


class ReviewIsFinal(ValidationError):
    """A published review, its findings, recommendations' wording and corrections cannot be
    changed or deleted: corrections are added, progress goes through dated updates."""

    def __init__(self, message: str = "This review is published: it cannot be changed.") -> None:
        super().__init__(message)


class FinalQuerySet(models.QuerySet[Any]):
    """Bulk updates and deletes obey the same rule as saving one object: nothing that
    belongs to a published review is rewritten or removed. `published_lookup` names the
    path to the review's status."""

    published_lookup = "review__status"

    def _touches_published(self) -> bool:
        return self.filter(**{self.published_lookup: ReviewStatus.PUBLISHED}).exists()

    def update(self, **kwargs: Any) -> int:
        if self._touches_published():
            raise ReviewIsFinal()
        return super().update(**kwargs)

    def delete(self) -> tuple[int, dict[str, int]]:
        if self._touches_published():
            raise ReviewIsFinal()
        return super().delete()


class ReviewQuerySet(FinalQuerySet):
    published_lookup = "status"

    def published(self) -> ReviewQuerySet:
        """What the public may see. Every public view starts here."""
        return self.filter(status=ReviewStatus.PUBLISHED)


class Review(models.Model):
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    period_start = models.DateField()
    period_end = models.DateField()
    contact_points = models.ManyToManyField(
        ContactPoint,
        blank=True,
        related_name="reviews",
        help_text="Leave empty for a review of all contact points.",
    )
    summary = models.TextField(help_text="A few sentences: what was found and what happens next.")
    body = models.TextField(blank=True, help_text="Markdown. Shown sanitised.")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reviews_written"
    )
    status = models.CharField(
        max_length=16, choices=ReviewStatus.choices, default=ReviewStatus.DRAFT
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reviews_approved",
    )
    published_at = models.DateTimeField(null=True, blank=True)
    # Evidence beyond the usage figures, frozen into the snapshot at publication by the
    # apps that own it (reviews.signals.review_publishing).
    cites_coverage = models.BooleanField(
        "cite coverage", default=False,
        help_text="Freeze London's and each borough's coverage figures (this week) with it.",
    )  # fmt: skip
    cites_demand = models.BooleanField(
        "cite search demand", default=False,
        help_text="Freeze the published search demand for its period with it.",
    )  # fmt: skip
    cites_feedback = models.BooleanField(
        "cite visitor feedback", default=False,
        help_text="Freeze its contact points' published visitor feedback for its period.",
    )  # fmt: skip
    snapshot = models.JSONField(
        null=True, blank=True, editable=False, help_text="Usage figures frozen at publication."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ReviewQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-created_at"]
        permissions = [("publish_review", "Can approve and publish a review")]
        constraints = [
            models.CheckConstraint(
                name="review_period_order", condition=Q(period_end__gte=F("period_start"))
            ),
            models.CheckConstraint(
                name="review_status_valid", condition=Q(status__in=ReviewStatus.values)
            ),
            models.CheckConstraint(
                name="review_published_is_approved_by_another",
                condition=Q(status=ReviewStatus.DRAFT)
                | (
                    Q(approved_by__isnull=False, published_at__isnull=False, snapshot__isnull=False)
                    & ~Q(approved_by=F("author"))
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args: Any, **kwargs: Any) -> None:
        # The rule lives here so the back office, the shell and any future API obey it:
        # publishing is the last change a review's own row ever takes.
        if self._stored_is_published():
            raise ReviewIsFinal()
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("reviews:review", kwargs={"slug": self.slug})

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        if self._stored_is_published():
            raise ReviewIsFinal("A published review cannot be deleted.")
        return super().delete(*args, **kwargs)

    def _stored_is_published(self) -> bool:
        return (
            self.pk is not None
            and Review.objects.filter(pk=self.pk, status=ReviewStatus.PUBLISHED).exists()
        )

    @property
    def is_published(self) -> bool:
        return self.status == ReviewStatus.PUBLISHED


def _review_is_published(review_id: int | None) -> bool:
    return (
        review_id is not None
        and Review.objects.filter(pk=review_id, status=ReviewStatus.PUBLISHED).exists()
    )


class PartOfReview(models.Model):
    """Findings, recommendations, corrections and progress: once their review is published
    they are never rewritten or deleted (corrections and progress updates are only added)."""

    #: Fields that may still change after publication (a recommendation's status, which
    #: follows its progress updates).
    CHANGEABLE_WHEN_PUBLISHED: frozenset[str] = frozenset()
    #: Whether new rows may be added to a published review.
    ADDED_AFTER_PUBLICATION = False

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if _review_is_published(self._review_id()):
            fields = kwargs.get("update_fields")
            adding = self._state.adding
            allowed = (adding and self.ADDED_AFTER_PUBLICATION) or (
                not adding and fields is not None and set(fields) <= self.CHANGEABLE_WHEN_PUBLISHED
            )
            if not allowed:
                raise ReviewIsFinal()
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        if _review_is_published(self._review_id()):
            raise ReviewIsFinal("Nothing in a published review can be deleted.")
        return super().delete(*args, **kwargs)

    def _review_id(self) -> int | None:
        return self.review_id  # type: ignore[attr-defined, no-any-return]


class AddedOnly(PartOfReview):
    """A record that is only ever added — dated by the server and signed by who made it —
    and never rewritten or deleted, even to a published review."""

    ADDED_AFTER_PUBLICATION = True

    made_on = models.DateField(editable=False, help_text="Set by the server.")
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        editable=False,
        related_name="%(app_label)s_%(class)s_made",
    )
    text = models.TextField()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ReviewIsFinal("This record is never rewritten: add another.")
        super().save(*args, **kwargs)


class Correction(AddedOnly):
    """A change to a published review, said openly (see `reviews.services.review_correct`)."""

    review = models.ForeignKey(Review, on_delete=models.PROTECT, related_name="corrections")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = FinalQuerySet.as_manager()

    class Meta:
        ordering = ["made_on", "pk"]

    def __str__(self) -> str:
        return f"{self.review}: correction of {self.made_on}"


class Topic(models.TextChoices):
    LOCATION = "location", "Location"
    OPENING_TIMES = "opening_times", "Opening times"
    LOOK_AND_FEEL = "look_and_feel", "Look and feel"
    PRIVACY = "privacy", "Privacy"
    PUBLICITY = "publicity", "Publicity"
    VALUE_FOR_MONEY = "value_for_money", "Value for money"
    OTHER = "other", "Other"


class Rating(models.TextChoices):
    RED = "red", "Red: serious problem"
    AMBER = "amber", "Amber: needs improvement"
    GREEN = "green", "Green: working well"


class Finding(PartOfReview):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="findings")
    contact_point = models.ForeignKey(
        ContactPoint,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="findings",
        help_text="Empty for a general finding.",
    )
    topic = models.CharField(max_length=20, choices=Topic.choices)
    rating = models.CharField(max_length=8, choices=Rating.choices)
    text = models.TextField()

    objects = FinalQuerySet.as_manager()

    class Meta:
        ordering = ["contact_point__name", "topic", "pk"]
        constraints = [
            models.CheckConstraint(name="finding_topic_valid", condition=Q(topic__in=Topic.values)),
            models.CheckConstraint(
                name="finding_rating_valid", condition=Q(rating__in=Rating.values)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_topic_display()}: {self.text[:60]}"


class RecommendationStatus(models.TextChoices):
    OPEN = "open", "Open"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    NOT_ACCEPTED = "not_accepted", "Not accepted"


UNFINISHED = [RecommendationStatus.OPEN, RecommendationStatus.IN_PROGRESS]


class RecommendationQuerySet(FinalQuerySet):
    def public(self) -> RecommendationQuerySet:
        return self.filter(review__status=ReviewStatus.PUBLISHED)

    def overdue(self, today: date) -> RecommendationQuerySet:
        return self.filter(status__in=UNFINISHED, due_on__lt=today)


class Recommendation(PartOfReview):
    CHANGEABLE_WHEN_PUBLISHED = frozenset({"status"})

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="recommendations")
    number = models.PositiveSmallIntegerField(help_text="Its number in the review: 1, 2, 3…")
    text = models.TextField()
    owner = models.CharField(
        max_length=200, help_text="Who is responsible, e.g. 'MPS Westminster'."
    )
    due_on = models.DateField("due date")
    status = models.CharField(
        max_length=16, choices=RecommendationStatus.choices, default=RecommendationStatus.OPEN
    )

    objects = RecommendationQuerySet.as_manager()

    class Meta:
        ordering = ["review", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["review", "number"], name="recommendation_number_unique"
            ),
            models.CheckConstraint(
                name="recommendation_status_valid",
                condition=Q(status__in=RecommendationStatus.values),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.review}: recommendation {self.number}"

    def is_overdue(self, today: date) -> bool:
        return self.status in UNFINISHED and self.due_on < today


class ProgressUpdateQuerySet(FinalQuerySet):
    published_lookup = "recommendation__review__status"


class ProgressUpdate(AddedOnly):
    """A dated, signed step in a recommendation's progress."""

    recommendation = models.ForeignKey(
        Recommendation, on_delete=models.PROTECT, related_name="updates"
    )
    status = models.CharField(
        "status after this update", max_length=16, choices=RecommendationStatus.choices
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ProgressUpdateQuerySet.as_manager()

    class Meta:
        ordering = ["made_on", "pk"]
        constraints = [
            models.CheckConstraint(
                name="progress_status_valid", condition=Q(status__in=RecommendationStatus.values)
            )
        ]

    def __str__(self) -> str:
        return f"{self.recommendation}: {self.made_on}"

    def _review_id(self) -> int | None:
        return (
            Recommendation.objects.filter(pk=self.recommendation_id)
            .values_list("review_id", flat=True)
            .first()
        )
