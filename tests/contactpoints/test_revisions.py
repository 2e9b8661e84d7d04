"""A place's revision changes in the transaction of every write to what is kept of it —
its row, hours, dated changes, fact checks, what it replaces — whatever path the write
takes, changes no other place's, and never comes back to a value it had."""

from __future__ import annotations

from datetime import date, time

import pytest
from django.db import connection, transaction

from contactpoints.models import ContactPoint, Fact, FactCheck, OpeningRule
from contactpoints.revisions import BELONGING, EVENTS, PLACES_TABLE
from tests import triggers
from tests.factories import ContactPointFactory, HoursExceptionFactory, OpeningRuleFactory

pytestmark = pytest.mark.django_db


def _revisions() -> dict[int, int]:
    return dict(ContactPoint.objects.values_list("pk", "revision"))


def test_every_table_has_its_triggers() -> None:
    """SQLite drops a table's triggers when a migration rebuilds the table: such a
    migration must end with `revised_by()` again, or this fails."""
    found = triggers.installed()
    assert any(t == PLACES_TABLE and "contactpoint_revised" in n for t, n in found)
    for table in BELONGING:
        for event in EVENTS:
            assert (table, f"{table}_revises_places_{event.lower()}") in found, (table, event)


def test_each_write_changes_the_revision_of_the_places_it_touches_only() -> None:
    one, two, other = ContactPointFactory(), ContactPointFactory(), ContactPointFactory()
    seen = [_revisions()]

    def changed() -> set[int]:
        now = _revisions()
        moved = {pk for pk, revision in now.items() if seen[-1].get(pk) != revision}
        seen.append(now)
        return moved

    one.name = "Renamed"
    one.save()
    assert changed() == {one.pk}
    rule = OpeningRuleFactory(contact_point=one, weekday=2, opens=time(9), closes=time(12))
    assert changed() == {one.pk}
    with connection.cursor() as cursor:  # plain SQL, past the models
        cursor.execute(
            "UPDATE contactpoints_openingrule SET closes = %s WHERE id = %s", ["13:00:00", rule.pk]
        )
    assert changed() == {one.pk}
    OpeningRule.objects.filter(pk=rule.pk).update(contact_point=two)  # moved: both
    assert changed() == {one.pk, two.pk}
    OpeningRule.objects.bulk_create(
        OpeningRule(contact_point=cp, weekday=d, opens=time(9), closes=time(10))
        for cp in (one, two) for d in range(7)
    )  # fmt: skip
    assert changed() == {one.pk, two.pk}
    HoursExceptionFactory(
        contact_point=two, starts_on=date(2026, 12, 24), ends_on=date(2026, 12, 26)
    )
    assert changed() == {two.pk}
    FactCheck.objects.update_or_create(
        contact_point=one, fact=Fact.PRIVATE_ROOM,
        defaults={"basis": "checked", "checked_on": date(2026, 11, 20), "checked_by": "PC Lee"},
    )  # fmt: skip
    assert changed() == {one.pk}
    two.replaces.add(one)
    assert changed() == {one.pk, two.pk}
    OpeningRule.objects.filter(contact_point=two).delete()
    assert changed() == {two.pk}
    assert seen[-1][other.pk] == seen[0][other.pk]


def test_a_write_from_a_stale_copy_still_draws_a_new_revision() -> None:
    """The model sends the revision it loaded with every save; the database ignores it, so
    a copy loaded before another change cannot put an old number back."""
    cp = ContactPointFactory()
    stale = ContactPoint.objects.get(pk=cp.pk)
    first = _revisions()[cp.pk]
    stale.revision = first
    OpeningRuleFactory(contact_point=cp, weekday=1, opens=time(9), closes=time(10))
    second = _revisions()[cp.pk]
    stale.name = "Written from a stale copy"
    stale.save()
    assert _revisions()[cp.pk] not in (first, second)


def test_a_revision_never_comes_back_after_a_rollback() -> None:
    cp = ContactPointFactory()
    seen = {_revisions()[cp.pk]}
    for _attempt in range(3):
        with transaction.atomic():
            OpeningRuleFactory(contact_point=cp, weekday=3, opens=time(9), closes=time(10))
            seen.add(_revisions()[cp.pk])
            transaction.set_rollback(True)
    cp.save()
    assert _revisions()[cp.pk] not in seen
    assert len(seen) == 4
