"""Scenarios: a proposed change to where and when contact points open — places removed,
added, or given new hours — whose effect on coverage staff can see, and which a draft
review can cite. Publishing the review freezes the scenario's figures with it."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from contactpoints.models import ContactPoint


class ScenarioIsFrozen(Exception):
    """A scenario cited by a published review keeps the figures it was published with."""


class Scenario(models.Model):
    name = models.CharField(max_length=200)
    notes = models.TextField(blank=True)
    week = models.DateField(help_text="The Monday of the week whose hours the change is set in.")
    removes = models.ManyToManyField(ContactPoint, blank=True, related_name="+")
    additions = models.JSONField(
        default=list,
        blank=True,
        help_text="Places added or given new hours: name, latitude, longitude, weekdays "
        "(0 = Monday), opens, closes (HH:MM), annual_cost, replaces (a contact point's id).",
    )
    review = models.ForeignKey(
        "reviews.Review",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="scenarios",
        help_text="A draft review this scenario is evidence for.",
    )
    frozen = models.JSONField(
        null=True, blank=True, editable=False, help_text="Figures as published with the review."
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk and Scenario.objects.filter(pk=self.pk, frozen__isnull=False).exists():
            raise ScenarioIsFrozen("Published with a review: make a new scenario to change it.")
        super().save(*args, **kwargs)


class WeekFigures(models.Model):
    """A week's coverage figures as worked out (`coverage.london.compute`), kept in the
    database under what they were made of — the places and areas data versions, the week,
    the method — so that no reader waits for seconds of work a cache evicted: the daily
    command works them out ahead (`coverage.tasks.warm`). Older sets are dropped as new
    ones are kept (`london.KEPT`)."""

    key = models.CharField(max_length=64, unique=True)
    # What they are made of apart from the contact points (`london._basis`): the latest set
    # with the same basis stands in while an edit's figures are worked out.
    basis = models.CharField(max_length=64, default="", db_index=True)
    made_at = models.DateTimeField(auto_now_add=True)
    data = models.BinaryField(help_text="The figures, pickled and compressed (our own data).")

    def __str__(self) -> str:
        return f"Coverage figures {self.key[:12]}… made {self.made_at:%Y-%m-%d %H:%M}"
