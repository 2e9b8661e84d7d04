from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import urlencode

from core.time import local

from .forms import StaffSignInForm
from .throttle import failures_since_last_sign_in, remember_device


class StaffSignInView(auth_views.LoginView):
    """Password and security code on one page; during a pause (users/throttle.py) the
    answer is 429 with when to try again, and nothing typed is checked."""

    authentication_form = StaffSignInForm

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        user = form.get_user()
        # This browser is now known for this user: others' wrong tries will not pause it.
        remember_device(self.request, response, user.get_username())
        failures = failures_since_last_sign_in(user)
        if failures:
            elsewhere = sum(not f.known_device for f in failures)
            count = len(failures)
            last = date_format(local(failures[-1].at), r"l j F \a\t H:i")
            messages.warning(
                self.request,
                f"{count} wrong {'try' if count == 1 else 'tries'} to sign in as you since "
                f"you last signed in, the last on {last}"
                + (f" ({elsewhere} from a browser you have not used)" if elsewhere else "")
                + ". If they were not yours, tell your manager and change your password.",
            )
        return response

    def form_invalid(self, form: Any) -> HttpResponse:
        until = getattr(self.request, "sign_in_paused_until", None)
        if until is None:
            return super().form_invalid(form)
        minutes = max(1, round((until - timezone.now()).total_seconds() / 60))
        response = render(
            self.request,
            "registration/locked_out.html",
            {"until": local(until), "minutes": minutes},
            status=429,
        )
        response["Retry-After"] = str(int((until - timezone.now()).total_seconds()) + 1)
        return response


def back_office_sign_in(request: HttpRequest) -> HttpResponse:
    """Where the back office sends anyone it will not let in. Someone signed in (with
    their second factor) whose role has no back office, such as an officer, is told where
    to go instead; anyone else signs in."""
    user = request.user
    verified = user.is_authenticated and getattr(user, "is_verified", lambda: False)()
    if verified and not (user.is_active and user.is_staff):
        return render(request, "registration/no_back_office.html", status=403)
    query = f"?{urlencode({'next': request.GET['next']})}" if "next" in request.GET else ""
    return redirect(f"/accounts/login/{query}")
