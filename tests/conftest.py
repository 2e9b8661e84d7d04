import importlib
import re
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.core.management import call_command
from django.test import Client, override_settings
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice


@pytest.fixture(scope="session")
def django_db_modify_db_settings(
    django_db_modify_db_settings_parallel_suffix: None,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """On SQLite, the tests' database is a file, as the site's is, not Django's default
    shared in-memory database. In memory, every connection shares one cache, so a second
    writer fails at once ("database table is locked") instead of waiting its turn; and the
    live server hands every request thread the test's own connection, so two overlapping
    requests from a browser interleave in one transaction and one gets a 503. With a file,
    each thread has its own connection and waits for the write lock as the settings say
    (WAL, IMMEDIATE, 20 s): what officers tapping at once meet on a real SQLite site.
    The folder is this run's and this worker's own (pytest's temporary directories)."""
    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3" and not database.get("TEST", {}).get(
        "NAME"
    ):
        folder = tmp_path_factory.mktemp("database")
        database.setdefault("TEST", {})["NAME"] = str(folder / "contactpoints.sqlite3")


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hasher() -> Any:
    """Production hashes passwords slowly on purpose; tests create many users and need
    none of that strength."""
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(scope="session", autouse=True)
def _flushes_past_published_records() -> Any:
    """Transactional tests empty the database between tests. PostgreSQL does it with
    TRUNCATE, which row triggers do not see; SQLite deletes row by row, and the triggers
    that keep published records final (core.finality) would refuse: they stand aside for
    the flush alone, and only here."""
    from django.db.backends.sqlite3.base import DatabaseOperations

    from core import finality

    flush = DatabaseOperations.execute_sql_flush

    def execute_sql_flush(self: Any, sql_list: Any) -> None:
        finality._enforced = False
        try:
            flush(self, sql_list)
        finally:
            finality._enforced = True

    DatabaseOperations.execute_sql_flush = execute_sql_flush  # type: ignore[method-assign]
    yield
    DatabaseOperations.execute_sql_flush = flush  # type: ignore[method-assign]


@pytest.fixture(scope="session", autouse=True)
def _collected_static(django_db_blocker: object, worker_id: str) -> Any:
    """Tests run with production settings, whose static storage serves hashed names from
    a manifest: collect once, so a template naming a missing file fails as it would live.
    Each parallel worker (pytest-xdist) collects into its own folder."""
    from django.conf import settings

    root = Path(settings.STATIC_ROOT) / f"tests-{worker_id}"
    with override_settings(STATIC_ROOT=root):
        call_command("collectstatic", "--noinput", verbosity=0)
        yield


def _commits(request: pytest.FixtureRequest) -> bool:
    marker = request.node.get_closest_marker("django_db")
    return bool(
        (marker and marker.kwargs.get("transaction"))
        or "transactional_db" in request.fixturenames
        or "live_server" in request.fixturenames
    )


@pytest.fixture(autouse=True)
def _staff_roles(request: pytest.FixtureRequest) -> None:
    """Transactional tests empty the database between tests, taking the roles that a data
    migration created with it: put them back the way that migration does."""
    if _commits(request):
        request.getfixturevalue("transactional_db")
        importlib.import_module("visits.migrations.0002_staff_roles").create_roles(
            django_apps, None
        )
        importlib.import_module("reviews.migrations.0002_review_roles").add(django_apps, None)
        importlib.import_module("coverage.migrations.0002_scenario_roles").grant(django_apps, None)
        importlib.import_module(
            "users.migrations.0004_roles_see_pauses_and_only_superusers_change_roles"
        ).change(django_apps, None)


@pytest.fixture(autouse=True)
def _caches_emptied(request: pytest.FixtureRequest) -> Any:
    """No test sees another's cached answers. A database cache rolls back with each test's
    transaction, but not with a transactional test's flush; a Redis cache (CACHE_URL=redis,
    as CI runs the cache tests) keeps everything: empty them. Each process's copies of
    kept answers go too: a new test database starts its data versions afresh."""
    from django.core.cache import caches

    from core import pagecache

    pagecache.forget_recent()

    in_database = all(
        config["BACKEND"].endswith("DatabaseCache") for config in settings.CACHES.values()
    )
    if not in_database:
        for alias in settings.CACHES:
            caches[alias].clear()
    yield
    if _commits(request):
        for alias in settings.CACHES:
            caches[alias].clear()


@pytest.fixture(scope="session", autouse=True)
def _a_redis_database_per_worker(worker_id: str) -> Any:
    """Parallel workers sharing one Redis would empty each other's caches: each worker
    takes its own database number (1 + its index)."""
    redis = {
        alias: config
        for alias, config in settings.CACHES.items()
        if config["BACKEND"].endswith("RedisCache")
    }
    if not redis:
        yield
        return
    number = 1 + (int(worker_id[2:]) if worker_id.startswith("gw") else 0)
    own = {
        alias: {**config, "LOCATION": re.sub(r"/\d+$", f"/{number}", config["LOCATION"])}
        for alias, config in settings.CACHES.items()
    }
    with override_settings(CACHES=own):
        yield


def sign_in(client: Client, user: Any) -> Client:
    """Sign `user` in with a verified second factor, as after the staff sign-in page."""
    client.force_login(user)
    device, _ = StaticDevice.objects.get_or_create(user=user, name="Test codes")
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


@pytest.fixture
def admin_client(client: Client, admin_user: Any) -> Client:
    """pytest-django's admin client, past the back office's second factor."""
    return sign_in(client, admin_user)
