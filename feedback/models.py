"""Visitor feedback: four multiple-choice answers about one visit to one contact point, with
the London day it was given — nothing else. No free text, no time of day (it could be
matched to a visit logged at the counter), no address, no cookie identifier (docs/feedback.md)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from contactpoints.models import ContactPoint
from visits.models import HeardVia


class FoundEasily(models.TextChoices):
    YES = "yes", "Yes, easily"
    WITH_DIFFICULTY = "difficult", "Yes, with some difficulty"
    NO = "no", "No"


class SpokePrivately(models.TextChoices):
    YES = "yes", "Yes"
    NO = "no", "No"
    NOT_NEEDED = "not_needed", "I did not need to"


class GotWhatNeeded(models.TextChoices):
    YES = "yes", "Yes"
    PARTLY = "partly", "Partly"
    NO = "no", "No"


HEARD_CHOICES = [(v, label) for v, label in HeardVia.choices if v != HeardVia.NOT_ASKED]

QUESTIONS = {
    "found_easily": ("Did you find this contact point easily?", FoundEasily.choices),
    "spoke_privately": ("Could you speak privately?", SpokePrivately.choices),
    "got_what_needed": ("Did you get what you came for?", GotWhatNeeded.choices),
    "heard_via": ("How did you hear about it?", HEARD_CHOICES),
}


class Response(models.Model):
    contact_point = models.ForeignKey(
        ContactPoint, on_delete=models.PROTECT, related_name="feedback"
    )
    day = models.DateField(help_text="London day given; no time of day is kept")
    found_easily = models.CharField(max_length=16, choices=FoundEasily.choices)
    spoke_privately = models.CharField(max_length=16, choices=SpokePrivately.choices)
    got_what_needed = models.CharField(max_length=16, choices=GotWhatNeeded.choices)
    heard_via = models.CharField(max_length=16, choices=HEARD_CHOICES)
    synthetic = models.BooleanField(default=False, help_text="Made up for the demo")

    class Meta:
        indexes = [models.Index(fields=["day"], name="feedback_response_day")]
        constraints = [
            models.CheckConstraint(
                name="feedback_found_valid", condition=Q(found_easily__in=FoundEasily.values)
            ),
            models.CheckConstraint(
                name="feedback_private_valid",
                condition=Q(spoke_privately__in=SpokePrivately.values),
            ),
            models.CheckConstraint(
                name="feedback_got_valid", condition=Q(got_what_needed__in=GotWhatNeeded.values)
            ),
        ]

    def __str__(self) -> str:
        return f"Feedback for {self.contact_point_id} on {self.day}"


class FeedbackMonth(models.Model):
    """One released month of answers, as published (docs/feedback.md): for every contact
    point, its responses and each question's answers, each count with the noise drawn at
    release (`reviews.noise`, budget `feedback.release.BUDGET`) and stored as drawn. The
    row is final (never updated or deleted)."""

    month = models.DateField(unique=True, help_text="The first day of the month")
    cells = models.JSONField(help_text='{contact point id: {"responses": n, "question:answer": n}}')
    epsilon = models.FloatField(help_text="The privacy budget spent per answer (ε; δ = 0)")
    synthetic = models.BooleanField(default=False, help_text="Includes synthetic demo answers")
    released_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["month"]
        constraints = [
            models.CheckConstraint(name="feedbackmonth_first_of_month", condition=Q(month__day=1))
        ]

    def __str__(self) -> str:
        return f"Visitor feedback, {self.month:%B %Y}"


class UsedTicket(models.Model):
    """A feedback form's ticket that has been used (its nonce): a replay is refused by the
    unique constraint, whatever a cache does. Forgotten once the ticket has expired (a day:
    `feedback.forms.OLDEST_SECONDS`), by the daily command."""

    nonce = models.CharField(max_length=32, unique=True)
    used_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return f"Ticket used at {self.used_at:%Y-%m-%d %H:%M}"
