"""Writes to sessions and visits. The counter page, the admin, the importer and the demo
generator all come through here, with the acting user passed explicitly; each function is
one transaction and leaves a history record naming that user."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from contactpoints.models import ContactPoint
from core import hooks
from core.time import local
from users.models import User

from .models import (
    NOT_HELD,
    Assignment,
    HeardVia,
    Outcome,
    PrivateRoom,
    Purpose,
    SessionState,
    Source,
    StaffedSession,
    Visit,
)


def can_record(user: User, contact_point: ContactPoint) -> bool:
    """Officers record for the contact points assigned to them; managers for all."""
    if not user.is_active or not user.has_perm("visits.add_visit"):
        return False
    if user.has_perm("visits.view_all_contact_points"):
        return True
    # Kept on the user object, as Django keeps its permissions (`_perm_cache`): that object
    # lives for one request, in which the view and the service both ask.
    known: dict[int, bool] = user.__dict__.setdefault("_assigned_cache", {})
    if contact_point.pk not in known:
        known[contact_point.pk] = Assignment.objects.filter(
            officer=user, contact_point=contact_point
        ).exists()
    return known[contact_point.pk]


def _require(user: User, contact_point: ContactPoint) -> None:
    if not can_record(user, contact_point):
        raise PermissionDenied("You are not assigned to this contact point.")


def _save(instance: StaffedSession | Visit, user: User | None) -> None:
    instance._history_user = user  # type: ignore[union-attr]  # read by simple-history
    instance.save()
    if isinstance(instance, StaffedSession):
        hooks.tell("VISIT_LISTENERS", "session_changed", session=instance)


# The fields of a visit that the figures count it by (hooks: `visit_changed`).
COUNTED_FIELDS = ["purpose", "heard_via", "private_room", "source", "outcome"]


# --- Sessions ----------------------------------------------------------------------------


def sessions_schedule(
    *, contact_point: ContactPoint, start: datetime, end: datetime, source: str = Source.SCHEDULE
) -> int:
    """Create the scheduled sessions that the opening hours advertise in [start, end).
    Idempotent: sessions already there are left alone. Returns how many were created."""
    if not contact_point.is_operating:
        return 0
    advertised = contact_point.schedule().sessions_between(start, end)
    existing = set(
        StaffedSession.objects.filter(
            contact_point=contact_point, scheduled_start__in=[s.start for s in advertised]
        ).values_list("scheduled_start", flat=True)
    )
    created = 0
    for advertised_session in advertised:
        if advertised_session.start in existing:
            continue
        try:
            with transaction.atomic():
                _save(
                    StaffedSession(
                        contact_point=contact_point,
                        scheduled_start=advertised_session.start,
                        scheduled_end=advertised_session.end,
                        source=source,
                    ),
                    None,
                )
            created += 1
        except IntegrityError:
            continue  # created meanwhile by another request: that one stands
    return created


# How far ahead sessions are kept in step with the hours when they change, once any are
# scheduled ahead (sessions already scheduled further ahead are followed too).
FOLLOW_DAYS = 14


def sessions_reschedule(*, contact_point: ContactPoint, now: datetime) -> tuple[int, int]:
    """After the hours changed: sessions that have not started and no one has touched
    (scheduled from the hours, no officer action, no visit) are replaced by what the hours
    now advertise; every other session is left as recorded. Returns (removed, created)."""
    untouched = _untouched_ahead([contact_point.pk], now)
    latest = (
        untouched.order_by("-scheduled_start").values_list("scheduled_start", flat=True).first()
    )
    if latest is None:
        return 0, 0  # nothing scheduled ahead: the daily scheduling will use the new hours
    end = max(now + timedelta(days=FOLLOW_DAYS), latest + timedelta(seconds=1))
    advertised = set()
    if contact_point.is_operating:
        advertised = {(s.start, s.end) for s in contact_point.schedule().sessions_between(now, end)}
    removed = 0
    for session in untouched:
        if (session.scheduled_start, session.scheduled_end) not in advertised:
            session._history_user = None  # type: ignore[attr-defined]
            session.delete()
            removed += 1
    created = sessions_schedule(contact_point=contact_point, start=now, end=end)
    return removed, created


def _untouched_ahead(contact_point_ids: list[int], now: datetime) -> QuerySet[StaffedSession]:
    """Sessions ahead at these places that came from the hours and no one has touched."""
    return StaffedSession.objects.filter(
        contact_point_id__in=contact_point_ids,
        source=Source.SCHEDULE,
        state=SessionState.SCHEDULED,
        actual_start__isnull=True,
        visit_count=0,
        scheduled_start__gt=now,
    )


def hours_changed(*, contact_point_ids: list[int]) -> None:
    """Places' hours changed (told by contactpoints.services, through settings.
    HOURS_LISTENERS, in the same transaction): keep their sessions not yet started in step.
    Most saves have none scheduled ahead: one query for all of them, and no hours loaded."""
    now = timezone.now()
    ahead = _untouched_ahead(contact_point_ids, now).values_list("contact_point_id", flat=True)
    for contact_point in ContactPoint.objects.with_hours().filter(pk__in=ahead):
        sessions_reschedule(contact_point=contact_point, now=now)


# How early an officer may open a session before its advertised start.
EARLY_START = timedelta(minutes=30)


@transaction.atomic
def session_start(
    *, session: StaffedSession, user: User, at: datetime | None = None
) -> StaffedSession:
    """The officer is at the counter: the session is held from now. Only a session whose
    advertised time has come (or is half an hour away) and has not ended can be started."""
    session = StaffedSession.objects.select_for_update().get(pk=session.pk)
    _require(user, session.contact_point)
    if session.state == SessionState.HELD:
        return session  # pressing "start" twice changes nothing
    if session.state in NOT_HELD:
        raise ValidationError("This session was recorded as not held. Ask a manager to change it.")
    at = at or timezone.now()
    if at < session.scheduled_start - EARLY_START:
        opens = local(session.scheduled_start)
        raise ValidationError(
            f"This session starts at {opens:%H:%M} on {opens:%A %-d %B}: it can be started "
            "from half an hour before."
        )
    if at >= session.scheduled_end:
        raise ValidationError(
            "This session's advertised time is over. Record it as not held, or ask a manager "
            "to record when it was staffed."
        )
    session.state = SessionState.HELD
    session.actual_start = at
    _save(session, user)
    session.officers.add(user)
    # The session before it, running into this one and never ended (a counter open round
    # the clock): it ended when this one was due to begin.
    before = (
        StaffedSession.objects.select_for_update()
        .filter(contact_point_id=session.contact_point_id, scheduled_end=session.scheduled_start)
        .filter(state=SessionState.HELD, actual_end__isnull=True)
        .first()
    )
    if before is not None and before.actual_start <= before.scheduled_end:  # type: ignore[operator]
        before.actual_end = before.scheduled_end
        _save(before, user)
    return session


@transaction.atomic
def session_end(
    *, session: StaffedSession, user: User, at: datetime | None = None, at_counter: bool = False
) -> StaffedSession:
    session = StaffedSession.objects.select_for_update().get(pk=session.pk)
    _require(user, session.contact_point)
    if session.state != SessionState.HELD:
        raise ValidationError("Only a session that was started can be ended.")
    if session.actual_end is None:
        if at_counter:
            # Ending a long-forgotten session now would open it to new taps for days.
            check_counter_may_change(session, session.scheduled_start)
        session.actual_end = max(at or timezone.now(), session.actual_start)  # type: ignore[type-var]
        _save(session, user)
    return session


# How long the officer who ended a session may reopen it (an "End session" pressed by
# mistake, or a visitor arriving as the officer leaves). Managers may reopen a session
# until its advertised end.
REOPEN_WINDOW = timedelta(minutes=30)


def reopen_until(session: StaffedSession, user: User) -> datetime | None:
    """Until when `user` may reopen this ended session; None if they may not."""
    if session.state != SessionState.HELD or session.actual_end is None:
        return None
    if not can_record(user, session.contact_point):
        return None
    if user.has_perm("visits.view_all_contact_points"):
        return max(session.scheduled_end, session.actual_end + REOPEN_WINDOW)
    ended = (
        session.history.filter(actual_end=session.actual_end)  # type: ignore[attr-defined]
        .order_by("history_date")
        .values_list("history_user_id", flat=True)
        .first()
    )
    return session.actual_end + REOPEN_WINDOW if ended == user.pk else None


@transaction.atomic
def session_reopen(
    *, session: StaffedSession, user: User, at: datetime | None = None, at_counter: bool = False
) -> StaffedSession:
    """Take back "End session": the session runs on as if it had not ended. Pressing it
    twice changes nothing."""
    session = StaffedSession.objects.select_for_update().get(pk=session.pk)
    _require(user, session.contact_point)
    if session.is_open_for_visits:
        return session
    if at_counter:
        check_counter_may_change(session, session.actual_end or session.scheduled_start)
    until = reopen_until(session, user)
    if until is None:
        raise ValidationError(
            "Only the officer who ended this session can reopen it, within "
            f"{REOPEN_WINDOW.seconds // 60} minutes. Ask a manager."
        )
    if (at or timezone.now()) > until:
        raise ValidationError(
            f"This session ended more than {REOPEN_WINDOW.seconds // 60} minutes ago and can "
            "no longer be reopened here. Ask a manager."
        )
    session.actual_end = None
    _save(session, user)
    return session


def session_for_tap(*, session: StaffedSession, user: User, at: datetime) -> StaffedSession:
    """The session a tap made at `at` belongs to. At a counter that runs on past the end of
    its session into the next one (open round the clock, or an overnight session followed
    by the next day's), the session rolls over at the boundary: the first tap after it
    ends this session at its advertised end and starts the next one there, with the same
    officers, so the visitor in front of the desk is logged without anyone pressing a
    button. Otherwise the session itself."""
    if at < session.scheduled_end:
        return session  # nearly every tap: no transaction opened for nothing
    return _roll_over(session=session, user=user, at=at)


@transaction.atomic
def _roll_over(*, session: StaffedSession, user: User, at: datetime) -> StaffedSession:
    current = StaffedSession.objects.select_for_update().get(pk=session.pk)
    _require(user, current.contact_point)
    if current.state != SessionState.HELD:
        return current
    following = StaffedSession.objects.filter(
        contact_point_id=current.contact_point_id, scheduled_start=current.scheduled_end
    )
    if not following.exists():
        sessions_schedule(
            contact_point=current.contact_point,
            start=current.scheduled_end,
            end=current.scheduled_end + timedelta(seconds=1),
        )
    nxt = following.select_for_update().first()
    if nxt is None or nxt.state in NOT_HELD:
        return current
    if current.actual_end is None:
        current.actual_end = current.scheduled_end
        _save(current, user)
    elif current.actual_end < current.scheduled_end:
        return current  # ended before the boundary: an officer closed the counter
    if nxt.state == SessionState.SCHEDULED:
        nxt.state = SessionState.HELD
        nxt.actual_start = nxt.scheduled_start
        _save(nxt, user)
        nxt.officers.add(*current.officers.all())
    if nxt.actual_end is not None and at > nxt.actual_end:
        return current
    return session_for_tap(session=nxt, user=user, at=at)


@transaction.atomic
def session_not_held(
    *, session: StaffedSession, user: User, state: str, reason: str
) -> StaffedSession:
    """Record that an advertised session did not happen, and why."""
    session = StaffedSession.objects.select_for_update().get(pk=session.pk)
    _require(user, session.contact_point)
    if state not in NOT_HELD:
        raise ValidationError("Choose why the session was not held.")
    if not reason.strip():
        raise ValidationError("Say briefly why the session was not held.")
    if session.visits.counted().exists():
        raise ValidationError("Visitors were recorded in this session, so it was held.")
    session.state = state
    session.reason = reason.strip()[:200]
    session.actual_start = session.actual_end = None
    _save(session, user)
    return session


@transaction.atomic
def session_correct(*, session: StaffedSession, user: User) -> StaffedSession:
    """Save a manager's correction to a session (the back office): checked like every other
    write, kept in the history with who made it, and reflected in the usage figures (the
    roll-up of its visits, and any released month it belongs to, old or new)."""
    if not user.has_perm("visits.change_staffedsession"):
        raise PermissionDenied("You cannot change sessions.")
    _require(user, session.contact_point)
    before = None
    if session.pk:
        before = StaffedSession.objects.select_for_update().get(pk=session.pk)
        if session.state in NOT_HELD and before.visits.counted().exists():
            raise ValidationError("Visitors were recorded in this session, so it was held.")
    session.full_clean()
    _save(session, user)
    if before is not None and (
        before.scheduled_start != session.scheduled_start
        or before.contact_point_id != session.contact_point_id
    ):
        hooks.tell("VISIT_LISTENERS", "session_changed", session=before)  # where it was
    return session


# --- Visits ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Logged:
    visit: Visit
    created: bool  # False: this idempotency key was seen before; nothing new was stored
    session: StaffedSession | None = None  # the visit's session as read to store it


def visit_log(
    *,
    user: User,
    idempotency_key: uuid.UUID,
    purpose: str,
    session: StaffedSession,
    arrived_at: datetime | None = None,
    private_room: str = PrivateRoom.NOT_NEEDED,
    heard_via: str = HeardVia.NOT_ASKED,
    outcome: str = Outcome.NOT_RECORDED,
    language_assistance: bool = False,
    source: str = Source.COUNTER,
    at_counter: bool = False,
) -> Logged:
    """Record one visit, inside a held session. A retried or double-tapped submission
    carries the same key and returns the visit already stored, so nothing is counted twice.
    (Every visit belongs to a session: so a month's published figures exist exactly for the
    places that advertised sessions in it, which the public sees anyway.) `at_counter`: sent
    from the counter page, so only within its window (check_counter_may_change)."""
    # Nearly every tap is new, so its key is looked up only when the visit cannot be
    # stored: a retry or a double tap (the other request stored it; the unique key refuses
    # this one) is answered with the visit stored, whatever has changed since (the session
    # ended, the month was published).
    try:
        contact_point = session.contact_point
        _require(user, contact_point)
        if purpose not in Purpose.values:
            raise ValidationError("Choose why the visitor came.")
        arrived_at = arrived_at or timezone.now()
        session = StaffedSession.objects.get(pk=session.pk)  # as it is now, not as loaded
        _check_in_session(session, arrived_at)
        if at_counter:
            check_counter_may_change(session, arrived_at)
        visit = Visit(
            contact_point=contact_point,
            session=session,
            arrived_at=arrived_at,
            purpose=purpose,
            private_room=private_room,
            heard_via=heard_via,
            outcome=outcome,
            language_assistance=language_assistance,
            idempotency_key=idempotency_key,
            source=source,
            recorded_by=user,
        )
        _checked(visit)
        with transaction.atomic():
            _save(visit, user)
            _count(visit, +1)
        return Logged(visit, created=True, session=session)
    except (ValidationError, PermissionDenied, IntegrityError):
        existing = Visit.objects.filter(idempotency_key=idempotency_key).first()
        if existing is None:
            raise
    _check_same_place(existing, session, None)
    return Logged(existing, created=False)


def _checked(visit: Visit) -> None:
    """The visit's fields checked before it is written. Its check constraints repeat the
    fields' choices, which this checks in Python; Django would ask the database once per
    constraint (four queries a tap), and the database keeps them anyway. The idempotency
    key's uniqueness is not asked either: a key already stored meets the unique index
    (IntegrityError), and the caller then answers with the visit stored."""
    visit.full_clean(
        exclude=["session", "contact_point", "recorded_by"],
        validate_unique=False,
        validate_constraints=False,
    )


def visits_known(keys: list[uuid.UUID]) -> set[uuid.UUID]:
    """Which of these idempotency keys are already stored."""
    known: set[uuid.UUID] = set()
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        known.update(
            Visit.objects.filter(idempotency_key__in=chunk).values_list(
                "idempotency_key", flat=True
            )
        )
    return known


@transaction.atomic
def visits_bulk_log(
    *, user: User, visits: list[dict[str, Any]], source: str = Source.IMPORT
) -> int:
    """Record many visits at once (an imported sheet, already checked: each dict holds a
    Visit's fields, its session and its idempotency key). Keys already stored are skipped.
    One transaction: bulk inserts with their history rows, then one recount per contact
    point and day and per session. Returns how many were added."""
    if not visits:
        return 0
    known = visits_known([v["idempotency_key"] for v in visits])
    for contact_point in {v["contact_point"] for v in visits}:
        _require(user, contact_point)
    rows = [
        Visit(**{**v, "source": source, "recorded_by": user})
        for v in visits
        if v["idempotency_key"] not in known
    ]
    bulk_create_with_history(rows, Visit, batch_size=500, default_user=user)
    by_session: dict[int, int] = {}
    for visit in rows:
        assert visit.session_id is not None  # an imported row belongs to a held session
        by_session[visit.session_id] = by_session.get(visit.session_id, 0) + 1
    for session_id, n in sorted(by_session.items()):
        StaffedSession.objects.filter(pk=session_id).update(visit_count=F("visit_count") + n)
    hooks.tell("VISIT_LISTENERS", "visits_counted", visits=rows)
    return len(rows)


# A phone's clock may run a little ahead of the server's.
CLOCK_SKEW = timedelta(minutes=5)

# What the counter (an officer's phone, perhaps offline) may still change: a session that
# ended no more than OFFLINE_GRACE ago (a phone without signal over a weekend), in a month
# whose figures are not yet published. Anything later is a manager's correction in the back
# office, which revises a published month through publishing's revision rules.
OFFLINE_GRACE = timedelta(days=3)


def check_counter_may_change(session: StaffedSession | None, when: datetime) -> None:
    """Refuse a change sent from the counter outside its window (see OFFLINE_GRACE)."""
    if session is not None:
        end = session.actual_end or session.scheduled_end
        if timezone.now() > end + OFFLINE_GRACE:
            raise ValidationError(
                f"This session ended more than {OFFLINE_GRACE.days} days ago, so the counter "
                "can no longer change it. Ask a manager to correct it in the back office."
            )
    if any(hooks.ask("VISIT_LISTENERS", "month_released", when=when)):
        raise ValidationError(
            f"The figures for {local(when):%B %Y} are published, so the counter can no "
            "longer change them. Ask a manager to correct it in the back office."
        )


def _check_in_session(session: StaffedSession, arrived_at: datetime) -> None:
    """A visit belongs to a session that was held, between its start and its end (or now,
    while it runs). Taps queued offline keep the time they were made, so they still fit."""
    if session.state in NOT_HELD:
        raise ValidationError("This session was recorded as not held.")
    if session.state != SessionState.HELD or session.actual_start is None:
        raise ValidationError("Start the session before logging visitors.")
    if arrived_at < session.actual_start:
        raise ValidationError("This visit is timed before the session started.")
    ended = session.actual_end
    if ended is not None and arrived_at > ended:
        raise ValidationError("This visit is timed after the session ended.")
    if arrived_at > timezone.now() + CLOCK_SKEW:
        raise ValidationError("A visit cannot be recorded in the future.")


def _check_same_place(
    visit: Visit, session: StaffedSession | None, contact_point: ContactPoint | None
) -> None:
    if (session and visit.session_id != session.pk) or (
        contact_point and visit.contact_point_id != contact_point.pk
    ):
        raise ValidationError("This submission was already used for another visit.")


@transaction.atomic
def visit_update(
    *,
    visit: Visit,
    user: User,
    private_room: str | None = None,
    heard_via: str | None = None,
    outcome: str | None = None,
    language_assistance: bool | None = None,
    at_counter: bool = False,
) -> Visit:
    """The optional second tap: add details to a visit just logged."""
    visit = Visit.objects.select_for_update(of=("self",)).select_related("session").get(pk=visit.pk)
    _require(user, visit.contact_point)
    if at_counter:
        check_counter_may_change(visit.session, visit.arrived_at)
    before = {field: getattr(visit, field) for field in COUNTED_FIELDS}
    for name, value in (
        ("private_room", private_room),
        ("heard_via", heard_via),
        ("outcome", outcome),
        ("language_assistance", language_assistance),
    ):
        if value is not None:
            setattr(visit, name, value)
    _checked(visit)
    _save(visit, user)
    if visit.withdrawn_at is None:
        hooks.tell("VISIT_LISTENERS", "visit_changed", before=before, visit=visit)
    return visit


UNDO_WINDOW = timedelta(minutes=15)


@transaction.atomic
def visit_withdraw(*, visit: Visit, user: User, at_counter: bool = False) -> Visit:
    """Undo a mistaken tap. The visit stops counting but stays in the record (and its key
    stays used, so a late retry of the same tap cannot bring it back)."""
    visit = Visit.objects.select_for_update(of=("self",)).select_related("session").get(pk=visit.pk)
    _require(user, visit.contact_point)
    if at_counter and visit.withdrawn_at is None:
        check_counter_may_change(visit.session, visit.arrived_at)
    is_manager = user.has_perm("visits.view_all_contact_points")
    if not is_manager and (
        visit.recorded_by_id != user.pk or timezone.now() - visit.created_at > UNDO_WINDOW
    ):
        raise ValidationError(
            "Only a visit you logged in the last 15 minutes can be undone. Ask a manager."
        )
    if visit.withdrawn_at is None:
        visit.withdrawn_at = timezone.now()
        _save(visit, user)
        _count(visit, -1)
    return visit


# --- Counts kept in step ----------------------------------------------------------------
#
# The apps above are told of every change to what is counted, in the same transaction
# (settings.VISIT_LISTENERS: the published figures' roll-up), through these events:
# visit_counted(visit, sign), visits_counted(visits), visit_changed(before, visit) and
# session_changed(session).


def _count(visit: Visit, sign: int) -> None:
    """`visit` starts (+1) or stops (−1) counting: its session's count moves by one in
    place (the row's lock held until commit: concurrent taps queue, none is lost), and the
    apps above are told (the published figures' roll-up)."""
    if visit.session_id:
        StaffedSession.objects.filter(pk=visit.session_id).update(
            visit_count=F("visit_count") + sign
        )
    hooks.tell("VISIT_LISTENERS", "visit_counted", visit=visit, sign=sign)


def _session_counts() -> Subquery:
    return Subquery(
        Visit.objects.counted()
        .filter(session=OuterRef("pk"))
        .order_by()
        .values("session")
        .annotate(n=Count("pk"))
        .values("n")
    )


def sessions_recount() -> None:
    """Every session's visit count, counted again from the visits."""
    StaffedSession.objects.update(visit_count=Coalesce(_session_counts(), 0))


def sessions_miscounted() -> list[tuple[int, int, int]]:
    """Sessions whose kept count differs from their visits: (session, kept, counted)."""
    sessions = StaffedSession.objects.annotate(counted=Coalesce(_session_counts(), 0)).exclude(
        visit_count=F("counted")
    )
    return list(sessions.values_list("pk", "visit_count", "counted"))


@transaction.atomic
def history_record(
    *, user: User, sessions: list[StaffedSession], visits: list[Visit]
) -> tuple[int, int]:
    """Record a history of sessions and their visits at once (the demo's synthetic years, a
    migration from another system): bulk inserts with their history rows, each session's
    visit count, and the apps above told in bulk. Returns (sessions, visits) added. Called
    by commands, never from a request: `user` is who the history rows name."""
    bulk_create_with_history(sessions, StaffedSession, default_user=user, batch_size=500)
    by_session: dict[int, int] = {}
    for visit in visits:
        session = visit.session
        assert session is not None  # every visit belongs to a session
        visit.session_id, visit.contact_point_id = session.pk, session.contact_point_id
        if visit.withdrawn_at is None:
            by_session[session.pk] = by_session.get(session.pk, 0) + 1
    bulk_create_with_history(visits, Visit, default_user=user, batch_size=1000)
    for session_id, n in sorted(by_session.items()):
        StaffedSession.objects.filter(pk=session_id).update(visit_count=F("visit_count") + n)
    hooks.tell("VISIT_LISTENERS", "sessions_changed", sessions=sessions)
    hooks.tell(
        "VISIT_LISTENERS", "visits_counted", visits=[v for v in visits if v.withdrawn_at is None]
    )
    return len(sessions), len(visits)
