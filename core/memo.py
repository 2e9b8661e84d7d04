"""A small per-process memo bounded by the bytes it holds, least recently used out first:
for copies of kept answers (`core.pagecache`, `core.compression`)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

Value = TypeVar("Value")


class BoundedMemo(Generic[Value]):
    """At most `limit` bytes of values (as `size_of` counts them), by key; a value larger
    than an eighth of the limit is not kept."""

    def __init__(self, limit: int, size_of: Callable[[Value], int]) -> None:
        self.limit = limit
        self.size_of = size_of
        self.found: OrderedDict[str, Value] = OrderedDict()
        self.size = 0
        self.lock = threading.Lock()

    def get(self, key: str) -> Value | None:
        with self.lock:
            found = self.found.get(key)
            if found is not None:
                self.found.move_to_end(key)
            return found

    def keep(self, key: str, value: Value) -> None:
        size = self.size_of(value)
        if size > self.limit // 8:
            return
        with self.lock:
            if key in self.found:
                return
            self.found[key] = value
            self.size += size
            while self.size > self.limit:
                _old, dropped = self.found.popitem(last=False)
                self.size -= self.size_of(dropped)

    def clear(self) -> None:
        with self.lock:
            self.found.clear()
            self.size = 0
