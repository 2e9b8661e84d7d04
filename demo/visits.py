"""Synthetic visit history for the demo: plausible, reproducible (fixed seed), and labelled
`source = synthetic` wherever it shows. Never real data.

Contact points see mostly 0–3 visitors a session (about 1.3 a week, as the Met's review
found); front counters see more. Some sessions are cancelled or start late.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from django.db import transaction
from django.utils import timezone

from contactpoints.models import ContactPoint, Kind
from users.models import User
from visits import services
from visits.models import (
    HeardVia,
    Outcome,
    PrivateRoom,
    Purpose,
    SessionState,
    Source,
    StaffedSession,
    Visit,
)

T = TypeVar("T")
NAMESPACE = uuid.UUID("0f1c8a52-3d0e-4b7e-8a53-6a1f2c9d7e44")
SYNTHETIC_USERNAME = "synthetic-data"

PURPOSES = {
    Purpose.REPORT_CRIME: 25,
    Purpose.ANTI_SOCIAL: 8,
    Purpose.PROPERTY: 15,
    Purpose.BAIL: 12,
    Purpose.DOCUMENTS: 8,
    Purpose.ADVICE: 22,
    Purpose.SAFETY: 5,
    Purpose.OTHER: 5,
}
HEARD_VIA = {
    HeardVia.NOT_ASKED: 30,
    HeardVia.PASSING_BY: 25,
    HeardVia.WORD_OF_MOUTH: 15,
    HeardVia.WEBSITE: 10,
    HeardVia.POLICE_UK: 8,
    HeardVia.POSTER: 5,
    HeardVia.REFERRED: 5,
    HeardVia.OTHER: 2,
}
OUTCOMES = {
    Purpose.REPORT_CRIME: {
        Outcome.CRIME_REPORT: 70,
        Outcome.REFERRED_ONLINE: 20,
        Outcome.ADVICE: 10,
    },
    Purpose.ANTI_SOCIAL: {Outcome.ADVICE: 50, Outcome.REFERRED_101: 30, Outcome.CRIME_REPORT: 20},
    Purpose.SAFETY: {Outcome.ADVICE: 50, Outcome.APPOINTMENT: 30, Outcome.CRIME_REPORT: 20},
}
NOT_HELD_OUTCOMES = [  # (state, reason, share of sessions in %)
    (SessionState.CANCELLED, "Officer called away to an incident", 5),
    (SessionState.NO_OFFICER, "No officer available on the rota", 4),
    (SessionState.VENUE_UNAVAILABLE, "Venue closed for a private event", 3),
]
# Visitors per held session: contact points and pop-ups, by count.
SMALL_SESSION = {0: 65, 1: 27, 2: 6, 3: 2}


def _pick(rng: random.Random, weights: Mapping[T, int]) -> T:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


@dataclass
class Generated:
    sessions: int = 0
    visits: int = 0


def synthetic_user() -> User:
    user, created = User.objects.get_or_create(
        username=SYNTHETIC_USERNAME,
        defaults={"first_name": "Synthetic", "last_name": "data", "is_active": False},
    )
    if created:
        user.set_unusable_password()
        user.save()
    return user


@transaction.atomic
def generate(
    *,
    days: int = 730,
    seed: int = 20261127,
    now: datetime | None = None,
    progress: Callable[[int, int, str], object] | None = None,
) -> Generated:
    """Sessions and visits for the last `days` days at every operating contact point.
    Re-running adds nothing: sessions that exist are skipped, keys are deterministic."""
    now = now or timezone.now()
    rng = random.Random(seed)  # noqa: S311 (demo data, not security)
    user = synthetic_user()
    result = Generated()
    places = list(ContactPoint.objects.published().operating().with_hours().order_by("pk"))
    for done, cp in enumerate(places, start=1):
        advertised = cp.schedule().sessions_between(now - timedelta(days=days), now)
        existing = set(
            StaffedSession.objects.filter(contact_point=cp).values_list(
                "scheduled_start", flat=True
            )
        )
        sessions, planned_visits = [], []
        for slot in advertised:
            if slot.start in existing or slot.end > now:
                continue
            session = _session(rng, cp, slot.start, slot.end)
            sessions.append(session)
            if session.state == SessionState.HELD:
                planned_visits.append((session, _visitor_count(rng, cp, slot.end - slot.start)))
        visits = [
            _visit(rng, cp, session, user, number)
            for session, count in planned_visits
            for number in range(count)
        ]
        # Through the service, as any history: the roll-up follows in the same transaction.
        added = services.history_record(user=user, sessions=sessions, visits=visits)
        result.sessions += added[0]
        result.visits += added[1]
        if progress:
            progress(done, len(places), cp.name)
    return result


def _session(
    rng: random.Random, cp: ContactPoint, start: datetime, end: datetime
) -> StaffedSession:
    roll = rng.randrange(100)
    threshold = 0
    for state, reason, share in NOT_HELD_OUTCOMES:
        threshold += share
        if roll < threshold:
            return StaffedSession(
                contact_point=cp, scheduled_start=start, scheduled_end=end, state=state,
                reason=reason, source=Source.SYNTHETIC,
            )  # fmt: skip
    late = rng.random() < 0.15
    delay = timedelta(minutes=rng.randint(10, 25) if late else rng.randint(0, 4))
    return StaffedSession(
        contact_point=cp,
        scheduled_start=start,
        scheduled_end=end,
        actual_start=start + delay,
        actual_end=end,
        state=SessionState.HELD,
        reason="Officer delayed" if late else "",
        source=Source.SYNTHETIC,
    )


def _visitor_count(rng: random.Random, cp: ContactPoint, length: timedelta) -> int:
    if cp.kind in (Kind.CONTACT_POINT, Kind.POP_UP):
        return _pick(rng, SMALL_SESSION)
    hours = length.total_seconds() / 3600
    return max(0, int(rng.gauss(hours * 1.2, hours * 0.4)))


def _visit(
    rng: random.Random, cp: ContactPoint, session: StaffedSession, user: User, number: int
) -> Visit:
    start = session.actual_start or session.scheduled_start
    span = (session.scheduled_end - start).total_seconds()
    purpose = _pick(rng, PURPOSES)
    wants_privacy = purpose in (Purpose.REPORT_CRIME, Purpose.SAFETY) and rng.random() < 0.25
    if wants_privacy:
        private_room = PrivateRoom.USED if cp.has_private_room else PrivateRoom.ASKED_NOT_AVAILABLE
    else:
        private_room = PrivateRoom.NOT_NEEDED
    outcome = _pick(rng, OUTCOMES.get(purpose, {Outcome.ADVICE: 60, Outcome.OTHER: 40}))
    return Visit(
        contact_point=cp,
        session=session,
        arrived_at=start + timedelta(seconds=rng.uniform(0, max(span - 60, 1))),
        purpose=purpose,
        private_room=private_room,
        heard_via=_pick(rng, HEARD_VIA),
        outcome=outcome,
        language_assistance=rng.random() < 0.06,
        idempotency_key=uuid.uuid5(
            NAMESPACE, f"{cp.slug}|{session.scheduled_start.isoformat()}|{number}"
        ),
        source=Source.SYNTHETIC,
        recorded_by=user,
    )
