"""`hours_changed`: sent after a commit that changed a contact point's hours (its rules,
exceptions, bank holiday policy or status), so that other apps can follow. The visits
app regenerates the sessions that have not started yet (see visits.services)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import Signal, receiver

from . import pagecache
from .models import ContactPoint, FactCheck, HoursException, OpeningRule

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


def _public_data_changed(sender: Any, **kwargs: Any) -> None:
    """Any change to what public pages show makes every cached page stale (pagecache)."""
    pagecache.changed()


# Only the models public pages show: every other save (a visit logged at a counter, say)
# is not slowed by this.
for _shown in (ContactPoint, OpeningRule, HoursException, FactCheck):
    post_save.connect(_public_data_changed, sender=_shown, dispatch_uid=f"pagecache-{_shown}")
    post_delete.connect(_public_data_changed, sender=_shown, dispatch_uid=f"pagecache-d-{_shown}")
m2m_changed.connect(
    _public_data_changed, sender=ContactPoint.replaces.through, dispatch_uid="pagecache-lineage"
)
