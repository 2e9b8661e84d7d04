"""/feedback/<slug>/: four questions about a visit, anonymous, reached from the QR code on
the poster and the card at the counter. Floods and stuffing are limited without knowing who
answers: a per-address budget (kept under a keyed hash), a signed ticket per form shown (used
once — the used ones are rows with a unique nonce — and not answered faster than a person
reads), an empty trap field, and one response per
device and contact point per day (a cookie holding only the day). docs/feedback.md."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import segno
from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache

from contactpoints.models import ContactPoint
from core.client import ClientRateThrottle, held_back
from core.time import local, midnight

from .forms import FASTEST_SECONDS, FeedbackForm, read_ticket, ticket_for
from .models import QUESTIONS, Response, UsedTicket

COOKIE_SALT = "feedback-day"


def _throttles() -> list[ClientRateThrottle]:
    """The flood limits per client address: a few answers in ten minutes, more in a day."""
    return [ClientRateThrottle(settings.FEEDBACK_RATE, "feedback"),
            ClientRateThrottle(settings.FEEDBACK_DAILY_RATE, "feedback-day")]  # fmt: skip


def _cookie(cp: ContactPoint) -> str:
    return f"feedback-{cp.pk}"


def _answered_today(request: HttpRequest, cp: ContactPoint) -> bool:
    today = local(timezone.now()).date().isoformat()
    return request.get_signed_cookie(_cookie(cp), default=None, salt=COOKIE_SALT) == today


def _page(
    request: HttpRequest, cp: ContactPoint, form: FeedbackForm | None, status: int = 200,
    message: str = "", already: bool = False,
) -> HttpResponse:  # fmt: skip
    context = {"contact_point": cp, "form": form, "message": message, "already": already}
    return render(request, "feedback/form.html", context, status=status)


def _again(request: HttpRequest, cp: ContactPoint, message: str, status: int) -> HttpResponse:
    """The form as it was answered, with a new ticket, and what to do."""
    data = request.POST.copy()
    data["ticket"] = ticket_for(cp.pk)
    form = FeedbackForm(data)
    form.is_valid()
    return _page(request, cp, form, status, message)


@never_cache
def feedback(request: HttpRequest, slug: str) -> HttpResponse:
    cp = get_object_or_404(ContactPoint.objects.published(), slug=slug)
    if _answered_today(request, cp):
        return _page(request, cp, None, 409 if request.method == "POST" else 200, already=True)
    if request.method != "POST":
        return _page(request, cp, FeedbackForm(initial={"ticket": ticket_for(cp.pk)}))
    form = FeedbackForm(request.POST)
    if not form.is_valid():
        return _page(request, cp, form, 400)
    if form.cleaned_data["website"]:
        return _page(request, cp, None, 400, "These answers could not be accepted.")
    ticket = read_ticket(form.cleaned_data["ticket"], cp.pk)
    if ticket is None:
        return _again(request, cp, "This form had expired. Your answers are below: "
                                   "please send them again.", 400)  # fmt: skip
    if time.time() - float(ticket["t"]) < FASTEST_SECONDS:
        return _again(request, cp, "That was very quick. Please check your answers, then "
                                   "send them again.", 400)  # fmt: skip
    # Only answers that would be kept count towards the flood limits: a visitor correcting
    # a missed question is never held back by their own mistakes.
    wait = held_back(request, _throttles())
    if wait is not None:
        response = _again(request, cp, "Many answers have come from this connection in a "
                                       "short while. Your answers are below: please send them "
                                       "again later.", 429)  # fmt: skip
        response["Retry-After"] = str(wait)
        return response
    try:
        with transaction.atomic():  # the ticket used and the answers kept, or neither
            UsedTicket.objects.create(nonce=str(ticket["n"])[:32])
            Response.objects.create(
                contact_point=cp, day=local(timezone.now()).date(),
                **{name: form.cleaned_data[name] for name in QUESTIONS},
            )  # fmt: skip
    except IntegrityError:  # this ticket was used already: counted once
        return _page(request, cp, None, 409, already=True)
    response = redirect("feedback:thanks", slug=cp.slug)
    now = local(timezone.now())
    response.set_signed_cookie(
        _cookie(cp), now.date().isoformat(), salt=COOKIE_SALT,
        max_age=int((midnight(now.date() + timedelta(days=1)) - now).total_seconds()),
        secure=settings.SESSION_COOKIE_SECURE, httponly=True, samesite="Lax",
        path=f"/feedback/{cp.slug}/",
    )  # fmt: skip
    return response


def thanks(request: HttpRequest, slug: str) -> HttpResponse:
    cp = get_object_or_404(ContactPoint.objects.published(), slug=slug)
    return render(request, "feedback/thanks.html", {"contact_point": cp})


def card(request: HttpRequest, slug: str) -> HttpResponse:
    """A card for the counter: a QR code to the form."""
    cp = get_object_or_404(ContactPoint.objects.published(), slug=slug)
    url = request.build_absolute_uri(f"/feedback/{cp.slug}/")
    svg = segno.make(url, error="m").svg_inline(scale=5, border=2, omitsize=True)
    context: dict[str, Any] = {"contact_point": cp, "url": url, "qr_svg": mark_safe(svg)}  # noqa: S308 (segno, from our own URL)
    return render(request, "feedback/card.html", context)
