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

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, transaction


@contextmanager
def relaxed_commit() -> Iterator[None]:
    """A transaction whose commit does not wait for the disk on PostgreSQL. Inside an
    outer transaction it is a plain savepoint: the setting would last until the outer one
    commits, and that one may hold records that must not be lost."""
    relax = connection.vendor == "postgresql" and not connection.in_atomic_block
    with transaction.atomic():
        if relax:
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        yield
