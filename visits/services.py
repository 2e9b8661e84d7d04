"""Writes to sessions and visits. The counter page, the admin, the importer and the demo
generator all come through here, with the acting user passed explicitly; each function is
one transaction and leaves a history record naming that user."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from contactpoints.hours import LONDON, local
from contactpoints.models import ContactPoint
from users.models import User

from .models import (
    NOT_HELD,
    TALLIES,
    Assignment,
    HeardVia,
    Outcome,
    PrivateRoom,
    Purpose,
    SessionState,
    Source,
    StaffedSession,
    UsageDay,
    Visit,
)


def can_record(user: User, contact_point: ContactPoint) -> bool:
    """Officers record for the contact points assigned to them; managers for all."""
    if not user.is_active or not user.has_perm("visits.add_visit"):
        return False
    if user.has_perm("visits.view_all_contact_points"):
        return True
    return Assignment.objects.filter(officer=user, contact_point=contact_point).exists()


def _require(user: User, contact_point: ContactPoint) -> None:
    if not can_record(user, contact_point):
        raise PermissionDenied("You are not assigned to this contact point.")


def _save(instance: StaffedSession | Visit, user: User | None) -> None:
    instance._history_user = user  # type: ignore[union-attr]  # read by simple-history
    instance.save()
    usage_changed()


USAGE_VERSION_KEY = "visits:usage-version"


def usage_version() -> int:
    """Bumped on every change to sessions or visits: cached usage figures keyed on it are
    never served stale."""
    return int(cache.get_or_set(USAGE_VERSION_KEY, 1, None) or 1)


def usage_changed() -> None:
    try:
        cache.incr(USAGE_VERSION_KEY)
    except ValueError:  # not in the cache (yet, or evicted): any new value will do
        cache.set(USAGE_VERSION_KEY, int(timezone.now().timestamp() * 1000), None)


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


@transaction.atomic
def session_start(
    *, session: StaffedSession, user: User, at: datetime | None = None
) -> StaffedSession:
    """The officer is at the counter: the session is held from now."""
    session = StaffedSession.objects.select_for_update().get(pk=session.pk)
    _require(user, session.contact_point)
    if session.state == SessionState.HELD:
        return session  # pressing "start" twice changes nothing
    if session.state in NOT_HELD:
        raise ValidationError("This session was recorded as not held. Ask a manager to change it.")
    session.state = SessionState.HELD
    session.actual_start = at or timezone.now()
    _save(session, user)
    session.officers.add(user)
    return session


@transaction.atomic
def session_end(
    *, session: StaffedSession, user: User, at: datetime | None = None
) -> StaffedSession:
    session = StaffedSession.objects.select_for_update().get(pk=session.pk)
    _require(user, session.contact_point)
    if session.state != SessionState.HELD:
        raise ValidationError("Only a session that was started can be ended.")
    if session.actual_end is None:
        session.actual_end = max(at or timezone.now(), session.actual_start)  # type: ignore[type-var]
        _save(session, user)
    return session


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


# --- Visits ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Logged:
    visit: Visit
    created: bool  # False: this idempotency key was seen before; nothing new was stored


def visit_log(
    *,
    user: User,
    idempotency_key: uuid.UUID,
    purpose: str,
    session: StaffedSession | None = None,
    contact_point: ContactPoint | None = None,
    arrived_at: datetime | None = None,
    private_room: str = PrivateRoom.NOT_NEEDED,
    heard_via: str = HeardVia.NOT_ASKED,
    outcome: str = Outcome.NOT_RECORDED,
    language_assistance: bool = False,
    source: str = Source.COUNTER,
) -> Logged:
    """Record one visit. A retried or double-tapped submission carries the same key and
    returns the visit already stored, so nothing is counted twice."""
    existing = Visit.objects.filter(idempotency_key=idempotency_key).first()
    if existing:
        _check_same_place(existing, session, contact_point)
        return Logged(existing, created=False)
    contact_point = session.contact_point if session else contact_point
    if contact_point is None:
        raise ValidationError("A visit needs a session or a contact point.")
    _require(user, contact_point)
    if purpose not in Purpose.values:
        raise ValidationError("Choose why the visitor came.")
    if session is not None and session.state in NOT_HELD:
        raise ValidationError("This session was recorded as not held.")
    visit = Visit(
        contact_point=contact_point,
        session=session,
        arrived_at=arrived_at or timezone.now(),
        purpose=purpose,
        private_room=private_room,
        heard_via=heard_via,
        outcome=outcome,
        language_assistance=language_assistance,
        idempotency_key=idempotency_key,
        source=source,
        recorded_by=user,
    )
    visit.full_clean(exclude=["session", "contact_point", "recorded_by"])
    try:
        with transaction.atomic():
            _save(visit, user)
            _tally(visit.contact_point_id, visit.arrived_at, visit.session_id)
    except IntegrityError:
        # The same key arrived twice at once: the other request stored it.
        stored = Visit.objects.get(idempotency_key=idempotency_key)
        return Logged(stored, created=False)
    return Logged(visit, created=True)


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
) -> Visit:
    """The optional second tap: add details to a visit just logged."""
    visit = Visit.objects.select_for_update().get(pk=visit.pk)
    _require(user, visit.contact_point)
    for name, value in (
        ("private_room", private_room),
        ("heard_via", heard_via),
        ("outcome", outcome),
        ("language_assistance", language_assistance),
    ):
        if value is not None:
            setattr(visit, name, value)
    visit.full_clean(exclude=["session", "contact_point", "recorded_by"])
    _save(visit, user)
    _tally(visit.contact_point_id, visit.arrived_at, visit.session_id)
    return visit


UNDO_WINDOW = timedelta(minutes=15)


@transaction.atomic
def visit_withdraw(*, visit: Visit, user: User) -> Visit:
    """Undo a mistaken tap. The visit stops counting but stays in the record (and its key
    stays used, so a late retry of the same tap cannot bring it back)."""
    visit = Visit.objects.select_for_update().get(pk=visit.pk)
    _require(user, visit.contact_point)
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
        _tally(visit.contact_point_id, visit.arrived_at, visit.session_id)
    return visit


# --- The usage roll-up -------------------------------------------------------------------


def _tally_columns() -> dict[str, Count]:
    return {
        column: Count("pk", filter=Q(**{field: value}))
        for column, (field, value) in TALLIES.items()
    }


def _tally(contact_point_id: int, when: datetime, session_id: int | None) -> None:
    """Recount one contact point's London day, and one session, from the visits."""
    day = local(when).date()
    start = datetime.combine(day, datetime.min.time(), tzinfo=LONDON)
    counts = (
        Visit.objects.counted()
        .filter(contact_point_id=contact_point_id, arrived_at__gte=start)
        .filter(arrived_at__lt=start + timedelta(days=1))
        .aggregate(visits=Count("pk"), **_tally_columns())
    )
    UsageDay.objects.update_or_create(contact_point_id=contact_point_id, day=day, defaults=counts)
    if session_id:
        StaffedSession.objects.filter(pk=session_id).update(
            visit_count=Visit.objects.counted().filter(session_id=session_id).count()
        )


@transaction.atomic
def usage_rebuild() -> int:
    """Rebuild the roll-up and every session's visit count from the visits (after bulk
    loads, or to check nothing drifted). Returns the number of days."""
    UsageDay.objects.all().delete()
    days = (
        Visit.objects.counted()
        .annotate(day=TruncDate("arrived_at", tzinfo=LONDON))
        .values("contact_point", "day")
        .annotate(count=Count("pk"), **_tally_columns())
        .order_by()
    )
    created = UsageDay.objects.bulk_create(
        (
            UsageDay(
                contact_point_id=row["contact_point"],
                day=row["day"],
                visits=row["count"],
                **{column: row[column] for column in TALLIES},
            )
            for row in days.iterator(chunk_size=5000)
        ),
        batch_size=5000,
    )
    counted = (
        Visit.objects.counted()
        .filter(session=OuterRef("pk"))
        .order_by()
        .values("session")
        .annotate(n=Count("pk"))
        .values("n")
    )
    StaffedSession.objects.update(visit_count=Coalesce(Subquery(counted), 0))
    usage_changed()
    return len(created)
