"""``/exports``: crosswalks and programme workbooks over HTTP (thin, over :mod:`controlgraph.exports`).

GET /exports/crosswalk?from=&to=&format=&inferred=&candidates=&min_probability=   (to: slugs, comma-separated)
GET /exports/programme?have=&targets=&format=&hub=    (format xlsx or html)

Unknown frameworks answer 404, a bad format or parameter 400, both as JSON ``{"error", "kind"}``.
Request values are only compared with the graph's frameworks and the known format names; ``@FILE``
in ``have`` is refused, so nothing a request says reaches the filesystem.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from controlgraph.errors import ControlGraphError, InputError
from controlgraph.exports.catalogue import (
    CROSSWALK_FORMATS,
    PROGRAMME_FORMATS,
    ExportFile,
    export_crosswalk,
    export_programme,
)
from controlgraph.web.sparql import error_response

router = APIRouter()


def _param(name: str, description: str, *, required: bool = False, default: str | None = None,
           enum: list[str] | None = None) -> dict[str, object]:
    schema: dict[str, object] = {"type": "string"}
    if default is not None:
        schema["default"] = default
    if enum:
        schema["enum"] = enum
    return {"name": name, "in": "query", "required": required, "description": description, "schema": schema}


# The handlers read the query string themselves (to answer {"error", "kind"} on bad input); these
# declarations only tell OpenAPI readers (Swagger UI, ReDoc, client generators) what they accept.
_CROSSWALK_PARAMETERS = [
    _param("from", "Source framework slug, e.g. nist-csf-2.0.", required=True),
    _param("to", "Target framework slugs, comma-separated, e.g. iso27001-2022,csa-ccm-4.", required=True),
    _param("format", "File format.", default="csv", enum=list(CROSSWALK_FORMATS)),
    _param("inferred", "Include definite inferred relations (true or false).", default="false",
           enum=["true", "false"]),
    _param("candidates", "Include candidate links (likely, never proven) with their probability.", default="false",
           enum=["true", "false"]),
    _param("min_probability", "With candidates: only those at least this probable (0 to 1).", default="0"),
]
_PROGRAMME_PARAMETERS = [
    _param("have", "What is implemented: framework slugs or FRAMEWORK:ID (globs allowed), comma-separated or "
                   "repeated.", required=True),
    _param("targets", "Target framework slugs, comma-separated.", required=True),
    _param("format", "File format.", default="xlsx", enum=list(PROGRAMME_FORMATS)),
    _param("hub", "Framework to choose hub controls from.", default="iso27002-2022"),
]
_TRUE, _FALSE = {"true", "1", "yes", "on"}, {"false", "0", "no", "off", ""}


def _required(request: Request, name: str) -> str:
    value = request.query_params.get(name, "").strip()
    if not value:
        raise InputError(f"query parameter {name!r} is required")
    return value


def _flag(request: Request, name: str) -> bool:
    value = request.query_params.get(name, "").strip().lower()
    if value not in _TRUE | _FALSE:
        raise InputError(f"query parameter {name!r} must be true or false")
    return value in _TRUE


def _probability(request: Request, name: str) -> float:
    text = request.query_params.get(name, "0").strip() or "0"
    try:
        value = float(text)
    except ValueError:
        raise InputError(f"query parameter {name!r} must be a number from 0 to 1") from None
    if not 0.0 <= value <= 1.0:
        raise InputError(f"query parameter {name!r} must be a number from 0 to 1")
    return value


def _file_response(result: ExportFile) -> Response:
    disposition = "inline" if result.media_type.startswith("text/html") else "attachment"
    return Response(result.content, media_type=result.media_type,
                    headers={"Content-Disposition": f'{disposition}; filename="{result.filename}"'})


@router.get("/exports/crosswalk", openapi_extra={"parameters": _CROSSWALK_PARAMETERS},
            summary="A crosswalk file between a source framework and one or more targets")
async def crosswalk_export(request: Request) -> Response:
    try:
        source, targets = _required(request, "from"), _required(request, "to")
        fmt = request.query_params.get("format", "csv")
        inferred, candidates = _flag(request, "inferred"), _flag(request, "candidates")
        result = await run_in_threadpool(export_crosswalk, request.app.state.store, source, targets, fmt,
                                         include_inferred=inferred, with_candidates=candidates,
                                         min_probability=_probability(request, "min_probability"))
    except ControlGraphError as exc:
        return error_response(exc)
    return _file_response(result)


@router.get("/exports/programme", openapi_extra={"parameters": _PROGRAMME_PARAMETERS},
            summary="A multi-certification programme: workbook (xlsx) or HTML report")
async def programme_export(request: Request) -> Response:
    try:
        have = request.query_params.getlist("have")
        if not any(v.strip() for v in have):
            raise InputError("query parameter 'have' is required")
        targets = _required(request, "targets")
        fmt = request.query_params.get("format", "xlsx")
        hub = request.query_params.get("hub", "iso27002-2022")
        result = await run_in_threadpool(export_programme, request.app.state.store, have, targets, fmt, hub=hub,
                                         allow_have_files=False)
    except ControlGraphError as exc:
        return error_response(exc)
    return _file_response(result)


def install(app: FastAPI) -> None:
    app.include_router(router)
