"""Rendering explorer pages: one Jinja2 environment, security headers, timings, links between pages."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from controlgraph import __version__
from controlgraph.errors import ControlGraphError, NotFound
from controlgraph.vocabulary import Relation, control_ref_from_iri, mapping_set_of

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"

# Pages load only what the server itself serves: no CDN, no inline script, no framing.
PAGE_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
            "font-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
# GraphiQL, Swagger UI and ReDoc set styles from script; still nothing from elsewhere.
TOOL_CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
            "connect-src 'self'; font-src 'self' data:; worker-src 'self' blob:; frame-ancestors 'none'; "
            "base-uri 'none'; form-action 'self'")
SECURITY_HEADERS = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer"),
                    (b"x-frame-options", b"DENY")]


def control_href(ref: str) -> str:
    return "/control/" + quote(ref, safe=":")


def ref_of(iri: str) -> str:
    ref = control_ref_from_iri(iri)
    return str(ref) if ref else iri


def relations_text(relations: frozenset[Relation] | tuple[Relation, ...]) -> str:
    rels = frozenset(relations)
    if len(rels) == len(Relation):
        return "any"
    return "{" + ", ".join(r.value for r in Relation if r in rels) + "}"


def set_name(iri: str) -> str:
    """The id at the end of a mapping set's IRI."""
    return iri.rsplit("/", 1)[-1]


def _query(**values: Any) -> str:
    return urlencode({k: v for k, v in values.items() if v not in (None, "", [])}, doseq=True)


_ENV = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True,
                          undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
_ENV.globals.update(control_href=control_href, ref_of=ref_of, relations_text=relations_text, query=_query,
                    set_of=mapping_set_of, set_name=set_name,
                    version=__version__)


def page(template: str, *, status: int = 200, csp: str = PAGE_CSP, **context: Any) -> HTMLResponse:
    html = _ENV.get_template(template).render(**context)
    return HTMLResponse(html, status_code=status, headers={"Content-Security-Policy": csp,
                                                           "Cache-Control": "no-store"})


def error_page(request: Request, exc: ControlGraphError, *, title: str = "Not found") -> HTMLResponse:
    """An engine error as a page: its message (written for users), never internals."""
    status = 404 if isinstance(exc, NotFound) else 400
    return page("error.html", status=status, title=title if status == 404 else "Cannot answer that",
                message=str(exc), nav="")


def wants_html(request: Request) -> bool:
    """A browser asking for a page (Accept puts text/html before any other type it names)."""
    accept = request.headers.get("accept", "").lower()
    if "text/html" not in accept:
        return False
    html_at = accept.index("text/html")
    others = [accept.find(t) for t in ("application/sparql-results", "text/turtle", "application/json",
                                       "text/csv", "application/n-triples")]
    return all(o < 0 or o > html_at for o in others)


class PageHeadersMiddleware:
    """Every response gets the basic security headers; each gets ``Server-Timing: app;dur=<ms>``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(n, v) for n, v in SECURITY_HEADERS if n not in present]
                elapsed = (time.perf_counter() - started) * 1000
                headers.append((b"server-timing", f"app;dur={elapsed:.1f}".encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)
