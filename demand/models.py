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
    count = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "area", "hour", "open_now", "facility", "walk"],
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
