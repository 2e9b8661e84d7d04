"""What every app may rely on and none owns: data versions, and the rate limits' counts."""

from __future__ import annotations

from django.db import models


class DataVersion(models.Model):
    """A number that changes, in the same transaction, whenever a kind of published data
    does (`core.versions`): cached pages and each worker's copies are kept under it, so a
    change reaches every worker at its next request and nothing made before it survives."""

    name = models.CharField(max_length=32, primary_key=True)
    value = models.BigIntegerField(default=1)

    def __str__(self) -> str:
        return f"{self.name}: {self.value}"


class RateWindow(models.Model):
    """How many requests one client made in one window of a rate limit (core.client): one
    row per client, limit and window, counted by a single upsert so every worker counts
    together. Rows are removed once their window is over."""

    key = models.CharField(max_length=150, primary_key=True)
    count = models.PositiveIntegerField(default=0)
    expires = models.DateTimeField(db_index=True)

    class Meta:
        db_table = "contactpoints_ratewindow"  # its name from before it moved here

    def __str__(self) -> str:
        return f"{self.key}: {self.count}"


class Job(models.Model):
    """Expensive work under way in the background (`core.background`): one row per piece
    of work, so every worker knows it is being done and how much is running at once."""

    key = models.CharField(max_length=200, primary_key=True)
    # One of BACKGROUND_MAX_RUNNING places, unique, so the database itself refuses work
    # beyond the cap however many processes start some at the same moment.
    slot = models.PositiveSmallIntegerField(unique=True)
    started_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.key
