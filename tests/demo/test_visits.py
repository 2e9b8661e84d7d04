"""Synthetic demo history: reproducible, labelled, plausible, never doubled."""

from datetime import datetime

import pytest
from django.db.models import Count

from core.time import LONDON
from demo.places import load_demo
from demo.visits import generate
from visits.models import SessionState, Source, StaffedSession, Visit

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 27, 12, tzinfo=LONDON)


def test_synthetic_history_is_labelled_plausible_and_idempotent() -> None:
    load_demo()
    first = generate(days=120, now=NOW)
    assert first.sessions > 100
    assert generate(days=120, now=NOW).sessions == 0
    assert Visit.objects.exclude(source=Source.SYNTHETIC).count() == 0
    assert StaffedSession.objects.exclude(source=Source.SYNTHETIC).count() == 0
    assert not StaffedSession.objects.filter(scheduled_end__gt=NOW).exists()
    states = dict(StaffedSession.objects.values_list("state").annotate(n=Count("id")))
    assert states[SessionState.HELD] > 0.8 * sum(states.values())
    assert states.get(SessionState.CANCELLED, 0) > 0
    beethoven = StaffedSession.objects.filter(
        contact_point__slug="beethoven-centre-contact-point", state=SessionState.HELD
    ).annotate(visitors=Count("visits"))
    counts = [s.visitors for s in beethoven]
    assert max(counts) <= 3
    assert counts.count(0) > len(counts) / 2  # zero-visit sessions are real outcomes
    assert not Visit.objects.filter(session__state__in=["cancelled", "no_officer"]).exists()


def test_the_same_seed_gives_the_same_history() -> None:
    load_demo()
    generate(days=30, now=NOW, seed=7)
    first = list(Visit.objects.order_by("idempotency_key").values_list("purpose", "arrived_at"))
    Visit.objects.all().delete()
    StaffedSession.objects.all().delete()
    generate(days=30, now=NOW, seed=7)
    assert (
        list(Visit.objects.order_by("idempotency_key").values_list("purpose", "arrived_at"))
        == first
    )
