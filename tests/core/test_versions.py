"""Data versions change in the transaction of every write to what they cover, whatever path
the write takes, and never come back to a value they had."""

from __future__ import annotations

from datetime import time

import pytest
from django.db import connection, transaction

from core import versions
from tests import triggers
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
    found = triggers.installed()
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


@pytest.mark.django_db(transaction=True)
def test_a_kept_page_checks_its_reused_connection_with_its_one_query(monkeypatch) -> None:
    """A kept page's only query, the data versions, stands in for Django's check of a
    reused connection (no `SELECT 1` first), and still finds a connection the database
    dropped since the last request: it opens a new one and answers."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no server to drop the connection; CI runs this on PostgreSQL")
    import psycopg
    from django.test import Client

    # Persistent connections, as deployed (CONN_MAX_AGE), so the next request reuses it.
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 60)
    connection.close()
    ContactPointFactory(slug="kept")
    client = Client()
    first = client.get("/contact-points/kept/")  # made and kept; the connection stays open
    checks: list[bool] = []
    usable = connection.is_usable
    monkeypatch.setattr(connection, "is_usable", lambda: checks.append(True) or usable())
    connection.close_if_unusable_or_obsolete()  # as each request starts (request_started)
    assert connection.connection is not None  # kept open, to be reused
    again = client.get("/contact-points/kept/")
    assert again.status_code == 200
    assert checks == []  # no round trip before the versions

    # The server ends the connection (a restart, a failover) between two requests.
    with psycopg.connect(**connection.get_connection_params()) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [connection.connection.info.backend_pid])
    connection.close_if_unusable_or_obsolete()
    after = client.get("/contact-points/kept/")
    assert after.status_code == 200
    assert after.content == first.content
