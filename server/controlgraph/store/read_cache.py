"""Answers computed from a store, kept until the store changes.

The embedded store owns one :class:`ReadCache` and clears it on every write it makes (a build, an
import, a tenant's mapping), so a cached answer is never older than the data: the next read after a
write recomputes. A store whose data can change behind our back (a remote SPARQL server shared by
several replicas) has no cache. Keys name the engine function and all of its arguments, visibility
included, so one tenant never receives another's cached answer.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

T = TypeVar("T")


class ReadCache:
    def __init__(self, max_entries: int = 4096) -> None:
        self._entries: OrderedDict[Hashable, object] = OrderedDict()
        self._max = max_entries
        self._lock = threading.Lock()
        self.generation = 0

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.generation += 1

    def get_or_compute(self, key: Hashable, compute: Callable[[], T]) -> T:
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key]  # type: ignore[return-value]
            generation = self.generation
        value = compute()
        with self._lock:
            # A write that landed while computing makes the value stale: hand it out, do not keep it.
            if generation == self.generation:
                self._entries[key] = value
                if len(self._entries) > self._max:
                    self._entries.popitem(last=False)
        return value


    def peek(self, key: Hashable) -> object | None:
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key]
            return None

    def put(self, key: Hashable, value: object, generation: int) -> None:
        """Keep ``value`` if the data has not changed since ``generation`` (read before computing it)."""
        with self._lock:
            if generation == self.generation:
                self._entries[key] = value
                if len(self._entries) > self._max:
                    self._entries.popitem(last=False)


def cached(store: object, key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()`` through the store's cache when it has one."""
    cache = getattr(store, "read_cache", None)
    if not isinstance(cache, ReadCache):
        return compute()
    return cache.get_or_compute(key, compute)
