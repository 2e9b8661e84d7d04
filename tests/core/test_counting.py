"""Counters that do not wait for the disk (core/counting.py): only their own commit is
relaxed, never another transaction's — a visit or an answer committed after them, or one
they run inside, waits for the disk as always."""

import pytest
from django.db import connection, transaction

from core.counting import relaxed_commit
from tests.databases import postgresql_only

pytestmark = [
    pytest.mark.django_db(transaction=True),
    postgresql_only("SQLite has no asynchronous commit"),
]


def _setting() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        return str(cursor.fetchone()[0])


def test_only_the_counters_own_commit_is_relaxed() -> None:
    assert _setting() == "on"
    with relaxed_commit():
        assert _setting() == "off"
    assert _setting() == "on"  # the next statement, in its own transaction
    with transaction.atomic():
        assert _setting() == "on"


def test_inside_a_transaction_that_holds_records_nothing_is_relaxed() -> None:
    with transaction.atomic():
        with relaxed_commit():
            assert _setting() == "on"
        assert _setting() == "on"
