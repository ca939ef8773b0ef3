"""``/healthz``: is the store answering, cheaply enough to be polled by a load balancer every second.

Each call asks the store one ``ASK`` (well under a millisecond on the embedded store, one round trip on a
remote one), so a store that went down shows at once. The triple count is informative only and costs a
scan of every quad (6-12 ms embedded, more on a large remote store), so it is kept and recounted at most
every ``COUNT_MAX_AGE`` seconds; ``triplesCountedAt`` says when it was taken.

200 ``{"status": "ok", ...}`` when the store answers; 503 ``{"status": "unavailable", "error", "kind"}``
when it does not (a remote store that is down, an embedded store that cannot be read).
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse

from controlgraph import __version__
from controlgraph.errors import ControlGraphError
from controlgraph.store.base import GraphStore

COUNT_MAX_AGE = 30.0


class HealthProbe:
    def __init__(self, store: GraphStore, count_max_age: float = COUNT_MAX_AGE) -> None:
        self.store = store
        self.count_max_age = count_max_age
        self._lock = threading.Lock()
        self._count: int | None = None
        self._counted_monotonic = 0.0
        self._counted_at = ""

    def _triples(self) -> tuple[int, str]:
        with self._lock:
            if self._count is None or time.monotonic() - self._counted_monotonic > self.count_max_age:
                self._count = self.store.quad_count()
                self._counted_monotonic = time.monotonic()
                self._counted_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
            return self._count, self._counted_at

    def check(self) -> tuple[int, dict[str, Any]]:
        """HTTP status and body of a health answer."""
        try:
            self.store.query("ASK { ?s ?p ?o }")
            triples, counted_at = self._triples()
        except (ControlGraphError, OSError) as exc:
            return 503, {"status": "unavailable", "version": __version__, "error": str(exc),
                         "kind": type(exc).__name__}
        return 200, {"status": "ok", "version": __version__, "triples": triples, "triplesCountedAt": counted_at}


def install(app: FastAPI, store: GraphStore) -> None:
    probe = HealthProbe(store)
    app.state.health = probe

    @app.get("/healthz")
    def healthz() -> JSONResponse:
        status, body = probe.check()
        return JSONResponse(body, status_code=status)
