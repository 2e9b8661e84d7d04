"""Production settings: secure by default, no secret has a default."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _python(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Python in the project, with none of this process's settings but those given."""
    unwanted = {"SECRET_KEY", "DEBUG", "LOG_LEVEL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    clean = {k: v for k, v in os.environ.items() if k not in unwanted}
    return subprocess.run(  # noqa: S603
        [sys.executable, *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=False,
    )


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return _python("manage.py", *args, **{"DEBUG": "false", **env})


def test_missing_secret_key_stops_production_start_up() -> None:
    result = _manage("check", ALLOWED_HOSTS="example.org")
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_deploy_checklist_is_clean() -> None:
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="contactpoints.example.org",
        SECURE_SSL_REDIRECT="true",
        SECURE_COOKIES="true",
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def _is_secure_with_forwarded_proto(**env: str) -> str:
    result = _manage(
        "shell",
        "-c",
        "from django.test import RequestFactory; "
        "print(RequestFactory().get('/', HTTP_X_FORWARDED_PROTO='https').is_secure())",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="testserver",
        **env,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_a_client_cannot_claim_https_unless_a_trusted_proxy_says_so() -> None:
    assert _is_secure_with_forwarded_proto() == "False"
    assert _is_secure_with_forwarded_proto(TRUSTED_PROXIES="1") == "True"


@pytest.mark.django_db
def test_pages_say_which_browser_features_they_may_use(client) -> None:  # type: ignore[no-untyped-def]
    policy = client.get("/healthz")["Permissions-Policy"]
    assert "geolocation=(self)" in policy
    assert "camera=()" in policy
    assert "microphone=()" in policy


@pytest.mark.django_db
def test_browsers_asking_for_the_favicon_find_it(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith(".png")


def _logged(statements: str, **env: str) -> str:
    """What a process logs to stderr, with logging configured from the settings as Django
    configures it at start-up (not the whole start-up: a second, not six)."""
    result = _python(
        "-c",
        "import logging; from django.conf import settings; "
        "from django.utils.log import configure_logging; "
        "configure_logging(settings.LOGGING_CONFIG, settings.LOGGING); " + statements,
        DJANGO_SETTINGS_MODULE="config.settings",
        **env,
    )
    assert result.returncode == 0, result.stderr
    return result.stderr


def test_each_log_message_is_written_once() -> None:
    """Django's default handlers beside the root's printed a 404 warning, or a 500's
    traceback, two or three times in development (`make run`): a reader counting errors
    in the log counted each twice. (With DEBUG off those handlers are silent.)"""
    logged = _logged(
        "logging.getLogger('django.request').warning('Not Found: /probe'); "
        "logging.getLogger('django.server').info('\"GET /probe HTTP/1.1\" 200')",
        DEBUG="true",
    )
    assert logged.count("Not Found: /probe") == 1, logged
    # runserver's request line, once and with its time, as Django's defaults print it.
    [request_line] = [line for line in logged.splitlines() if "GET /probe" in line]
    assert request_line.startswith("[")


def test_log_level_applies_to_djangos_messages() -> None:
    logged = _logged(
        "logging.getLogger('django.request').info('quiet please'); "
        "logging.getLogger('django.request').warning('heard')",
        DEBUG="true",
        LOG_LEVEL="WARNING",
    )
    assert "quiet please" not in logged
    assert "heard" in logged
