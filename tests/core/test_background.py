"""The cap on expensive work holds exactly when many processes start work at the same
moment: a flood of new coverage periods reaching every worker at once never has more than
`BACKGROUND_MAX_RUNNING` pieces of work under way (a row each in `core_job`), and the same
piece asked for twice runs once."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from django.utils import timezone

from core import background
from core.models import Job
from tests.threads import at_once

pytestmark = pytest.mark.django_db(transaction=True)

STARTERS = 6  # requests in as many workers, each asking for a different piece of work
ROUNDS = 15


@pytest.fixture
def held(settings) -> Iterator[threading.Event]:  # type: ignore[no-untyped-def]
    """Work that stays under way until the test lets it go."""
    settings.BACKGROUND_INLINE = False
    release = threading.Event()
    yield release
    release.set()
    background.wait()


@pytest.mark.parametrize("cap", [1, 2])
def test_work_started_at_the_same_moment_never_exceeds_the_cap(held, settings, cap) -> None:
    settings.BACKGROUND_MAX_RUNNING = cap
    started: list[str] = []  # the keys whose requests were told their work is under way

    def request_for(key: str) -> Callable[[], bool]:
        def start() -> bool:
            if background.start(key, lambda: held.wait(timeout=30)):
                started.append(key)
                return True
            return False

        return start

    for round_ in range(ROUNDS):
        started.clear()
        at_once([request_for(f"round {round_} period {n}") for n in range(STARTERS)])
        under_way = Job.objects.count()
        assert under_way <= cap, f"round {round_}: {under_way} under way, cap {cap}"
        assert sorted(started) == sorted(Job.objects.values_list("key", flat=True))
        held.set()
        background.wait()
        held.clear()
        assert Job.objects.count() == 0


def test_the_same_work_asked_for_at_once_runs_once(held, settings) -> None:
    settings.BACKGROUND_MAX_RUNNING = 3
    runs: list[int] = []

    def work() -> None:
        runs.append(1)
        held.wait(timeout=30)

    answers = at_once([lambda: background.start("one period", work)] * STARTERS)
    assert answers == [True] * STARTERS  # every reader told it is under way
    assert Job.objects.count() == 1
    held.set()
    background.wait()
    assert len(runs) == 1


def test_a_row_left_by_a_killed_worker_is_taken_over(held, settings) -> None:
    settings.BACKGROUND_MAX_RUNNING = 1
    Job.objects.create(
        key="killed mid-work", slot=0, started_at=timezone.now() - background.STALE - timedelta(1)
    )
    assert background.start("new", lambda: held.wait(timeout=30))
    assert list(Job.objects.values_list("key", flat=True)) == ["new"]


def test_work_takes_a_free_slot_and_none_beyond_the_last(held, settings) -> None:
    settings.BACKGROUND_MAX_RUNNING = 2
    Job.objects.create(key="under way elsewhere", slot=0, started_at=timezone.now())
    assert background.start("second", lambda: held.wait(timeout=30))
    assert Job.objects.get(key="second").slot == 1
    ran: list[int] = []
    assert not background.start("third", lambda: ran.append(1))  # told to come back later
    assert Job.objects.count() == 2
    held.set()
    background.wait()
    assert ran == []
    assert list(Job.objects.values_list("key", flat=True)) == ["under way elsewhere"]
