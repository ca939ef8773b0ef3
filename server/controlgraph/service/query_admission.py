"""How many queries one caller may run at once, so that a few callers cannot hold every query worker.

A caller is a tenant (by its key) or an anonymous client (by its address). Past
``sparql_per_caller`` queries in flight, the next one is refused at once with
:class:`~controlgraph.errors.TooManyQueries` (HTTP 429), before it waits for a worker or is even
lexed; queries of other callers are not held up by it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from controlgraph.errors import TooManyQueries


class CallerLimits:
    def __init__(self, per_caller: int) -> None:
        self.per_caller = per_caller
        self._running: dict[str, int] = {}
        self._lock = threading.Lock()

    @contextmanager
    def slot(self, caller: str) -> Iterator[None]:
        with self._lock:
            running = self._running.get(caller, 0)
            if running >= self.per_caller:
                raise TooManyQueries(f"{running} of your queries are still running (at most {self.per_caller} at "
                                     "once); wait for them to finish")
            self._running[caller] = running + 1
        try:
            yield
        finally:
            with self._lock:
                left = self._running[caller] - 1
                if left:
                    self._running[caller] = left
                else:
                    del self._running[caller]

    def running(self, caller: str) -> int:
        with self._lock:
            return self._running.get(caller, 0)
