"""Pauses after wrong sign-ins, per username and per client address separately.

A wrong password or a wrong security code counts once for the username tried and once for
the address it came from (config.client.client_ip: the same reading as the rate limits).
After a few free tries a pause begins, one minute at first and twice as long after each
further wrong try, up to an hour. Tries made during a pause are refused before any
password is checked and are not counted, so a pause never slides: whoever holds it can
only make it end later by waiting it out and failing again. Counts are forgotten a day
after the first failure, and a username's count when it signs in.

Kept in the database, so every worker sees the same counts, and updated under a row lock,
so simultaneous tries are all counted.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils import timezone

from core.client import client_ip

from .models import SignInThrottle

# Free tries before the first pause. An address can be shared (an office, a mobile
# network), so it has more than a username.
FREE = {"user": 5, "ip": 20}
FIRST_PAUSE = timedelta(minutes=1)
LONGEST_PAUSE = timedelta(hours=1)
FORGET_AFTER = timedelta(days=1)


def _keys(request: HttpRequest | None, username: str | None) -> list[str]:
    keys = []
    if username:
        keys.append(f"user:{username.strip().casefold()}"[:200])
    if request is not None:
        keys.append(f"ip:{client_ip(request)}")
    return keys


def paused_until(request: HttpRequest | None, username: str | None) -> datetime | None:
    """When signing in with this username from this address may be tried again; None:
    now."""
    latest = (
        SignInThrottle.objects.filter(
            key__in=_keys(request, username), paused_until__gt=timezone.now()
        )
        .order_by("-paused_until")
        .values_list("paused_until", flat=True)
        .first()
    )
    return latest


def pause_for(failures: int, kind: str) -> timedelta | None:
    """The pause after this many wrong tries in a day: none, then 1, 2, 4 … 60 minutes."""
    over = failures - FREE[kind]
    if over < 0:
        return None
    return min(FIRST_PAUSE * 2 ** min(over, 16), LONGEST_PAUSE)


def record_failure(request: HttpRequest | None, username: str | None) -> None:
    now = timezone.now()
    for key in _keys(request, username):
        with transaction.atomic():
            row, _created = SignInThrottle.objects.select_for_update().get_or_create(
                key=key, defaults={"first_failure": now}
            )
            if row.paused_until and row.paused_until > now:
                continue  # refused before any check; never lengthens the pause
            if now - row.first_failure > FORGET_AFTER:
                row.failures, row.first_failure = 0, now
            row.failures += 1
            pause = pause_for(row.failures, key.split(":", 1)[0])
            row.paused_until = now + pause if pause else None
            row.save()


class ThrottledModelBackend(ModelBackend):
    """Django's username and password check, refused during a pause before any password
    is checked (Django then reports the try as failed; it is not counted again)."""

    def authenticate(  # type: ignore[override]
        self, request: HttpRequest | None, username: str | None = None, **credentials: Any
    ) -> Any:
        until = paused_until(request, username)
        if until is not None:
            if request is not None:
                request.sign_in_paused_until = until  # type: ignore[attr-defined]
            raise PermissionDenied("Signing in is paused.")
        return super().authenticate(request, username=username, **credentials)


@receiver(user_login_failed)
def _count_failure(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **_: Any
) -> None:
    if request is not None and getattr(request, "sign_in_paused_until", None):
        return
    record_failure(request, credentials.get("username"))


@receiver(user_logged_in)
def _forget_username(sender: Any, request: HttpRequest | None, user: Any, **_: Any) -> None:
    SignInThrottle.objects.filter(key__in=_keys(None, user.get_username())).delete()
