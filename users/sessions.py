"""A sign-in lasts at most SESSION_COOKIE_AGE from the moment it was made, however busy.

Django's session expiry slides forward whenever the session is saved; the counter saves it
often, so without this a sign-in on a phone could last for ever. The time of signing in is
kept in the session, every request checks it, and responses to a signed-in user say how
long the sign-in has left (`X-Sign-In-Seconds-Left`), so that a page saved for offline use
is never opened after it (templates/visits/app/sw.js). Seconds left, not an end time: the
phone's clock may be wrong, and the phone adds them to its own clock when it saves a page.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

SIGNED_IN_AT = "signed_in_at"


@receiver(user_logged_in)
def _note_sign_in(sender: Any, request: HttpRequest | None, user: Any, **_: Any) -> None:
    if request is not None and hasattr(request, "session"):
        request.session[SIGNED_IN_AT] = timezone.now().timestamp()


def sign_in_ends(request: HttpRequest) -> datetime | None:
    started = request.session.get(SIGNED_IN_AT)
    if not isinstance(started, (int, float)):
        return None
    return datetime.fromtimestamp(started, tz=UTC) + timedelta(seconds=settings.SESSION_COOKIE_AGE)


class SignInLifetimeMiddleware:
    """Ends a sign-in that is older than SESSION_COOKIE_AGE (or has no recorded start)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        ends = None
        if request.user.is_authenticated:
            ends = sign_in_ends(request)
            if ends is None or ends <= timezone.now():
                logout(request)
                ends = None
        response = self.get_response(request)
        if ends is not None and request.user.is_authenticated:
            left = int((ends - timezone.now()).total_seconds())
            response.headers.setdefault("X-Sign-In-Seconds-Left", str(max(left, 0)))
        return response
