"""Staff set their own passwords: a link, sent to their email address, to a page where they
choose one (Django's password reset, with its one-use token that expires after
PASSWORD_RESET_TIMEOUT). No one else ever types or learns it."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode


def send_set_password_link(request: HttpRequest, user: Any) -> bool:
    """Email the user a link to set their password; False when they have no address."""
    if not user.email:
        return False
    path = reverse(
        "accounts:set_password",
        args=[
            urlsafe_base64_encode(force_bytes(user.pk)),
            default_token_generator.make_token(user),
        ],
    )
    body = render_to_string(
        "registration/set_password_email.txt",
        {
            "user": user,
            "url": request.build_absolute_uri(path),
            "days": round(settings.PASSWORD_RESET_TIMEOUT / 86400),
        },
    )
    send_mail("Set your Contact Points password", body, None, [user.email])
    return True
