"""Requests arriving together, in tests: each call on a thread of its own (so with its own
database connection, as in different workers), all let go at one moment."""

import threading
from collections.abc import Callable, Sequence
from typing import TypeVar

from django.db import connections

T = TypeVar("T")


def at_once(calls: Sequence[Callable[[], T]]) -> list[T]:
    """Each of `calls` on its own thread, let go together; their answers in order. An error
    in any of them fails the test (reported here, not lost in its thread)."""
    gate = threading.Barrier(len(calls))
    answers: list[T | BaseException | None] = [None] * len(calls)

    def request(n: int) -> None:
        try:
            gate.wait()
            answers[n] = calls[n]()
        except BaseException as error:
            answers[n] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=request, args=(n,)) for n in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    errors = [a for a in answers if isinstance(a, BaseException)]
    assert errors == []
    return answers  # type: ignore[return-value]  # no errors: every answer is a T
