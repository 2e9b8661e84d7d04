"""How a lower app tells the apps above it that something happened, without importing them
(docs/architecture.md, "Layers").

A setting names the listening modules (`VISIT_LISTENERS`, `SEARCH_LISTENERS`,
`USAGE_PAGE_SECTIONS`); the lower app calls `tell(setting, event, **facts)` (or `ask`, for
answers), and each listed module's function of that name, if it has one, is called in
order, at once, in the caller's transaction — an exception aborts the caller's write.
Nothing here is a signal: the lists are in settings, read in one place, and every call is
made where the lower app says so.
"""

from __future__ import annotations

from functools import cache
from importlib import import_module
from types import ModuleType
from typing import Any

from django.conf import settings


@cache
def listeners(setting: str) -> tuple[ModuleType, ...]:
    return tuple(import_module(path) for path in getattr(settings, setting))


def tell(setting: str, event: str, **facts: Any) -> None:
    for listener in listeners(setting):
        handler = getattr(listener, event, None)
        if handler is not None:
            handler(**facts)


def ask(setting: str, event: str, **facts: Any) -> list[Any]:
    """Like `tell`, for the answers: each listed module's answer, in order (None left out)."""
    answers = []
    for listener in listeners(setting):
        handler = getattr(listener, event, None)
        if handler is not None:
            answer = handler(**facts)
            if answer is not None:
                answers.append(answer)
    return answers
