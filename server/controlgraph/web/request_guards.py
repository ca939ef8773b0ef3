"""Checks every request passes before any route sees it, so no route can forget one.

- :class:`AuthenticationGuard`: an ``Authorization`` header that is given but not a valid key is ``401``
  on every route (``/healthz``, ``/queries``, ``/exports``, ``/docs`` included): a wrong key is never
  served as anonymous. A request without the header is anonymous; routes decide what that may do.
- :class:`JsonBodyGuard`: a JSON body (``application/json`` or ``+json``) must be UTF-8, parse as JSON,
  hold no key twice in one object (parsers disagree on which one wins) and no lone surrogate (``"\\ud800"``
  decodes to a string that cannot be written as UTF-8, nor stored); otherwise ``400`` with
  ``{"error", "kind": "InputError"}``.
- :class:`WebSocketRefusal`: no route speaks WebSocket; an upgrade is refused cleanly (``404`` where the
  server supports the ASGI denial response, else closed before it is accepted, which servers send as
  ``403``), without running a route and without logging an error.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from controlgraph.errors import AuthenticationError
from controlgraph.store.tenancy import ApiKeys


async def send_json(send: Send, status: int, message: str, kind: str,
                    extra_headers: list[tuple[bytes, bytes]] | None = None) -> None:
    body = json.dumps({"error": message, "kind": kind}).encode("utf-8")
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            *(extra_headers or [])]})
    await send({"type": "http.response.body", "body": body})


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope.get("headers") or []:
        if key.lower() == name:
            return bytes(value)
    return None


class AuthenticationGuard:
    def __init__(self, app: ASGIApp, keys: ApiKeys, exempt: tuple[str, ...] = ()) -> None:
        self.app = app
        self.keys = keys
        self.exempt = exempt  # path prefixes whose routes check their own (admin) keys

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not str(scope.get("path", "")).startswith(self.exempt or ("\0",)):
            header = _header(scope, b"authorization")
            if header is not None:
                try:
                    self.keys.from_authorization(header.decode("latin-1"))
                except AuthenticationError as exc:
                    await send_json(send, 401, str(exc), "AuthenticationError", [(b"www-authenticate", b"Bearer")])
                    return
        await self.app(scope, receive, send)


class _DuplicateKey(ValueError):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise _DuplicateKey(key)
        found[key] = value
    return found


def _lone_surrogate(value: Any) -> bool:
    """Whether any string in a parsed JSON document (keys included) holds a lone surrogate."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


def json_body_problem(body: bytes) -> str | None:
    """What is wrong with a JSON request body, or None."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        return f"the request body is not UTF-8 (byte {exc.start})"
    try:
        document = json.loads(text, object_pairs_hook=_no_duplicates)
    except _DuplicateKey as exc:
        return f"the JSON body gives the key {str(exc)[:80]!r} twice in one object"
    except RecursionError:
        return "the JSON body is nested too deeply"
    except ValueError as exc:
        return f"the request body is not valid JSON: {str(exc)[:120]}"
    if _lone_surrogate(document):
        return "the JSON body holds a lone surrogate escape (such as \\ud800), which is no character"
    return None


class JsonBodyGuard:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        media_type = (_header(scope, b"content-type") or b"").split(b";")[0].strip().lower()
        if scope["type"] != "http" or not (media_type == b"application/json" or media_type.endswith(b"+json")):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        while True:  # the body limit middleware, outside this one, bounds what arrives here
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if body:
            problem = json_body_problem(body)
            if problem is not None:
                await send_json(send, 400, problem, "InputError")
                return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


class WebSocketRefusal:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "websocket":
            await self.app(scope, receive, send)
            return
        message = await receive()
        if message["type"] != "websocket.connect":
            return
        if "websocket.http.response" in (scope.get("extensions") or {}):
            body = json.dumps({"error": "this server has no WebSocket endpoint; use HTTP POST",
                               "kind": "NotFound"}).encode("utf-8")
            await send({"type": "websocket.http.response.start", "status": 404,
                        "headers": [(b"content-type", b"application/json"),
                                    (b"content-length", str(len(body)).encode())]})
            await send({"type": "websocket.http.response.body", "body": body})
            return
        await send({"type": "websocket.close", "code": 1008})
