"""Review, signed in with a tenant's API key: decide candidate links, create and retract custom mappings.

Every change goes through :mod:`controlgraph.service.custom_mappings` (SHACL-validated, atomic, audited), the
functions GraphQL's mutations call. Accepting a candidate makes a tenant mapping with the relation the
reviewer picks from its possible set; rejecting one makes a ``not-related`` mapping, so the decision and
its audit record are kept either way.

Safety: the key is read once from a POST body, checked, and never stored or echoed; the browser holds only
a random session id (HttpOnly, SameSite=Strict cookie) that maps to the tenant in this process's memory.
Every form carries a CSRF token that must equal the one in the (HttpOnly, SameSite=Strict) ``cg_csrf``
cookie; a POST without the pair is refused before anything else happens.
"""

from __future__ import annotations

import asyncio
import functools
import hmac
import secrets
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from controlgraph.analysis.coverage import candidates_of
from controlgraph.analysis.mapping_lookup import audit_records, conflicts, mapping_records
from controlgraph.analysis.search import find_control
from controlgraph.errors import AuthenticationError, ControlGraphError, InputError
from controlgraph.service import custom_mappings as custom
from controlgraph.store.base import GraphStore
from controlgraph.store.tenancy import ApiKeys, Visibility
from controlgraph.vocabulary import Relation, parse_control_ref
from controlgraph.web.explorer.render import page

router = APIRouter(include_in_schema=False)
SESSION_COOKIE, CSRF_COOKIE = "cg_review", "cg_csrf"
SESSION_SECONDS = 8 * 3600
MAX_FORM_BYTES = 16_384
T = TypeVar("T")
_WRITER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="controlgraph-review-write")


class Sessions:
    """Signed-in reviewers: random session id -> (tenant, expiry). Held in memory; a restart signs everyone out."""

    def __init__(self) -> None:
        self._by_id: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()

    def open(self, tenant: str) -> str:
        session = secrets.token_urlsafe(32)
        with self._lock:
            now = time.monotonic()
            self._by_id = {k: v for k, v in self._by_id.items() if v[1] > now}
            self._by_id[session] = (tenant, now + SESSION_SECONDS)
        return session

    def tenant(self, session: str | None) -> str | None:
        if not session:
            return None
        with self._lock:
            found = self._by_id.get(session)
        return found[0] if found and found[1] > time.monotonic() else None

    def close(self, session: str | None) -> None:
        with self._lock:
            self._by_id.pop(session or "", None)


def _sessions(request: Request) -> Sessions:
    sessions: Sessions | None = getattr(request.app.state, "review_sessions", None)
    if sessions is None:
        sessions = request.app.state.review_sessions = Sessions()
    return sessions


def _cookie(response: Response, request: Request, name: str, value: str, max_age: int | None = None) -> None:
    response.set_cookie(name, value, max_age=max_age, httponly=True, samesite="strict", path="/",
                        secure=request.url.scheme == "https")


def _csrf_token(request: Request) -> str:
    return request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(32)


async def _form(request: Request) -> dict[str, str]:
    """The urlencoded form, after its CSRF token is checked against the cookie (refused otherwise)."""
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        raise InputError("form too large")
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != "application/x-www-form-urlencoded":
        raise InputError("send the form as application/x-www-form-urlencoded")
    values = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True).items()}
    cookie = request.cookies.get(CSRF_COOKIE, "")
    if not cookie or not hmac.compare_digest(cookie, values.get("csrf", "")):
        raise AuthenticationError("the form's CSRF token does not match; reload the page and try again")
    return values


def _forbidden(message: str) -> HTMLResponse:
    return page("error.html", status=403, title="Refused", message=message, nav="review")


async def _write(change: Callable[..., T], *args: Any) -> T:
    return await asyncio.get_running_loop().run_in_executor(_WRITER, functools.partial(change, *args))


def _review_data(store: GraphStore, tenant: str, control: str) -> dict[str, Any]:
    audits = audit_records(store, tenant)
    nodes = [a.node for a in audits if a.action in {"create", "update"}]
    mine = sorted(mapping_records(store, nodes, Visibility(tenant)).values(), key=lambda m: (m.subject, m.object))
    data: dict[str, Any] = {"mine": mine, "audits": list(reversed(audits))[:20], "conflicts": conflicts(store)[:20],
                            "info": None, "candidates": []}
    if control:
        try:
            ref = parse_control_ref(control)
        except ValueError as exc:
            raise InputError(str(exc)) from None
        data["info"] = find_control(store, ref)
        decided = {(m.subject, m.object) for m in mine} | {(m.object, m.subject) for m in mine}
        data["candidates"] = [c for c in candidates_of(store, ref.iri)[:40] if (ref.iri, c.control) not in decided]
    return data


@router.get("/review")
async def review_page(request: Request, control: str = "", done: str = "") -> Response:
    tenant = _sessions(request).tenant(request.cookies.get(SESSION_COOKIE))
    csrf = _csrf_token(request)
    context: dict[str, Any] = {"nav": "review", "csrf": csrf, "tenant": tenant, "control": control.strip(),
                               "done": done[:80], "relations": [r.value for r in Relation]}
    if tenant is not None:
        try:
            context.update(await run_in_threadpool(_review_data, request.app.state.store, tenant, control.strip()))
        except ControlGraphError as exc:
            context.update(error=str(exc), mine=[], audits=[], conflicts=[], info=None, candidates=[])
    response = page("review.html", **context)
    _cookie(response, request, CSRF_COOKIE, csrf)
    return response


@router.post("/review/sign-in")
async def sign_in(request: Request) -> Response:
    try:
        form = await _form(request)
        keys: ApiKeys = request.app.state.api_keys
        tenant = keys.from_authorization("Bearer " + form.get("key", "").strip())
        if tenant is None:
            raise AuthenticationError("give your API key")
    except ControlGraphError as exc:
        return _forbidden(str(exc))
    response = RedirectResponse("/review", status_code=303)
    _cookie(response, request, SESSION_COOKIE, _sessions(request).open(tenant), max_age=SESSION_SECONDS)
    return response


@router.post("/review/sign-out")
async def sign_out(request: Request) -> Response:
    try:
        await _form(request)
    except ControlGraphError as exc:
        return _forbidden(str(exc))
    _sessions(request).close(request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse("/review", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def _relation(text: str) -> Relation:
    try:
        return Relation(text.strip())
    except ValueError:
        raise InputError(f"unknown relation {text!r}") from None


@router.post("/review/change")
async def change(request: Request) -> Response:
    """One decision or edit: ``action`` is accept, reject, create or retract."""
    try:
        form = await _form(request)
        tenant = _sessions(request).tenant(request.cookies.get(SESSION_COOKIE))
        if tenant is None:
            raise AuthenticationError("sign in with your API key first")
        action, store = form.get("action", ""), request.app.state.store
        if action == "retract":
            outcome = await _write(custom.retract_mapping, store, tenant, form.get("id", ""))
        elif action in {"accept", "reject", "create"}:
            relation = Relation.NOT_RELATED if action == "reject" else _relation(form.get("relation", ""))
            comment = form.get("comment", "").strip()[:500] or {
                "accept": "accepted candidate link on review", "reject": "rejected candidate link on review",
            }.get(action)
            draft = custom.MappingDraft(subject=form.get("subject", ""), object=form.get("object", ""),
                                        relation=relation, comment=comment)
            outcome = await _write(custom.create_mapping, store, tenant, draft)
        else:
            raise InputError(f"unknown action {action!r}")
    except AuthenticationError as exc:
        return _forbidden(str(exc))
    except ControlGraphError as exc:
        return page("error.html", status=400, title="Not changed", message=str(exc), nav="review")
    back = form.get("control", "").strip()[:200]
    query = urlencode({"control": back, "done": outcome.action} if back else {"done": outcome.action})
    return RedirectResponse(f"/review?{query}", status_code=303)
