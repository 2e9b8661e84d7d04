"""Writes to contact points whose side effects reach other apps: a place's hours decide the
sessions officers staff, so the apps that follow hours (settings.HOURS_LISTENERS: visits)
are told, in the same transaction, whenever a place or its hours change. The back office,
the importer and the demo call these alike (docs/architecture.md, "One write rule").

Every write to what the pages show also changes the `places` data version — a trigger in the
database does that, whatever path the write takes (core.versions)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import transaction

from core import hooks

from . import prepared
from .models import ContactPoint


@transaction.atomic
def contact_point_save(*, contact_point: ContactPoint, user: Any = None) -> ContactPoint:
    """Check and save a contact point's own fields; its hours may have changed with it (its
    status, its bank holiday policy). `user`: who, for the record (the back office keeps
    the history of changes)."""
    contact_point.full_clean(exclude=["replaces", "photo"])
    contact_point.save()
    hours_changed(contact_point_id=contact_point.pk)
    return contact_point


@transaction.atomic
def contact_point_publish(*, contact_point: ContactPoint, published: bool) -> bool:
    """Publish or unpublish; returns whether anything changed."""
    if contact_point.is_published == published:
        return False
    contact_point.is_published = published
    contact_point.save(update_fields=["is_published", "updated_at"])
    hours_changed(contact_point_id=contact_point.pk)
    return True


def hours_changed(*, contact_point_id: int) -> None:
    """A place's hours (its rules, exceptions, status or policy) were written in this
    transaction: the apps that follow them catch up before it commits, and its exports are
    worked out once it has (`prepared`)."""
    hours_changed_many(contact_point_ids=[contact_point_id])


def hours_changed_many(
    *, contact_point_ids: Sequence[int], created_ids: Sequence[int] = ()
) -> None:
    """As `hours_changed`, for many places written together (an import): their exports
    worked out in one pass once the transaction commits. `created_ids`: places created in
    this transaction, which nothing follows yet (no session can be scheduled at them)."""
    if contact_point_ids:
        hooks.tell("HOURS_LISTENERS", "hours_changed", contact_point_ids=list(contact_point_ids))
    if contact_point_ids or created_ids:
        prepared.after_edit(*contact_point_ids, *created_ids)
