"""Staffed sessions and visits: how each contact point is really used.

No personal data: a visit records why someone came and what happened, in fixed
categories. There is deliberately no free-text field on a visit, so nothing about a
visitor or a crime can be typed in. Every change is kept in the history tables
(django-simple-history) with who made it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from contactpoints.models import ContactPoint

LATE_AFTER = timedelta(minutes=10)


class Source(models.TextChoices):
    COUNTER = "counter", "Counter page"
    ADMIN = "admin", "Back office"
    IMPORT = "import", "Imported footfall sheet"
    SCHEDULE = "schedule", "Generated from opening hours"
    SYNTHETIC = "synthetic", "Synthetic demo data"


class Assignment(models.Model):
    """An officer may see and record sessions for the contact points assigned to them."""

    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assignments"
    )
    contact_point = models.ForeignKey(
        ContactPoint, on_delete=models.CASCADE, related_name="assignments"
    )
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["officer", "contact_point"], name="assignment_unique_per_officer"
            )
        ]

    def __str__(self) -> str:
        return f"{self.officer} at {self.contact_point}"


class SessionState(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    HELD = "held", "Held"
    CANCELLED = "cancelled", "Cancelled"
    NO_OFFICER = "no_officer", "No officer available"
    VENUE_UNAVAILABLE = "venue_unavailable", "Venue unavailable"


NOT_HELD = [SessionState.CANCELLED, SessionState.NO_OFFICER, SessionState.VENUE_UNAVAILABLE]


class StaffedSessionQuerySet(models.QuerySet["StaffedSession"]):
    def visible_to(self, user: Any) -> StaffedSessionQuerySet:
        """Sessions of the contact points this user may see: all for managers and
        analysts, the assigned ones for officers."""
        if user.has_perm("visits.view_all_contact_points"):
            return self
        return self.filter(contact_point__assignments__officer=user)


class StaffedSession(models.Model):
    """One advertised opening, and what actually happened. A session with no visitors
    is a real, recorded outcome."""

    contact_point = models.ForeignKey(
        ContactPoint, on_delete=models.PROTECT, related_name="staffed_sessions"
    )
    scheduled_start = models.DateTimeField()
    scheduled_end = models.DateTimeField()
    actual_start = models.DateTimeField(null=True, blank=True)
    actual_end = models.DateTimeField(null=True, blank=True)
    state = models.CharField(
        max_length=20, choices=SessionState.choices, default=SessionState.SCHEDULED
    )
    reason = models.CharField(
        max_length=200,
        blank=True,
        help_text="Why it was not held, or why it started late. About the session only.",
    )
    notes = models.TextField(
        blank=True, help_text="About the session, never about visitors or what they reported."
    )
    officers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="staffed_sessions"
    )
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.SCHEDULE)
    visit_count = models.PositiveIntegerField(
        default=0, editable=False, help_text="Counted visits, kept in step by visits.services."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(m2m_fields=[officers], excluded_fields=["visit_count"])

    objects = StaffedSessionQuerySet.as_manager()

    class Meta:
        ordering = ["scheduled_start"]
        permissions = [
            ("view_all_contact_points", "Can see and record sessions at every contact point"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["contact_point", "scheduled_start"], name="session_unique_start"
            ),
            models.CheckConstraint(
                name="session_scheduled_order", condition=Q(scheduled_end__gt=F("scheduled_start"))
            ),
            models.CheckConstraint(
                name="session_actual_order",
                condition=Q(actual_start__isnull=True)
                | Q(actual_end__isnull=True)
                | Q(actual_end__gte=F("actual_start")),
            ),
            models.CheckConstraint(
                name="session_state_valid", condition=Q(state__in=SessionState.values)
            ),
            models.CheckConstraint(
                name="session_not_held_has_reason",
                condition=~Q(state__in=NOT_HELD) | ~Q(reason=""),
            ),
            models.CheckConstraint(
                name="session_held_has_start",
                condition=~Q(state=SessionState.HELD) | Q(actual_start__isnull=False),
            ),
        ]
        indexes = [
            models.Index(fields=["contact_point", "scheduled_start"], name="session_cp_start"),
            # Usage figures scan a period across every contact point.
            models.Index(fields=["scheduled_start"], name="session_start"),
        ]

    def __str__(self) -> str:
        return f"{self.contact_point} {self.scheduled_start:%Y-%m-%d %H:%M}"

    @property
    def is_open_for_visits(self) -> bool:
        return self.state == SessionState.HELD and self.actual_end is None

    @property
    def started_late(self) -> bool:
        return bool(self.actual_start and self.actual_start - self.scheduled_start > LATE_AFTER)


class Purpose(models.TextChoices):
    REPORT_CRIME = "report_crime", "Report a crime"
    ANTI_SOCIAL = "anti_social", "Report anti-social behaviour"
    PROPERTY = "property", "Lost or found property"
    BAIL = "bail", "Bail or signing on"
    DOCUMENTS = "documents", "Documents"
    ADVICE = "advice", "Advice or information"
    SAFETY = "safety", "Safety concern"
    OTHER = "other", "Other"


class PrivateRoom(models.TextChoices):
    NOT_NEEDED = "not_needed", "Not needed"
    USED = "used", "Used"
    ASKED_NOT_AVAILABLE = "asked_not_available", "Asked for, not available"


class HeardVia(models.TextChoices):
    NOT_ASKED = "not_asked", "Not asked"
    POSTER = "poster", "Poster"
    WEBSITE = "website", "Website"
    POLICE_UK = "police_uk", "police.uk"
    WORD_OF_MOUTH = "word_of_mouth", "Word of mouth"
    PASSING_BY = "passing_by", "Passing by"
    REFERRED = "referred", "Referred"
    OTHER = "other", "Other"


class Outcome(models.TextChoices):
    NOT_RECORDED = "not_recorded", "Not recorded"
    CRIME_REPORT = "crime_report", "Crime report taken"
    ADVICE = "advice", "Advice given"
    REFERRED_101 = "referred_101", "Referred to 101"
    REFERRED_ONLINE = "referred_online", "Referred to online reporting"
    APPOINTMENT = "appointment", "Appointment booked"
    OTHER = "other", "Other"


class VisitQuerySet(models.QuerySet["Visit"]):
    def counted(self) -> VisitQuerySet:
        """Visits that count: not withdrawn (an undone mistaken tap)."""
        return self.filter(withdrawn_at__isnull=True)

    def visible_to(self, user: Any) -> VisitQuerySet:
        if user.has_perm("visits.view_all_contact_points"):
            return self
        return self.filter(contact_point__assignments__officer=user)


class Visit(models.Model):
    """Someone came to the counter. Categories only: no names, no free text."""

    contact_point = models.ForeignKey(ContactPoint, on_delete=models.PROTECT, related_name="visits")
    session = models.ForeignKey(
        StaffedSession,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="visits",
        help_text="Empty when logged afterwards without a session.",
    )
    arrived_at = models.DateTimeField()
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    private_room = models.CharField(
        max_length=20, choices=PrivateRoom.choices, default=PrivateRoom.NOT_NEEDED
    )
    heard_via = models.CharField(
        max_length=20, choices=HeardVia.choices, default=HeardVia.NOT_ASKED
    )
    outcome = models.CharField(max_length=20, choices=Outcome.choices, default=Outcome.NOT_RECORDED)
    language_assistance = models.BooleanField(default=False)
    idempotency_key = models.UUIDField(
        unique=True, help_text="Sent by the device: a retried submission is recorded once."
    )
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.COUNTER)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="visits_recorded"
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    objects = VisitQuerySet.as_manager()

    class Meta:
        ordering = ["arrived_at"]
        constraints = [
            models.CheckConstraint(
                name="visit_purpose_valid", condition=Q(purpose__in=Purpose.values)
            ),
            models.CheckConstraint(
                name="visit_private_room_valid", condition=Q(private_room__in=PrivateRoom.values)
            ),
            models.CheckConstraint(
                name="visit_heard_via_valid", condition=Q(heard_via__in=HeardVia.values)
            ),
            models.CheckConstraint(
                name="visit_outcome_valid", condition=Q(outcome__in=Outcome.values)
            ),
        ]
        indexes = [
            models.Index(fields=["contact_point", "arrived_at"], name="visit_cp_arrived"),
            # Usage figures scan a period across every contact point.
            models.Index(fields=["arrived_at"], name="visit_arrived"),
        ]

    def __str__(self) -> str:
        when = f"{self.arrived_at:%Y-%m-%d %H:%M}"
        return f"{self.get_purpose_display()} at {self.contact_point}, {when}"


class CheckedSheet(models.Model):
    """A footfall sheet checked and shown to its officer, waiting for "confirm" (a token in
    the page): kept in a table, not a cache, so a busy cache never loses it. Removed when
    imported, or by the daily command once it has expired."""

    KEPT_FOR = timedelta(minutes=30)  # from the check to "confirm"

    token = models.CharField(max_length=32, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=255)
    content = models.BinaryField()
    checked_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return f"{self.name}, checked {self.checked_at:%Y-%m-%d %H:%M}"
