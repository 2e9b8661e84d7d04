from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import urlencode


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
