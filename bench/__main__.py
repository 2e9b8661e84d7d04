"""Run the benchmarks in a throw-away test database and print their figures.

    uv run python -m bench                 # every benchmark
    uv run python -m bench public_pages    # one, with its own options

The database is whatever DATABASE_URL selects (SQLite by default); `make bench` runs on
SQLite and, when it is reachable, on the PostgreSQL at 127.0.0.1:5432.
"""

from __future__ import annotations

import importlib
import os
import sys
import tempfile
from datetime import UTC, datetime

BENCHMARKS = [
    "public_pages",
    "throughput",
    "nearest",
    "import_postcodes",
    "import_contact_points",
    "visits",
    "usage",
    "footfall",
    "coverage",
    "demand",
    "faults",
    "flood",
]


def main(argv: list[str]) -> None:
    # Production-like settings over plain HTTP; no secret is needed for a local run.
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("SECRET_KEY", "benchmark-only-not-a-deployment-secret")
    os.environ["SECURE_SSL_REDIRECT"] = "false"
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")

    import django
    from django.conf import settings

    django.setup()
    # Serve source static names: the benchmark measures views, not collectstatic.
    settings.STORAGES["staticfiles"] = {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
    }
    # No setup_test_environment(): it instruments every template render (copying the
    # context for the test signals), which would be measured as server time.
    from django.db import connection

    names = argv[:1] if argv and argv[0] in BENCHMARKS else BENCHMARKS
    options = argv[1:] if argv and argv[0] in BENCHMARKS else argv
    if "footfall" in names and connection.vendor == "sqlite":
        # Writers waiting for each other need a database file (WAL and a busy timeout), as
        # deployed; the in-memory test database fails at once instead.
        connection.settings_dict["TEST"]["NAME"] = os.path.join(
            tempfile.gettempdir(), "contactpoints-bench.sqlite3"
        )
    test_db = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    import config.wsgi  # noqa: F401  # as a worker starts: the app loaded, then gc.freeze()
    from bench import verdicts

    began = datetime.now(UTC)
    try:
        for number, name in enumerate(names):
            if number:
                # Each benchmark in a database made afresh: what one leaves (the nearest
                # search's 100,000 places) must not be measured by the next (coverage would
                # work out the reach of 100,000 places instead of the real list's).
                connection.creation.destroy_test_db(test_db, verbosity=0)
                test_db = connection.creation.create_test_db(verbosity=0, autoclobber=True)
            module = importlib.import_module(f"bench.{name}")
            module.run(options)
            print()
    finally:
        connection.creation.destroy_test_db(test_db, verbosity=0)
    database = "PostgreSQL" if connection.vendor == "postgresql" else "SQLite"
    print(verdicts.table(database, began))


if __name__ == "__main__":
    main(sys.argv[1:])
