"""Data versions change in the transaction of every write to what they cover, whatever path
the write takes, and never come back to a value they had."""

from __future__ import annotations

from datetime import time

import pytest
from django.db import connection, transaction

from core import versions
from tests.factories import ContactPointFactory, OpeningRuleFactory

pytestmark = pytest.mark.django_db

COVERED = {
    versions.PLACES: ["contactpoints_contactpoint", "contactpoints_contactpoint_replaces",
                      "contactpoints_openingrule", "contactpoints_hoursexception",
                      "contactpoints_factcheck"],
    versions.AREAS: ["places_postcode", "places_area", "places_population"],
    versions.FIGURES: ["visits_usagerelease", "visits_usagemonth", "demand_demandmonth",
                       "feedback_feedbackmonth"],
}  # fmt: skip


def test_every_covered_table_has_its_triggers() -> None:
    """SQLite drops a table's triggers when a migration rebuilds the table: such a
    migration must install them again (core.versions.bumped_by), or this fails."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger'")
        else:
            cursor.execute("SELECT tgrelid::regclass::text, tgname FROM pg_trigger")
        found = {(table.strip('"'), name) for table, name in cursor.fetchall()}
    for name, tables in COVERED.items():
        for table in tables:
            assert any(t == table and f"_bumps_{name}" in n for t, n in found), (table, name)


def test_plain_sql_changes_the_version_in_its_transaction() -> None:
    cp = ContactPointFactory()
    rule = OpeningRuleFactory(contact_point=cp, weekday=2, opens=time(19), closes=time(20))
    before = versions.current(versions.PLACES)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE contactpoints_openingrule SET closes = %s WHERE id = %s", ["21:00:00", rule.pk]
        )
    others = versions.current(versions.FIGURES, versions.AREAS)
    assert versions.current(versions.PLACES) != before
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM contactpoints_openingrule WHERE id = %s", [rule.pk])
    assert versions.current(versions.FIGURES, versions.AREAS) == others  # only its own


def test_a_version_never_comes_back_after_a_rollback() -> None:
    """A worker may have built its copy under a version inside a transaction that rolled
    back; the next change must not reuse that number for other data."""
    cp = ContactPointFactory()
    seen = []
    for name in ("first", "second"):
        with transaction.atomic():
            cp.name = name
            cp.save()
            seen.append(versions.current(versions.PLACES)[0])
            transaction.set_rollback(True)
    assert seen[0] != seen[1]
