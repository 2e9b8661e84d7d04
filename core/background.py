"""Expensive work done away from the request that needed it.

No anonymous request may hold a worker for more than about a second, so figures that take
seconds (a coverage week worked out after an edit, a period of weeks no one asked for
before) are prepared here: the request starts the work, if it is not already under way
somewhere, and answers at once "being prepared" with Retry-After; the next request finds
the figures ready.

Each process runs one piece of work at a time, on one thread. Across all processes at most
`BACKGROUND_MAX_RUNNING` run at once: each piece holds one of that many numbered slots (a
row each in `core.models.Job`, the slot unique), so the database refuses a piece beyond
the cap even when many processes start work at the same moment; a request that finds
every slot taken starts nothing and is told to come back later, so a flood of new periods
queues no work at all. A row left by a process killed mid-work is taken over after
`STALE`.

With BACKGROUND_INLINE (the tests), work runs in the request itself, as before.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from .models import Job

logger = logging.getLogger(__name__)

STALE = timedelta(minutes=10)
_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="background")


def start(key: str, work: Callable[[], object]) -> bool:
    """Make sure `work` is under way (here, or in another process); False when too much is
    running already and nothing was started."""
    if settings.BACKGROUND_INLINE:
        work()
        return True
    now = timezone.now()
    Job.objects.filter(started_at__lt=now - STALE).delete()  # abandoned by a killed worker
    taken = dict(Job.objects.values_list("key", "slot"))
    if key in taken:
        return True
    held = set(taken.values())
    for slot in (s for s in range(settings.BACKGROUND_MAX_RUNNING) if s not in held):
        try:
            with transaction.atomic():
                Job.objects.create(key=key, slot=slot, started_at=now)
        except IntegrityError:
            # Taken a moment ago by another process: this very work, or other work
            # holding the slot (then try the next).
            if Job.objects.filter(key=key).exists():
                return True
            continue
        _executor.submit(_run, key, work)
        return True
    return False


def _run(key: str, work: Callable[[], object]) -> None:
    try:
        work()
    except Exception:
        logger.exception("Background work %s failed", key)
    finally:
        Job.objects.filter(key=key).delete()
        connection.close()  # this thread's own connection


def running() -> int:
    return Job.objects.count()


def wait() -> None:
    """Until this process's work so far is done (for tests and commands)."""
    done: Future[None] = _executor.submit(lambda: None)
    done.result()
