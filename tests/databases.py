"""Which database a test needs: some promises exist only on PostgreSQL (a write waiting
beside an uncommitted one, asynchronous commit, a dropped server connection), and CI runs the
whole suite there too."""

import pytest
from django.db import connection


def postgresql_only(why: str) -> pytest.MarkDecorator:
    """Skip on SQLite, saying `why` (and that CI runs it on PostgreSQL)."""
    return pytest.mark.skipif(
        connection.vendor != "postgresql", reason=f"{why}; CI runs this on PostgreSQL"
    )
