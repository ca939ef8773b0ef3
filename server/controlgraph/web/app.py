"""The FastAPI application: a thin layer over the engine."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse

from controlgraph import __version__
from controlgraph.errors import ControlGraphError
from controlgraph.settings import Settings
from controlgraph.store import open_store
from controlgraph.store.base import GraphStore
from controlgraph.store.tenancy import ApiKeys
from controlgraph.web import admin_imports as admin_import_routes
from controlgraph.web import explorer
from controlgraph.web import exports as export_routes
from controlgraph.web import health as health_routes
from controlgraph.web import queries as saved_query_routes
from controlgraph.web import rest as rest_routes
from controlgraph.web import sparql as sparql_routes
from controlgraph.web.body_limit import BodyLimitMiddleware
from controlgraph.web.graphql import schema as graphql_routes
from controlgraph.web.internal_errors import InternalErrorMiddleware
from controlgraph.web.lifespan import on_shutdown
from controlgraph.web.request_guards import AuthenticationGuard, JsonBodyGuard, WebSocketRefusal


def create_app(settings: Settings, store: GraphStore | None = None) -> FastAPI:
    """The app over ``store``, or over the store ``settings`` names (then opened here and closed on shutdown)."""
    # /docs and /redoc are the explorer's own pages (served offline); CONTROLGRAPH_API_EXPLORERS switches
    # them, GraphiQL, introspection and /openapi.json off together.
    app = FastAPI(title="controlgraph", version=__version__, docs_url=None, redoc_url=None,
                  openapi_url="/openapi.json" if settings.api_explorers else None)
    graph_store = store if store is not None else open_store(settings)
    app.state.settings = settings
    app.state.store = graph_store
    explorer.install(app)  # before the SPARQL routes: a browser's GET /sparql gets the query form
    sparql_routes.install(app, settings, graph_store)
    saved_query_routes.install(app)
    export_routes.install(app)
    graphql_routes.install(app, settings, graph_store)
    rest_routes.install(app, settings, graph_store)
    health_routes.install(app, graph_store)
    admin_import_routes.install(app, settings, graph_store)

    async def engine_error(request: Request, exc: Exception) -> JSONResponse:
        # A route that let an engine error through still answers {"error", "kind"} with the usual status
        # (503 for a store that does not answer), never a bare 500 page.
        assert isinstance(exc, ControlGraphError)
        return sparql_routes.error_response(exc)

    app.add_exception_handler(ControlGraphError, engine_error)
    # The last added is outermost. From the outside in: no failure escapes unanswered; CORS answers
    # preflights and marks every answer; a wrong key is refused before the body is read; the body is
    # bounded in size and time; a JSON body is well-formed; WebSocket upgrades are refused.
    app.add_middleware(WebSocketRefusal)
    app.add_middleware(JsonBodyGuard)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_request_bytes, timeout=settings.http_body_timeout,
                       larger={admin_import_routes.PREFIX: settings.max_import_bytes})
    app.add_middleware(AuthenticationGuard, keys=ApiKeys.parse(settings.api_keys),
                       exempt=(admin_import_routes.PREFIX,))
    if settings.cors_origin_list:
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origin_list, allow_methods=["GET", "POST"],
                           allow_headers=["Accept", "Content-Type", "Authorization"],
                           expose_headers=["X-Result-Truncated", "X-Result-Rows", "Retry-After"])
    app.add_middleware(InternalErrorMiddleware)
    if store is None:
        _close_store_on_shutdown(app, graph_store)
    return app


def _close_store_on_shutdown(app: FastAPI, store: GraphStore) -> None:
    """On a graceful shutdown (SIGTERM, SIGINT), flush and close the store after the last request."""
    on_shutdown(app, store.close)
