"""Counters that do not wait for the disk: the rate-limit windows and the search demand
counts (ADR 0023).

Each is one small upsert per request, and on PostgreSQL a commit normally waits until its
write-ahead log is flushed. Many requests add to the same row (a popular area's hour, one
address's window), so each waits for the one before it to reach the disk: on the
development machine the two counters took the search from 23 % of a bare view's
throughput to 3 %. These counts may lose their last fraction of a second if the database
server itself crashes (PostgreSQL's `synchronous_commit = off`: never a corrupt or
half-written row, and never anything else's durability): a resident gets a request or two
more, or a search goes uncounted. Visits, reviews and every record people enter keep the
default and are never written through this.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection, transaction

# Where a counter's upsert selects its row from, on PostgreSQL outside a transaction: a
# one-row subquery that relaxes the commit of the statement's own (implicit) transaction,
# as `SET LOCAL synchronous_commit TO OFF` would — in one statement and one round trip,
# where BEGIN, SET LOCAL, the upsert and COMMIT took four.
_RELAXED = "FROM (SELECT set_config('synchronous_commit', 'off', true)) AS relaxed"


def add(sql: str, params: Sequence[Any]) -> tuple[Any, ...] | None:
    """Run a counter's upsert, whose commit does not wait for the disk on PostgreSQL, and
    return the row it returns (if it has RETURNING). `sql` selects its row rather than
    listing VALUES, with `{relaxed}` where the FROM clause would go:

        INSERT INTO t (k, n) SELECT %s, 1 {relaxed} WHERE true ON CONFLICT (k) DO …

    (SQLite needs the WHERE to read ON CONFLICT as the upsert's.) Inside an outer
    transaction it runs in a savepoint and nothing is relaxed: the setting would last
    until the outer transaction commits, and that one may hold records that must not be
    lost."""
    outside = not connection.in_atomic_block
    relaxed = _RELAXED if connection.vendor == "postgresql" and outside else ""
    statement = sql.replace("{relaxed}", relaxed)
    if outside:
        return _run(statement, params)
    with transaction.atomic():
        return _run(statement, params)


def _run(sql: str, params: Sequence[Any]) -> tuple[Any, ...] | None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone() if cursor.description else None
