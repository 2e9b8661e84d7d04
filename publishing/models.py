"""The figures the public may see of how contact points are used: the daily roll-up of the
visits, the months released to the public and their published cells (docs/usage-figures.md).

The tables keep the names they had when they lived in `visits` (`visits_usageday`, …): the
models moved, the data did not.

The roll-up's columns are written out: one per category of each of a visit's answers (a
*family*: purpose, how they heard, private room, how it was recorded, outcome) and one per
hour of arrival. `FAMILIES` names them; a system check (`publishing.checks`) fails when a
visit gains a category without its column.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q

from contactpoints.models import ContactPoint
from visits.models import HeardVia, Outcome, PrivateRoom, Purpose, Source

# Each family splits a day's (or month's) visits into parts: column prefix -> (the Visit
# field it counts, its choices). Columns are "<prefix>_<value>": purpose_report_crime, ….
FAMILIES: dict[str, tuple[str, type[models.TextChoices]]] = {
    "purpose": ("purpose", Purpose),
    "heard": ("heard_via", HeardVia),
    "room": ("private_room", PrivateRoom),
    "source": ("source", Source),
    "outcome": ("outcome", Outcome),
}
TALLIES: dict[str, tuple[str, str]] = {
    f"{prefix}_{value}": (field, str(value))
    for prefix, (field, choices) in FAMILIES.items()
    for value in choices.values
}
# Visits by London hour of arrival (hour_00 … hour_23); with the day's weekday they make
# the weekday × hour table.
HOURS: list[str] = [f"hour_{h:02d}" for h in range(24)]


class UsageDay(models.Model):
    """Counted visits per contact point per London day, by category and by hour: kept in
    step with the visits inside each writer's transaction (`publishing.rollup`, called by
    `visits.services`), rebuilt from them by `manage.py rebuild_usage`, checked by
    `manage.py verify_usage`. Figures over a year read thousands of rows, not hundreds of
    thousands of visits."""

    contact_point = models.ForeignKey(
        ContactPoint, on_delete=models.CASCADE, related_name="usage_days"
    )
    day = models.DateField()
    visits = models.PositiveIntegerField(default=0)
    # Purpose: visits by `Visit.purpose`
    purpose_report_crime = models.PositiveIntegerField(default=0)
    purpose_anti_social = models.PositiveIntegerField(default=0)
    purpose_property = models.PositiveIntegerField(default=0)
    purpose_bail = models.PositiveIntegerField(default=0)
    purpose_documents = models.PositiveIntegerField(default=0)
    purpose_advice = models.PositiveIntegerField(default=0)
    purpose_safety = models.PositiveIntegerField(default=0)
    purpose_other = models.PositiveIntegerField(default=0)
    # HeardVia: visits by `Visit.heard_via`
    heard_not_asked = models.PositiveIntegerField(default=0)
    heard_poster = models.PositiveIntegerField(default=0)
    heard_website = models.PositiveIntegerField(default=0)
    heard_police_uk = models.PositiveIntegerField(default=0)
    heard_word_of_mouth = models.PositiveIntegerField(default=0)
    heard_passing_by = models.PositiveIntegerField(default=0)
    heard_referred = models.PositiveIntegerField(default=0)
    heard_other = models.PositiveIntegerField(default=0)
    # PrivateRoom: visits by `Visit.private_room`
    room_not_needed = models.PositiveIntegerField(default=0)
    room_used = models.PositiveIntegerField(default=0)
    room_asked_not_available = models.PositiveIntegerField(default=0)
    # Source: visits by `Visit.source`
    source_counter = models.PositiveIntegerField(default=0)
    source_admin = models.PositiveIntegerField(default=0)
    source_import = models.PositiveIntegerField(default=0)
    source_schedule = models.PositiveIntegerField(default=0)
    source_synthetic = models.PositiveIntegerField(default=0)
    # Outcome: visits by `Visit.outcome`
    outcome_not_recorded = models.PositiveIntegerField(default=0)
    outcome_crime_report = models.PositiveIntegerField(default=0)
    outcome_advice = models.PositiveIntegerField(default=0)
    outcome_referred_101 = models.PositiveIntegerField(default=0)
    outcome_referred_online = models.PositiveIntegerField(default=0)
    outcome_appointment = models.PositiveIntegerField(default=0)
    outcome_other = models.PositiveIntegerField(default=0)
    # Visits by London hour of arrival
    hour_00 = models.PositiveIntegerField(default=0)
    hour_01 = models.PositiveIntegerField(default=0)
    hour_02 = models.PositiveIntegerField(default=0)
    hour_03 = models.PositiveIntegerField(default=0)
    hour_04 = models.PositiveIntegerField(default=0)
    hour_05 = models.PositiveIntegerField(default=0)
    hour_06 = models.PositiveIntegerField(default=0)
    hour_07 = models.PositiveIntegerField(default=0)
    hour_08 = models.PositiveIntegerField(default=0)
    hour_09 = models.PositiveIntegerField(default=0)
    hour_10 = models.PositiveIntegerField(default=0)
    hour_11 = models.PositiveIntegerField(default=0)
    hour_12 = models.PositiveIntegerField(default=0)
    hour_13 = models.PositiveIntegerField(default=0)
    hour_14 = models.PositiveIntegerField(default=0)
    hour_15 = models.PositiveIntegerField(default=0)
    hour_16 = models.PositiveIntegerField(default=0)
    hour_17 = models.PositiveIntegerField(default=0)
    hour_18 = models.PositiveIntegerField(default=0)
    hour_19 = models.PositiveIntegerField(default=0)
    hour_20 = models.PositiveIntegerField(default=0)
    hour_21 = models.PositiveIntegerField(default=0)
    hour_22 = models.PositiveIntegerField(default=0)
    hour_23 = models.PositiveIntegerField(default=0)

    class Meta:
        db_table = "visits_usageday"
        constraints = [
            models.UniqueConstraint(fields=["contact_point", "day"], name="usageday_unique_day")
        ]
        indexes = [models.Index(fields=["day"], name="usageday_day")]

    def __str__(self) -> str:
        return f"{self.contact_point_id} {self.day}: {self.visits}"


class UsageRelease(models.Model):
    """A calendar month whose usage figures have been released to the public. Figures for a
    month are published once it has ended (and a few days more, for late paper sheets), and
    from then on come from `UsageMonth`, never from the live visits."""

    month = models.DateField(unique=True, help_text="The first day of the month.")
    released_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "visits_usagerelease"
        ordering = ["month"]
        constraints = [
            models.CheckConstraint(name="usagerelease_first_of_month", condition=Q(month__day=1))
        ]

    def __str__(self) -> str:
        return f"{self.month:%B %Y}"


class UsageMonthQuerySet(models.QuerySet["UsageMonth"]):
    def current(self) -> UsageMonthQuerySet:
        """The figures the public reads now: the latest revision of each month."""
        return self.filter(superseded=False)


class UsageMonth(models.Model):
    """One contact point's published figures for one released month: the only source of
    public usage figures (see docs/usage-figures.md).

    Visitor counts are stored as published: disclosure control is applied when the row is
    written, and a hidden count is NULL. Every public figure for a longer period, a borough
    or all contact points is a sum of these cells, so no combination of public outputs can
    reveal more than the cells themselves. Session figures are about staff time, not
    visitors, and are exact.

    A published row is final in the database itself (triggers: `core.finality`): it is
    never updated or deleted, except that a revision marks it `superseded` and adds the
    next revision beside it. A change to a released month's visits or sessions is noted in
    `UsageRevisionDue` and published only when it is safe (`publishing.release`)."""

    contact_point = models.ForeignKey(
        ContactPoint, on_delete=models.PROTECT, related_name="usage_months"
    )
    month = models.DateField(help_text="The first day of the month.")
    revision = models.PositiveSmallIntegerField(default=0, help_text="0: as first released.")
    superseded = models.BooleanField(
        default=False, help_text="A later revision of the same month replaced it."
    )
    sessions_advertised = models.PositiveIntegerField(default=0)
    sessions_held = models.PositiveIntegerField(default=0)
    advertised_seconds = models.PositiveBigIntegerField(default=0)
    staffed_seconds = models.PositiveBigIntegerField(
        default=0, help_text="Time an officer was there within the advertised hours."
    )
    visits = models.PositiveIntegerField(null=True, help_text="NULL: hidden (0 to k − 1).")
    sessions_with_visitor = models.PositiveIntegerField(null=True, help_text="NULL: hidden.")
    # The families' cells as published (NULL: hidden)
    # Purpose: visits by `Visit.purpose`
    purpose_report_crime = models.PositiveIntegerField(null=True)
    purpose_anti_social = models.PositiveIntegerField(null=True)
    purpose_property = models.PositiveIntegerField(null=True)
    purpose_bail = models.PositiveIntegerField(null=True)
    purpose_documents = models.PositiveIntegerField(null=True)
    purpose_advice = models.PositiveIntegerField(null=True)
    purpose_safety = models.PositiveIntegerField(null=True)
    purpose_other = models.PositiveIntegerField(null=True)
    # HeardVia: visits by `Visit.heard_via`
    heard_not_asked = models.PositiveIntegerField(null=True)
    heard_poster = models.PositiveIntegerField(null=True)
    heard_website = models.PositiveIntegerField(null=True)
    heard_police_uk = models.PositiveIntegerField(null=True)
    heard_word_of_mouth = models.PositiveIntegerField(null=True)
    heard_passing_by = models.PositiveIntegerField(null=True)
    heard_referred = models.PositiveIntegerField(null=True)
    heard_other = models.PositiveIntegerField(null=True)
    # PrivateRoom: visits by `Visit.private_room`
    room_not_needed = models.PositiveIntegerField(null=True)
    room_used = models.PositiveIntegerField(null=True)
    room_asked_not_available = models.PositiveIntegerField(null=True)
    # Source: visits by `Visit.source`
    source_counter = models.PositiveIntegerField(null=True)
    source_admin = models.PositiveIntegerField(null=True)
    source_import = models.PositiveIntegerField(null=True)
    source_schedule = models.PositiveIntegerField(null=True)
    source_synthetic = models.PositiveIntegerField(null=True)
    # Outcome: visits by `Visit.outcome`
    outcome_not_recorded = models.PositiveIntegerField(null=True)
    outcome_crime_report = models.PositiveIntegerField(null=True)
    outcome_advice = models.PositiveIntegerField(null=True)
    outcome_referred_101 = models.PositiveIntegerField(null=True)
    outcome_referred_online = models.PositiveIntegerField(null=True)
    outcome_appointment = models.PositiveIntegerField(null=True)
    outcome_other = models.PositiveIntegerField(null=True)
    details = models.JSONField(
        default=dict,
        help_text="Weekday-hour cells as published: see `when_cell`.",
    )
    synthetic = models.BooleanField(
        default=False, help_text="The month includes synthetic demo visits."
    )
    released_at = models.DateTimeField(auto_now_add=True)

    objects = UsageMonthQuerySet.as_manager()

    class Meta:
        db_table = "visits_usagemonth"
        constraints = [
            models.UniqueConstraint(
                fields=["contact_point", "month"],
                condition=Q(superseded=False),
                name="usagemonth_one_current",
            ),
            models.UniqueConstraint(
                fields=["contact_point", "month", "revision"], name="usagemonth_revision_unique"
            ),
            models.CheckConstraint(name="usagemonth_first_of_month", condition=Q(month__day=1)),
        ]
        indexes = [models.Index(fields=["month"], name="usagemonth_month")]

    def __str__(self) -> str:
        return f"{self.contact_point_id} {self.month:%Y-%m} (revision {self.revision})"


# The weekday × hour cells (when_<ISO weekday>_<hour>) are kept in `details`: the shown
# ones by key; when any is hidden, `MASKED` is set and every absent cell is hidden (zeros
# are hidden like small counts), otherwise an absent cell is zero.
WHEN_KEYS = [f"when_{day}_{hour:02d}" for day in range(1, 8) for hour in range(24)]
MASKED = "_when_masked"


def when_cell(details: dict[str, Any], key: str) -> int | None:
    """One weekday × hour cell of a stored month, as published (None: hidden)."""
    if key in details:
        return details[key]  # type: ignore[no-any-return]
    return None if details.get(MASKED) else 0


def when_details(published: dict[str, int | None]) -> dict[str, Any]:
    """The weekday × hour cells of a protected month, as `UsageMonth.details` keeps them."""
    cells = {key: published.get(key, 0) for key in WHEN_KEYS}
    if any(value is None for value in cells.values()):
        return {MASKED: True} | {key: v for key, v in cells.items() if v is not None}
    return {key: v for key, v in cells.items() if v}


class UsageRevisionDue(models.Model):
    """A released month whose visits or sessions changed after release (a late paper sheet,
    an undone visit, a rebuilt roll-up): `publishing.release` publishes a revision once it
    is safe, then forgets the note. Bookkeeping, never shown to the public."""

    contact_point = models.ForeignKey(ContactPoint, on_delete=models.CASCADE, related_name="+")
    month = models.DateField(help_text="The first day of the month.")
    marks = models.PositiveIntegerField(
        default=1, help_text="How often a change was noted: tells the release what is new."
    )

    class Meta:
        db_table = "visits_usagerevisiondue"
        constraints = [
            models.UniqueConstraint(fields=["contact_point", "month"], name="revisiondue_unique")
        ]

    def __str__(self) -> str:
        return f"{self.contact_point_id} {self.month:%Y-%m}: {self.marks} change(s)"
