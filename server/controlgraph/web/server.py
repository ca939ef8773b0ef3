"""How ``controlgraph serve`` runs uvicorn: timeouts and a connection cap against slow or idle clients.

uvicorn times out idle keep-alive connections, but not a client that connects and then sends its
headers slowly (or never): thousands of half-sent requests stayed open for minutes. The HTTP protocol
here (uvicorn's httptools protocol, with two additions) closes a connection that has not completed its
request headers ``http_header_timeout`` seconds after connecting or after the request's first byte,
and closes at once any connection past ``http_max_connections``. Request bodies have their own time
limit in the app (:mod:`controlgraph.web.body_limit`, ``http_body_timeout``), so they are bounded under
any ASGI server.
"""

from __future__ import annotations

import asyncio
from typing import Any

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from controlgraph.settings import Settings

_TIMEOUT_ANSWER = (b"HTTP/1.1 408 Request Timeout\r\ncontent-type: text/plain; charset=utf-8\r\n"
                   b"connection: close\r\ncontent-length: 32\r\n\r\nrequest headers came too slowly\n")


class GuardedHttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a request-header time limit and a cap on open connections."""

    header_timeout = 10.0
    max_connections = 512

    _header_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if len(self.connections) > self.max_connections:
            transport.close()  # over the cap: refused before a byte is read
            return
        self._arm_header_timer()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._arm_header_timer()

    def on_headers_complete(self) -> None:
        self._disarm_header_timer()
        super().on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_header_timer()
        super().connection_lost(exc)

    def _arm_header_timer(self) -> None:
        self._disarm_header_timer()
        self._header_timer = self.loop.call_later(self.header_timeout, self._headers_too_slow)

    def _disarm_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_too_slow(self) -> None:
        self._header_timer = None
        if not self.transport.is_closing():
            self.transport.write(_TIMEOUT_ANSWER)
            self.transport.close()


def protocol_for(settings: Settings) -> type[GuardedHttpProtocol]:
    return type("ControlgraphHttpProtocol", (GuardedHttpProtocol,),
                {"header_timeout": settings.http_header_timeout, "max_connections": settings.http_max_connections})


def uvicorn_config(app: Any, settings: Settings, **extra: Any) -> uvicorn.Config:
    """The uvicorn configuration of ``controlgraph serve`` (tests run the same)."""
    options: dict[str, Any] = {
        "host": settings.host, "port": settings.port, "log_level": settings.log_level.lower(),
        # SIGTERM/SIGINT: stop accepting, let requests in flight (a write) finish for up to 30 s, then the
        # app's shutdown flushes and closes the store. Acknowledged writes are already durable before that.
        "timeout_graceful_shutdown": 30,
        "timeout_keep_alive": settings.http_keep_alive,
        "limit_concurrency": settings.http_max_connections,
        "http": protocol_for(settings),
    }
    options.update(extra)
    return uvicorn.Config(app, **options)
