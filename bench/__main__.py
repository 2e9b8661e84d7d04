"""Run the benchmarks, each in a throw-away test database and a process of its own, and
print their figures, then every target judged in one table (bench/verdicts.py).

    uv run python -m bench                 # every benchmark
    uv run python -m bench public_pages    # one, with its own options

The database is whatever DATABASE_URL selects (SQLite by default); `make bench` runs on
SQLite and, when it is reachable, on the PostgreSQL at 127.0.0.1:5432.
"""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import tempfile
import warnings
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
    if not (argv and argv[0] in BENCHMARKS):
        _every(argv)
        return
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

    name, options = argv[0], argv[1:]
    if name == "footfall" and connection.vendor == "sqlite":
        # Writers waiting for each other need a database file (WAL and a busy timeout), as
        # deployed; the in-memory test database fails at once instead.
        connection.settings_dict["TEST"]["NAME"] = os.path.join(
            tempfile.gettempdir(), "contactpoints-bench.sqlite3"
        )
    test_db = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    # Source static names are served, nothing is collected: WhiteNoise would warn that
    # STATIC_ROOT is missing each time a handler is built (the WSGI app, every test Client).
    warnings.filterwarnings("ignore", "No directory at", UserWarning)
    import config.wsgi  # noqa: F401  # as a worker starts: the app loaded, then gc.freeze()
    from bench import verdicts

    began = datetime.now(UTC)
    try:
        importlib.import_module(f"bench.{name}").run(options)
    finally:
        connection.creation.destroy_test_db(test_db, verbosity=0)
        # What was judged before a failure is listed too.
        if os.environ.get(verdicts.SHARED):
            verdicts.save(os.environ[verdicts.SHARED])  # the whole run's table lists them
        else:
            print()
            print(verdicts.table(_database(), began, verdicts.judged()))


def _every(options: list[str]) -> None:
    """Every benchmark, each in a process and a database of its own: what one leaves in
    the database (the nearest search's 100,000 places) or in memory (the places and days
    it kept) is not measured by the next. Then every target judged, in one table."""
    from bench import verdicts

    began = datetime.now(UTC)
    with tempfile.NamedTemporaryFile(suffix=".jsonl") as shared:
        environment = {**os.environ, verdicts.SHARED: shared.name}
        for name in BENCHMARKS:
            ran = subprocess.run(  # noqa: S603  (this program, our benchmark names)
                [sys.executable, "-m", "bench", name, *options], env=environment, check=False
            )
            print()
            if ran.returncode:
                print(f"{name}: the benchmark failed (exit status {ran.returncode}).")
                verdicts.record(shared.name, f"{name}: ran to the end", "failed", "ran", False)
        judged = verdicts.load(shared.name)
    print(verdicts.table(_database(), began, judged))


def _database() -> str:
    url = os.environ.get("DATABASE_URL", "")
    return "PostgreSQL" if url.startswith(("postgres:", "postgresql:")) else "SQLite"


if __name__ == "__main__":
    main(sys.argv[1:])
