"""Reading and writing a cache that may be away (Redis restarting, say): a failed read is a
miss and a failed write is skipped, so the answer is worked out and served as if nothing
had been kept — slower for a moment, never wrong and never an error page. Caches hold only
what can be recomputed (docs/operations.md), so nothing is lost with them."""

from __future__ import annotations

import logging
from typing import Any

from django.core.cache import caches
from django.db import DatabaseError

logger = logging.getLogger(__name__)


def _away(error: Exception) -> bool:
    """A cache server that cannot be reached or answered (a database cache's errors are
    the database's: the outage middleware answers them)."""
    return not isinstance(error, DatabaseError)


def get(alias: str, key: str) -> Any:
    try:
        return caches[alias].get(key)
    except Exception as error:
        if not _away(error):
            raise
        logger.warning("Cache %r unreachable on read (%s): worked out afresh.", alias,
                       type(error).__name__)  # fmt: skip
        return None


def set(alias: str, key: str, value: Any, timeout: float | None) -> None:
    try:
        caches[alias].set(key, value, timeout)
    except Exception as error:
        if not _away(error):
            raise
        logger.warning("Cache %r unreachable on write (%s): not kept.", alias,
                       type(error).__name__)  # fmt: skip
