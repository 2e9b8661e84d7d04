"""Staff pages: the officers' counter page and the footfall import.

Every view needs a signed-in, second-factor-verified user. Officers see and record only
for the contact points assigned to them (403 otherwise); managers see all. The counter
forms work as plain HTML posts; `static/js/counter.js` sends the same forms with fetch,
queues them on the device when the connection drops, and retries with the same key.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial, wraps
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Window
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from django_otp.decorators import otp_required

from contactpoints.models import ContactPoint
from core.time import local

from . import footfall, services
from .forms import FootfallUploadForm, NotHeldForm, VisitDetailsForm, VisitForm
from .models import CheckedSheet, Purpose, SessionState, StaffedSession, Visit

staff_required = otp_required(if_configured=False)


def made_by_this_officer(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A counter change names the officer who made it (`made_by`, from the page it was made
    on). On a shared phone a change queued by one officer may reach the server after another
    has signed in: it is refused (409, code "other_officer"), and the phone keeps it until
    its officer signs in again. A change that names no one is taken as the signed-in
    user's: every counter form names its maker, so only a hand-made post leaves it out."""

    @wraps(view)
    def check(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        made_by = request.POST.get("made_by")
        if made_by is not None and made_by != str(request.user.pk):
            message = (
                "This change was made by another officer on this device. It is kept on the "
                "device and sent when they sign in again."
            )
            if _wants_json(request):
                return JsonResponse({"error": message, "code": "other_officer"}, status=409)
            messages.error(request, message)
            return redirect("staff:home")
        return view(request, *args, **kwargs)

    return check


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _error(request: HttpRequest, message: str, status: int, back: str) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse({"error": message}, status=status)
    messages.error(request, message)
    return redirect(back)


def _assigned(user: Any) -> Any:
    contact_points = ContactPoint.objects.operating()
    if user.has_perm("visits.view_all_contact_points"):
        return contact_points
    return contact_points.filter(assignments__officer=user)


@staff_required
def home(request: HttpRequest) -> HttpResponse:
    """The officer's day: assigned contact points and today's sessions. Reading only: the
    sessions were made ahead, by the daily command and whenever hours change."""
    now = timezone.now()
    today = local(now).date()
    start = datetime.combine(today, datetime.min.time(), tzinfo=local(now).tzinfo)
    contact_points = list(_assigned(request.user).with_hours())
    sessions = (
        StaffedSession.objects.visible_to(request.user)
        .filter(scheduled_start__gte=start, scheduled_start__lt=start + timedelta(days=1))
        .select_related("contact_point")
    )
    return render(
        request,
        "visits/home.html",
        {"contact_points": contact_points, "sessions": sessions, "now": now},
    )


def _session_for(request: HttpRequest, pk: int) -> StaffedSession:
    session = get_object_or_404(StaffedSession.objects.select_related("contact_point"), pk=pk)
    if not services.can_record(request.user, session.contact_point):  # type: ignore[arg-type]
        if request.user.has_perm("visits.view_all_contact_points"):
            return session  # analysts may look, not record
        raise PermissionDenied("You are not assigned to this contact point.")
    return session


def _state_name(session: StaffedSession) -> str:
    if session.state == SessionState.SCHEDULED:
        return "scheduled"
    if session.state != SessionState.HELD:
        return "not_held"
    return "open" if session.actual_end is None else "ended"


_PURPOSES = dict(Purpose.choices)


def _visit_json(key: uuid.UUID, purpose: str, arrived_at: datetime) -> dict[str, str]:
    # Every answer to the counter lists the session's visits: kept plain (no enum lookups).
    return {
        "key": str(key),
        "label": _PURPOSES[purpose],
        "time": local(arrived_at).strftime("%H:%M"),
    }


# The latest visitors a counter lists (it counts them all): a busy round-the-clock counter
# logs hundreds in a session, and every answer to the counter script carries the list.
RECENT_VISITS = 20


def counter_state(session: StaffedSession, user: Any) -> dict[str, Any]:
    """What the counter screen shows, as the server knows it now: the page embeds it, every
    answer to the counter script carries it, and the script adds the changes still waiting
    on the device to it. `count`: the session's visitors; `visits`: the latest of them
    (RECENT_VISITS), oldest first."""
    now = timezone.now()
    rows = list(
        session.visits.counted()
        .annotate(total=Window(Count("pk")))
        .order_by("-arrived_at", "-pk")
        .values_list("idempotency_key", "purpose", "arrived_at", "total")[:RECENT_VISITS]
    )
    visits = [_visit_json(key, purpose, at) for key, purpose, at, _total in reversed(rows)]
    state = _state_name(session)
    until = services.reopen_until(session, user) if state == "ended" else None
    return {
        "session": session.pk,
        "counter_url": reverse("staff:counter", args=[session.pk]),
        "state": state,
        "ended_at": f"{local(session.actual_end):%H:%M}" if session.actual_end else None,
        "reopen_until": until.isoformat() if until else None,
        "reopen_minutes": services.REOPEN_WINDOW.seconds // 60,
        "visits": visits,
        "count": rows[0][3] if rows else 0,
        "as_of": now.isoformat(timespec="microseconds"),
    }


@staff_required
def counter(request: HttpRequest, pk: int) -> HttpResponse:
    """The counter page for one session: start, log visitors in two taps, undo, end."""
    session = _session_for(request, pk)
    state = counter_state(session, request.user)
    visits = state["visits"]
    until = state["reopen_until"]
    return render(
        request,
        "visits/counter.html",
        {
            "session": session,
            "state": state,
            "visits": visits[::-1],
            "last_visit": visits[-1] if visits else None,
            "reopen_until": datetime.fromisoformat(until) if until else None,
            "purposes": Purpose.choices,
            "new_key": uuid.uuid4(),
            "details_form": VisitDetailsForm(),
            "not_held_form": NotHeldForm(),
            "can_record": services.can_record(request.user, session.contact_point),  # type: ignore[arg-type]
        },
    )


def _session_action(request: HttpRequest, pk: int, action: Any, message: str) -> HttpResponse:
    session = _session_for(request, pk)
    try:
        action(session=session, user=request.user)
    except ValidationError as error:
        return _error(request, error.messages[0], 409, f"/staff/sessions/{pk}/")
    return _done(request, session, message)


@staff_required
@require_POST
@made_by_this_officer
def session_start(request: HttpRequest, pk: int) -> HttpResponse:
    return _session_action(request, pk, services.session_start, "Session started.")


@staff_required
@require_POST
@made_by_this_officer
def session_end(request: HttpRequest, pk: int) -> HttpResponse:
    end = partial(services.session_end, at_counter=True)
    return _session_action(request, pk, end, "Session ended.")


@staff_required
@require_POST
@made_by_this_officer
def session_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    reopen = partial(services.session_reopen, at_counter=True)
    return _session_action(request, pk, reopen, "Session reopened.")


@staff_required
@require_POST
@made_by_this_officer
def session_not_held(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session_for(request, pk)
    form = NotHeldForm(request.POST)
    if not form.is_valid():
        return _error(
            request, "Choose what happened and give a short reason.", 400, f"/staff/sessions/{pk}/"
        )
    try:
        services.session_not_held(session=session, user=request.user, **form.cleaned_data)  # type: ignore[arg-type]
    except ValidationError as error:
        return _error(request, error.messages[0], 409, f"/staff/sessions/{pk}/")
    return _done(request, session, "Recorded as not held.")


def _done(
    request: HttpRequest,
    session: StaffedSession,
    message: str,
    *,
    as_read: StaffedSession | None = None,
    **extra: Any,
) -> HttpResponse:
    """The answer to a counter change. `as_read`: the session as the change itself read
    it, if it did, so it need not be read again."""
    if _wants_json(request):
        if as_read is not None:
            session = as_read
        else:
            session.refresh_from_db()
        state = counter_state(session, request.user)
        return JsonResponse({"message": message, "visits": state["count"], "state": state, **extra})
    messages.success(request, message)
    return redirect("staff:counter", pk=session.pk)


@staff_required
@require_POST
@made_by_this_officer
def visit_log(request: HttpRequest, pk: int) -> HttpResponse:
    """Tap one. Idempotent on the submitted key: a retry answers 200, not a second visit."""
    session = _session_for(request, pk)
    form = VisitForm(request.POST)
    if not form.is_valid():
        return _error(request, "Choose why the visitor came.", 400, f"/staff/sessions/{pk}/")
    device_time = form.cleaned_data.get("tapped_at")
    tapped = min(device_time or timezone.now(), timezone.now())
    try:
        if session.state == SessionState.HELD:
            session = services.session_for_tap(session=session, user=request.user, at=tapped)  # type: ignore[arg-type]
        logged = services.visit_log(
            user=request.user,  # type: ignore[arg-type]
            session=session,
            purpose=form.cleaned_data["purpose"],
            idempotency_key=form.cleaned_data["idempotency_key"],
            arrived_at=_tap_time(session, tapped) if device_time else None,
            at_counter=True,
        )
    except PermissionDenied:
        raise
    except ValidationError as error:
        return _error(request, error.messages[0], 409, f"/staff/sessions/{pk}/")
    label = logged.visit.get_purpose_display()
    response = _done(
        request,
        session,
        f"Visitor logged: {label}." if logged.created else f"Already logged: {label}.",
        as_read=logged.session,
        created=logged.created,
        key=str(logged.visit.idempotency_key),
    )
    if logged.created:
        response.status_code = 201 if _wants_json(request) else response.status_code
    return response


def _tap_time(session: StaffedSession, tapped_at: datetime) -> datetime | None:
    """The device's time of a queued tap (never later than now), kept within the session's
    own times: a phone's clock may be a little out. None: not started (refused later)."""
    if session.actual_start is None:
        return None
    when = max(tapped_at, session.actual_start)
    return min(when, session.actual_end) if session.actual_end else when


def _visit_by_key(request: HttpRequest, key: uuid.UUID) -> Visit:
    visit = (
        Visit.objects.select_related("contact_point", "session").filter(idempotency_key=key).first()
    )
    if visit is None:
        raise Http404("No visit with that key (yet).")
    if not services.can_record(request.user, visit.contact_point):  # type: ignore[arg-type]
        raise PermissionDenied("You are not assigned to this contact point.")
    return visit


@staff_required
@require_POST
@made_by_this_officer
def visit_details(request: HttpRequest, key: uuid.UUID) -> HttpResponse:
    """Tap two (optional): categories for the visit just logged."""
    visit = _visit_by_key(request, key)
    form = VisitDetailsForm(request.POST)
    back = f"/staff/sessions/{visit.session_id}/" if visit.session_id else "/staff/"
    if not form.is_valid():
        return _error(request, "Choose from the options given.", 400, back)
    try:
        services.visit_update(visit=visit, user=request.user, at_counter=True, **form.changes())  # type: ignore[arg-type]
    except ValidationError as error:
        return _error(request, error.messages[0], 409, back)
    if visit.session:
        return _done(request, visit.session, "Details saved.")
    return redirect("staff:home")


@staff_required
@require_POST
@made_by_this_officer
def visit_undo(request: HttpRequest, key: uuid.UUID) -> HttpResponse:
    visit = _visit_by_key(request, key)
    back = f"/staff/sessions/{visit.session_id}/" if visit.session_id else "/staff/"
    try:
        services.visit_withdraw(visit=visit, user=request.user, at_counter=True)  # type: ignore[arg-type]
    except ValidationError as error:
        return _error(request, error.messages[0], 409, back)
    if visit.session:
        return _done(request, visit.session, f"Undone: {visit.get_purpose_display()}.")
    return redirect("staff:home")


@staff_required
def footfall_upload(request: HttpRequest) -> HttpResponse:
    """Import a paper footfall sheet in two steps: upload, and see every problem by row or
    what will be added; then confirm, and every row is imported or none."""
    if not request.user.has_perm("visits.add_visit"):
        raise PermissionDenied
    form = FootfallUploadForm(request.POST or None, request.FILES or None)
    context: dict[str, Any] = {"form": form, "columns": footfall.COLUMNS, "codes": _codes()}
    status = 200
    if request.method == "POST" and "confirm" in request.POST:
        checked = CheckedSheet.objects.filter(
            token=str(request.POST["confirm"])[:32], user=request.user.pk,
            checked_at__gte=timezone.now() - CheckedSheet.KEPT_FOR,
        ).first()  # fmt: skip
        if checked is None:
            form = FootfallUploadForm()
            context |= {"form": form, "expired": True}
            return render(request, "visits/footfall_upload.html", context, status=400)
        result = footfall.footfall_import(content=bytes(checked.content), user=request.user)  # type: ignore[arg-type]
        checked.delete()
        # A fresh form for the next sheet: the confirmation posted no file, and that is no error.
        context |= {
            "form": FootfallUploadForm(),
            "result": result,
            "imported": not result.errors,
            "name": checked.name,
        }
        status = 400 if result.errors else 200
    elif request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > 5 * 1024 * 1024:
            form.add_error("file", "The file is too large: at most 5 MB.")
            status = 400
        else:
            content = upload.read()
            result = footfall.footfall_check(content=content, user=request.user)  # type: ignore[arg-type]
            context |= {"result": result, "name": upload.name}
            status = 400 if result.errors else 200
            if not result.errors and result.new:
                token = uuid.uuid4().hex
                user: Any = request.user  # signed in (staff_required)
                CheckedSheet.objects.create(
                    token=token, user=user, name=str(upload.name)[:255], content=content
                )
                context["token"] = token
    elif request.method == "POST":
        status = 400
    return render(request, "visits/footfall_upload.html", context, status=status)


def _codes() -> list[tuple[str, list[tuple[str, str]]]]:
    return [
        (column, [(c.value, c.label) for c in choices])
        for column, choices in footfall.CODES.items()
    ]


@staff_required
def footfall_template(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(footfall.TEMPLATE, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="footfall-template.csv"'
    return response


# --- The counter as an installable app ---------------------------------------------------
# Public (they hold nothing about anyone): the browser fetches them before and after sign-in.

# The counter script reads this name too: it saves today's counter pages into it, and
# signing out empties it.
PAGES_CACHE = "counter-pages"


def manifest(request: HttpRequest) -> HttpResponse:
    data = {
        "name": "Contact Points counter",
        "short_name": "Counter",
        "description": "Log visitors at a police contact point, with or without a connection.",
        "start_url": reverse("staff:home"),
        "scope": reverse("staff:home"),
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#1d70b8",
        "icons": [
            {
                "src": static(f"img/counter-{size}.png"),
                "sizes": f"{size}x{size}",
                "type": "image/png",
            }
            for size in (192, 512)
        ],
    }
    return JsonResponse(data, content_type="application/manifest+json")


def service_worker(request: HttpRequest) -> HttpResponse:
    shell = [static("css/site.css"), static("js/counter.js"), static("img/counter-192.png")]
    release = hashlib.sha256(json.dumps(shell).encode()).hexdigest()[:12]
    response = render(
        request,
        "visits/app/sw.js",
        {
            "release": release,
            "shell": json.dumps(shell),
            "pages_cache": PAGES_CACHE,
            "offline_url": reverse("staff:offline"),
        },
        content_type="text/javascript; charset=utf-8",
    )
    response["Cache-Control"] = "no-cache"  # browsers check for a new release on every visit
    return response


def offline(request: HttpRequest) -> HttpResponse:
    return render(request, "visits/offline.html")
