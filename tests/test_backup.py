"""A backup can be restored, and the restored database holds every visit (and its
history), on SQLite and on PostgreSQL alike."""

from __future__ import annotations

import io
import uuid
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from core.time import LONDON
from publishing import rollup
from tests.factories import ContactPointFactory, staff_user
from users import roles
from visits import services
from visits.models import StaffedSession, Visit

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_restored_backup_holds_every_visit(tmp_path: Path) -> None:
    manager = staff_user("manager", roles.MANAGER)
    place = ContactPointFactory()
    start = datetime(2026, 11, 25, 19, tzinfo=LONDON)
    session = StaffedSession.objects.create(
        contact_point=place, scheduled_start=start, scheduled_end=start + timedelta(hours=1),
        actual_start=start, state="held",
    )  # fmt: skip
    keys = {uuid.uuid4() for _ in range(25)}
    for n, key in enumerate(sorted(keys)):
        services.visit_log(
            user=manager, idempotency_key=key, session=session, purpose="advice",
            arrived_at=start + timedelta(minutes=n),
        )  # fmt: skip
    path = tmp_path / "contactpoints.backup"
    call_command("backup_database", str(path), stdout=io.StringIO())
    with pytest.raises(CommandError, match="exists"):
        call_command("backup_database", str(path), stdout=io.StringIO())

    Visit.history.all().delete()
    Visit.objects.all().delete()  # the disaster
    call_command("restore_database", str(path), "--yes", stdout=io.StringIO())
    assert set(Visit.objects.values_list("idempotency_key", flat=True)) == keys
    assert Visit.history.count() == 25
    assert rollup.usage_verify() == []


def test_restoring_needs_a_backup(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="No backup at"):
        call_command("restore_database", str(tmp_path / "missing"), "--yes")
