"""Refuse request bodies over ``settings.max_request_bytes`` with 413, before any route reads them.

An ASGI middleware, so it covers every route (GraphQL, SPARQL, mutations, ``importSssom``) alike.
A declared ``Content-Length`` over the limit is refused at once; a body sent without one (chunked)
is counted as it arrives and refused as soon as it passes the limit, so a client can never make the
server hold more than the limit. A body within the limit is handed on to the route unchanged.

A body must also arrive whole within ``timeout`` seconds (``http_body_timeout``), or the answer is
``408`` and the connection is closed: a client that stalls mid-body never holds its buffer for long.
"""

from __future__ import annotations

import asyncio
import json
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send


def _error_body(message: str, kind: str) -> bytes:
    return json.dumps({"error": message, "kind": kind}).encode("utf-8")


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, max_bytes: int, timeout: float = 30.0,
                 larger: dict[str, int] | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.timeout = timeout
        self.larger = larger or {}  # path prefix -> its own limit (admin uploads of whole catalogs)

    async def _refuse(self, send: Send, status: int, message: str, kind: str) -> None:
        body = _error_body(message, kind)
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = str(scope.get("path", ""))
        limit = next((n for prefix, n in self.larger.items() if path.startswith(prefix)), self.max_bytes)
        too_large = f"request body over the limit of {limit} bytes"
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None:
            try:
                length = int(declared)
            except ValueError:
                await self._refuse(send, 400, "the Content-Length header is not a number", "InputError")
                return
            if length > limit:
                await self._refuse(send, 413, too_large, "RequestTooLarge")
                return
        # Read the whole body first (it is at most the limit), counting what arrives.
        chunks: list[bytes] = []
        size = 0
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                message = await asyncio.wait_for(receive(), max(0.0, deadline - time.monotonic()))
            except TimeoutError:
                await self._refuse(send, 408, f"the request body did not arrive within {self.timeout:g} s",
                                   "RequestTimeout")
                return
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await self._refuse(send, 413, too_large, "RequestTooLarge")
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()  # after the body: wait for the disconnect, as the server would

        await self.app(scope, replay, send)
