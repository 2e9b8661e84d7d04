"""`hours_changed`: sent after a commit that changed a contact point's hours (its rules,
exceptions, bank holiday policy or status), so that other apps can follow. The visits
app regenerates the sessions that have not started yet (see visits.services)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import Signal, receiver

from .models import ContactPoint, HoursException, OpeningRule

hours_changed = Signal()  # keyword argument: contact_point_id


def announce(contact_point_id: int) -> None:
    """Send `hours_changed` once the current transaction commits (at once outside one)."""
    transaction.on_commit(
        lambda: hours_changed.send(sender=ContactPoint, contact_point_id=contact_point_id)
    )


@receiver(post_save, sender=OpeningRule)
@receiver(post_delete, sender=OpeningRule)
@receiver(post_save, sender=HoursException)
@receiver(post_delete, sender=HoursException)
def _hours_row_changed(sender: Any, instance: OpeningRule | HoursException, **kwargs: Any) -> None:
    announce(instance.contact_point_id)


@receiver(post_save, sender=ContactPoint)
def _contact_point_saved(sender: Any, instance: ContactPoint, **kwargs: Any) -> None:
    announce(instance.pk)
