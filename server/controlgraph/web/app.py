"""The FastAPI application: a thin layer over the engine."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from controlgraph import __version__
from controlgraph.settings import Settings
from controlgraph.store import open_store
from controlgraph.store.base import GraphStore
from controlgraph.web import exports as export_routes
from controlgraph.web import queries as saved_query_routes
from controlgraph.web import rest as rest_routes
from controlgraph.web import sparql as sparql_routes
from controlgraph.web.graphql import schema as graphql_routes


def create_app(settings: Settings, store: GraphStore | None = None) -> FastAPI:
    app = FastAPI(title="controlgraph", version=__version__)
    graph_store = store if store is not None else open_store(settings)
    app.state.settings = settings
    app.state.store = graph_store
    sparql_routes.install(app, settings, graph_store)
    saved_query_routes.install(app)
    export_routes.install(app)
    graphql_routes.install(app, settings, graph_store)
    rest_routes.install(app, settings, graph_store)

    @app.get("/healthz")
    def healthz() -> dict[str, Any]:
        return {"status": "ok", "version": __version__, "triples": graph_store.quad_count()}

    return app
