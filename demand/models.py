"""Search demand: how many finder searches, from which postcode district (or coarse grid
square), at which hour, asking for what, and how far the nearest open contact point was —
counted per day, and nothing else. No address, full postcode, IP address or cookie is ever
kept; requests sent with Global Privacy Control or Do Not Track are not counted
(docs/demand.md)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class Walk(models.TextChoices):
    """The walk to the nearest contact point open at the moment searched for, in bands."""

    WITHIN_10 = "10", "10 minutes or less"
    WITHIN_20 = "20", "11 to 20 minutes"
    WITHIN_30 = "30", "21 to 30 minutes"
    OVER_30 = "over", "over 30 minutes, or none open nearby"


UNMET = (Walk.WITHIN_30, Walk.OVER_30)  # no place open within 20 minutes' walk


class SearchCount(models.Model):
    """Searches on one London day, from one area, in one hour, of one kind."""

    day = models.DateField()
    area = models.CharField(max_length=16, help_text='A postcode district ("W2") or grid square')
    hour = models.PositiveSmallIntegerField(help_text="0–23, London time")
    open_now = models.BooleanField(help_text='"Open now" or an "open at" time was asked for')
    facility = models.BooleanField(help_text="A facility was asked for")
    walk = models.CharField(max_length=4, choices=Walk.choices)
    synthetic = models.BooleanField(default=False, help_text="Made up for the demo")
    count = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "area", "hour", "open_now", "facility", "walk", "synthetic"],
                name="searchcount_one_row_per_kind",
            ),
            models.CheckConstraint(name="searchcount_hour_valid", condition=Q(hour__lte=23)),
            models.CheckConstraint(
                name="searchcount_walk_valid", condition=Q(walk__in=Walk.values)
            ),
        ]
        indexes = [models.Index(fields=["day"], name="searchcount_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.area} {self.hour:02d}:00 ×{self.count}"


class DemandMonth(models.Model):
    """One released month of search demand, as published (docs/demand.md): every area of
    the published list — the gazetteer's postcode districts, the 2 km squares over London,
    and "elsewhere" — with its searches in two cells (a contact point open within 20
    minutes' walk at the time searched for, or not); London's searches by walk band and by
    hour; and how many asked for "open now" or a time, and for a facility. Each count
    carries the noise drawn at release (`reviews.noise`, budget `demand.release.BUDGET`)
    and is stored as drawn; the row is final (never updated or deleted)."""

    month = models.DateField(unique=True, help_text="The first day of the month")
    cells = models.JSONField(help_text="areas: {area: [met, unmet]}, walks, hours, asked")
    epsilon = models.FloatField(help_text="The privacy budget spent per search (ε; δ = 0)")
    synthetic = models.BooleanField(default=False, help_text="Includes synthetic demo searches")
    released_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["month"]
        constraints = [
            models.CheckConstraint(name="demandmonth_first_of_month", condition=Q(month__day=1))
        ]

    def __str__(self) -> str:
        return f"Search demand, {self.month:%B %Y}"
