"""``/queries``: the saved queries, listed with their metadata and run by name with parameters.

A name in a request is only looked up in the set loaded at start; it never becomes a path.
Results come as SPARQL JSON, or CSV/TSV/XML by Accept, through the same limited query runner as /sparql.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from controlgraph.errors import ControlGraphError
from controlgraph.service.saved_queries import (
    SavedQuery,
    bind_params,
    bound_text,
    known_frameworks,
    lookup,
    shipped_queries,
)
from controlgraph.settings import Settings
from controlgraph.web.sparql import error_response, run_answer

router = APIRouter()


@router.get("/queries")
def list_queries(request: Request) -> list[dict[str, Any]]:
    queries: dict[str, SavedQuery] = request.app.state.saved_queries
    return [q.metadata() for q in queries.values()]


@router.get("/queries/{name}")
async def run_query(name: str, request: Request) -> Response:
    queries: dict[str, SavedQuery] = request.app.state.saved_queries
    given = dict(request.query_params)
    try:
        query = lookup(queries, name)
        frameworks = await run_in_threadpool(known_frameworks, request.app.state.store)
        text, substitutions = bound_text(query, bind_params(query, given, frameworks))
    except ControlGraphError as exc:
        return error_response(exc)
    return await run_answer(request, text, substitutions)


def install(app: FastAPI) -> None:
    settings: Settings = app.state.settings
    app.state.saved_queries = shipped_queries(settings)
    app.include_router(router)
