"""Plain JSON routes for the commonest lookups (no GraphQL machinery): ``GET /api/satisfiers/{control}``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI, HTTPException, Query, Request

from controlgraph.analysis.satisfiers import find_satisfiers, satisfier_record
from controlgraph.analysis.sources import by_pair
from controlgraph.errors import AuthenticationError, ControlGraphError, InputError
from controlgraph.settings import Settings
from controlgraph.store.base import GraphStore
from controlgraph.store.tenancy import ApiKeys, Visibility
from controlgraph.vocabulary import parse_control_ref
from controlgraph.web.sparql import error_response

router = APIRouter()


@router.get("/api/satisfiers/{control:path}")
def satisfiers(
    control: str,
    request: Request,
    framework: list[str] = Query(default=[]),  # noqa: B008 (FastAPI's way of declaring a repeated parameter)
    include_inferred: bool = True,
) -> Any:
    """Controls satisfying CONTROL (FRAMEWORK:ID or IRI), as in the CLI's `satisfiers --format json`."""
    keys: ApiKeys = request.app.state.api_keys
    store: GraphStore = request.app.state.store
    try:
        tenant = keys.from_authorization(request.headers.get("authorization"))
    except AuthenticationError as exc:
        raise HTTPException(status_code=401, detail=str(exc), headers={"WWW-Authenticate": "Bearer"}) from None
    try:
        try:
            ref = parse_control_ref(control)
        except ValueError as exc:
            raise InputError(str(exc)) from None
        found = find_satisfiers(store, ref, frameworks=framework, include_inferred=include_inferred,
                                visibility=Visibility(tenant))
    except ControlGraphError as exc:
        return error_response(exc)
    return {"control": ref.__str__(), "satisfiers": [satisfier_record(s) for s in by_pair(found)]}


def install(app: FastAPI, settings: Settings, store: GraphStore) -> None:
    app.state.api_keys = ApiKeys.parse(settings.api_keys)
    app.include_router(router)
