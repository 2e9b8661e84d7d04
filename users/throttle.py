"""Pauses after wrong sign-ins, per username and per client address separately.

A wrong password or a wrong security code counts once for the username tried and once for
the address it came from (core.client.client_ip: the same reading as the rate limits).

A username's pause must not become a way to keep its owner out, so it follows OWASP's
device cookies: a browser that has signed in as a user carries a signed cookie naming that
user and a random nonce. From such a browser, a wrong try counts for that device
("device:<nonce>") instead of the username, and the username's pause does not apply; from
any other browser it counts for the username as before. Whoever guesses from elsewhere
pauses only unknown browsers, and the officer's own phone still signs in. The per-address
pause applies to every browser.
After a few free tries a pause begins, one minute at first and twice as long after each
further wrong try, up to an hour. Tries made during a pause are refused before any
password is checked and are not counted, so a pause never slides: whoever holds it can
only make it end later by waiting it out and failing again. Counts are forgotten a day
after the first failure, and a username's count when it signs in.

Kept in the database, so every worker sees the same counts, and updated under a row lock,
so simultaneous tries are all counted.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.dispatch import receiver
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from core.client import client_ip

from .models import SignInFailure, SignInThrottle

# Free tries before the first pause. An address can be shared (an office, a mobile
# network), so it has more than a username.
FREE = {"user": 5, "device": 5, "ip": 20}
FIRST_PAUSE = timedelta(minutes=1)
LONGEST_PAUSE = timedelta(hours=1)
FORGET_AFTER = timedelta(days=1)


# The device cookie: signed (so it cannot be made up or changed), for the sign-in page only,
# and remembering the last few people who signed in on this browser (a shared counter phone).
DEVICE_COOKIE = "cp_device"
DEVICE_COOKIE_SALT = "users.throttle.device-cookie"
DEVICE_COOKIE_AGE = 180 * 24 * 3600
DEVICE_COOKIE_USERS = 5


def _username(username: str) -> str:
    return username.strip().casefold()[:150]


def known_devices(request: HttpRequest | None) -> dict[str, str]:
    """The usernames this browser has signed in as, each with its device nonce; {} when
    the cookie is missing, altered, or older than DEVICE_COOKIE_AGE."""
    if request is None or DEVICE_COOKIE not in request.COOKIES:
        return {}
    try:
        entries = signing.loads(
            request.COOKIES[DEVICE_COOKIE], salt=DEVICE_COOKIE_SALT, max_age=DEVICE_COOKIE_AGE
        )
    except signing.BadSignature:
        return {}
    if not isinstance(entries, list):
        return {}
    return {
        name: nonce
        for name, nonce in entries[-DEVICE_COOKIE_USERS:]
        if isinstance(name, str) and isinstance(nonce, str)
    }


def remember_device(request: HttpRequest, response: Any, username: str) -> None:
    """After a successful sign-in: a fresh nonce for this user on this browser (the old
    one's count is dropped), keeping the most recent few users."""
    devices = known_devices(request)
    old = devices.pop(_username(username), None)
    if old:
        SignInThrottle.objects.filter(key=f"device:{old}").delete()
    devices[_username(username)] = secrets.token_urlsafe(16)
    entries = list(devices.items())[-DEVICE_COOKIE_USERS:]
    response.set_cookie(
        DEVICE_COOKIE,
        signing.dumps(entries, salt=DEVICE_COOKIE_SALT),
        max_age=DEVICE_COOKIE_AGE,
        path=reverse("accounts:login"),
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def _keys(request: HttpRequest | None, username: str | None) -> list[str]:
    keys = []
    if username:
        nonce = known_devices(request).get(_username(username))
        keys.append(f"device:{nonce}" if nonce else f"user:{_username(username)}")
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

    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        """Django's answer — the user's own permissions and their groups', every one for a
        superuser — read in one query instead of two (one each), since every signed-in
        request asks. Kept on the user object as Django keeps it (`_perm_cache`)."""
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            held = Permission.objects.all()
            if not user_obj.is_superuser:
                held = held.filter(Q(user=user_obj) | Q(group__user=user_obj))
            names = held.order_by().values_list("content_type__app_label", "codename")
            user_obj._perm_cache = {f"{app}.{codename}" for app, codename in names}
        return user_obj._perm_cache  # type: ignore[no-any-return]


@receiver(user_login_failed)
def _count_failure(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **_: Any
) -> None:
    if request is not None and getattr(request, "sign_in_paused_until", None):
        return
    username = credentials.get("username")
    record_failure(request, username)
    if username:
        # Kept for the account's owner, who is told at their next sign-in (and the rows
        # deleted then). No address or password is kept.
        user = get_user_model().objects.filter(username__iexact=username.strip()).only("pk").first()
        if user is not None:
            SignInFailure.objects.create(
                user=user, known_device=_username(username) in known_devices(request)
            )


@receiver(user_logged_in)
def _forget_username(sender: Any, request: HttpRequest | None, user: Any, **_: Any) -> None:
    SignInThrottle.objects.filter(key=f"user:{_username(user.get_username())}").delete()


def failures_since_last_sign_in(user: Any) -> list[SignInFailure]:
    """The wrong tries for this account since it last signed in, forgotten once read."""
    failures = list(SignInFailure.objects.filter(user=user).order_by("at"))
    SignInFailure.objects.filter(pk__in=[f.pk for f in failures]).delete()
    return failures
