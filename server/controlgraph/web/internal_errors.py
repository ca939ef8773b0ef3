"""Unexpected failures answer a generic JSON 500 with a correlation id; the traceback goes to the log only.

An ASGI middleware around every route: an exception no route turned into a deliberate answer is
logged (with its traceback and the correlation id) and the caller gets
``{"error": "Internal error ...", "kind": "InternalError", "correlationId": "..."}`` and the header
``X-Correlation-Id``, never a traceback, a class name or a message from inside the server.
"""

from __future__ import annotations

import json
import logging
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

logger = logging.getLogger("controlgraph.web")


class InternalErrorMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracked_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracked_send)
        except Exception:
            correlation = uuid.uuid4().hex
            logger.exception("internal error %s on %s %s", correlation, scope.get("method"), scope.get("path"))
            if started:
                return  # the answer was under way: the connection just ends; the log has the cause
            body = json.dumps({"error": f"Internal error; quote {correlation} when reporting it.",
                               "kind": "InternalError", "correlationId": correlation}).encode("utf-8")
            await send({"type": "http.response.start", "status": 500,
                        "headers": [(b"content-type", b"application/json"),
                                    (b"content-length", str(len(body)).encode()),
                                    (b"x-correlation-id", correlation.encode())]})
            await send({"type": "http.response.body", "body": body})
