"""Counters that do not wait for the disk (core/counting.py): only their own commit is
relaxed, never another transaction's — a visit or an answer committed after them, or one
they run inside, waits for the disk as always."""

import pytest
from django.db import connection, transaction

from core import counting
from core.models import RateWindow
from tests.databases import postgresql_only

pytestmark = [
    pytest.mark.django_db(transaction=True),
    postgresql_only("SQLite has no asynchronous commit"),
]

TABLE = RateWindow._meta.db_table
# The setting in force when the counter's statement runs, in its own transaction: what
# that transaction's commit follows.
COUNT = (
    f'INSERT INTO "{TABLE}" ("key", "count", "expires") '
    "SELECT %s, 1, now() {relaxed} WHERE true "
    f'ON CONFLICT ("key") DO UPDATE SET "count" = "{TABLE}"."count" + 1 '
    "RETURNING \"count\", current_setting('synchronous_commit')"
)


def _setting() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        return str(cursor.fetchone()[0])


def test_only_the_counters_own_commit_is_relaxed() -> None:
    assert _setting() == "on"
    assert counting.add(COUNT, ["a"]) == (1, "off")
    assert counting.add(COUNT, ["a"]) == (2, "off")  # each in its own transaction
    assert _setting() == "on"  # the next statement, in its own transaction
    with transaction.atomic():
        assert _setting() == "on"


def test_inside_a_transaction_that_holds_records_nothing_is_relaxed() -> None:
    with transaction.atomic():
        assert counting.add(COUNT, ["b"]) == (1, "on")
        assert _setting() == "on"
