"""``/sparql``: the SPARQL 1.1 Protocol, read-only, with a time limit, a row cap and a byte cap on every query.

Small answers are sent whole; large ones stream from the query worker (see :mod:`.streamed_answer`).

GET ``?query=``, POST ``application/x-www-form-urlencoded`` (``query=``) and POST
``application/sparql-query`` run a query; GET without a query returns the service description.
Updates (``update=``, ``application/sparql-update``) and SERVICE are refused with 400.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import ExitStack
from urllib.parse import parse_qs

import pyoxigraph as ox
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from controlgraph.errors import (
    AuthenticationError,
    ControlGraphError,
    InputError,
    NotFound,
    QueryCapacityExceeded,
    QueryRefused,
    QueryTimeout,
    StoreUnavailable,
    TooManyQueries,
)
from controlgraph.service.query_admission import CallerLimits
from controlgraph.service.query_pool import QueryRunner, close_quietly, query_runner
from controlgraph.service.query_results import GRAPH_FORMATS, RESULTS_FORMATS, Answer
from controlgraph.settings import Settings
from controlgraph.store.base import GraphStore
from controlgraph.store.tenancy import ApiKeys, Visibility
from controlgraph.vocabulary import RDF, RDFS
from controlgraph.web.lifespan import on_shutdown, on_startup
from controlgraph.web.streamed_answer import StreamedAnswer

router = APIRouter()

SD = "http://www.w3.org/ns/sparql-service-description#"
FORMATS = "http://www.w3.org/ns/formats/"
_SD_RESULT_FORMATS = ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
                      "Turtle", "N-Triples", "JSON-LD", "RDF_XML")

# (error class, HTTP status); the first match wins, so subclasses come first.
_STATUS: list[tuple[type[ControlGraphError], int]] = [
    (QueryTimeout, 504),
    (TooManyQueries, 429),
    (QueryCapacityExceeded, 503),
    (StoreUnavailable, 503),
    (QueryRefused, 400),
    (NotFound, 404),
    (InputError, 400),
    (AuthenticationError, 401),
]


def error_response(error: ControlGraphError) -> JSONResponse:
    from controlgraph.errors import QueryError

    status = next((code for cls, code in _STATUS if isinstance(error, cls)), None)
    if status is None:
        status = 400 if isinstance(error, QueryError) else 500
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    if status in (429, 503):
        headers = {"Retry-After": "1" if status == 429 else "5"}
    return JSONResponse({"error": str(error), "kind": type(error).__name__}, status_code=status, headers=headers)


def _accepted(accept: str) -> list[str]:
    """Media types of an Accept header, best first (by q, then by order)."""
    ranked = []
    for position, part in enumerate(accept.split(",")):
        media, *params = [p.strip() for p in part.split(";")]
        quality = 1.0
        for param in params:
            if param.startswith("q="):
                try:
                    quality = float(param[2:])
                except ValueError:
                    quality = 0.0
        if media and quality > 0:
            ranked.append((-quality, position, media.lower()))
    return [media for _, _, media in sorted(ranked)]


def negotiate(accept: str) -> tuple[str, str]:
    """The results format (SELECT/ASK) and the graph format (CONSTRUCT/DESCRIBE) an Accept header asks for."""
    wanted = _accepted(accept or "*/*")
    results = next((m for m in wanted if m in RESULTS_FORMATS), "application/sparql-results+json")
    graph = next((m for m in wanted if m in GRAPH_FORMATS), "text/turtle")
    return results, graph


def answer_response(answer: Answer) -> Response:
    headers = {"X-Result-Rows": str(answer.rows)}
    if answer.truncated:
        headers["X-Result-Truncated"] = "true"  # the row cap cut the answer
    charset = "" if answer.media_type.endswith("json") else "; charset=utf-8"
    return Response(answer.body, media_type=answer.media_type + charset, headers=headers)


def caller_visibility(request: Request) -> Visibility:
    """Anonymous: the shared graphs; ``Authorization: Bearer <key>``: those and the tenant's own graph.

    A key that is given but wrong raises :class:`AuthenticationError` (401), never silently anonymous.
    """
    keys: ApiKeys = request.app.state.api_keys
    return Visibility(keys.from_authorization(request.headers.get("authorization")))


def caller_identity(request: Request, visibility: Visibility) -> str:
    """Whom a query counts against: the tenant, or the anonymous client's address."""
    if visibility.tenant is not None:
        return f"tenant:{visibility.tenant}"
    return f"address:{request.client.host if request.client else 'unknown'}"


async def run_answer(request: Request, sparql: str, substitutions: Mapping[str, ox.NamedNode | ox.Literal]) -> Response:
    """The answer whole when it is small, else streamed (:mod:`controlgraph.web.streamed_answer`).

    The caller's query slot is held until the last chunk is sent. An HTTP/1.0 request cannot tell a cut
    body from a whole one (no chunked encoding), so it always gets a whole answer, capped as before.
    """
    runner: QueryRunner = request.app.state.query_runner
    limits: CallerLimits = request.app.state.caller_limits
    settings: Settings = request.app.state.settings
    results, graph = negotiate(request.headers.get("accept", ""))
    window = settings.sparql_max_result_bytes if request.scope.get("http_version") == "1.0" else None
    held = ExitStack()
    try:
        visibility = caller_visibility(request)
        held.enter_context(limits.slot(caller_identity(request, visibility)))
        relayed = await run_in_threadpool(
            runner.stream, sparql, substitutions=substitutions, results_media_type=results,
            graph_media_type=graph, visibility=visibility, window=window,
        )
    except ControlGraphError as exc:
        held.close()
        return error_response(exc)
    if relayed.whole is None:
        return StreamedAnswer(relayed, held)
    held.close()
    return answer_response(relayed.whole)


def _service_description(endpoint: str, settings: Settings) -> bytes:
    service = ox.BlankNode()
    sd = {name: ox.NamedNode(SD + name) for name in
          ("Service", "endpoint", "supportedLanguage", "SPARQL11Query", "resultFormat", "feature",
           "UnionDefaultGraph")}
    rdf_type = ox.NamedNode(RDF + "type")
    comment = ox.NamedNode(RDFS + "comment")
    triples = [
        ox.Triple(service, rdf_type, sd["Service"]),
        ox.Triple(service, sd["endpoint"], ox.NamedNode(endpoint)),
        ox.Triple(service, sd["supportedLanguage"], sd["SPARQL11Query"]),
        ox.Triple(service, sd["feature"], sd["UnionDefaultGraph"]),
        ox.Triple(service, comment, ox.Literal(
            f"controlgraph read-only SPARQL endpoint: updates and SERVICE are refused; each query is stopped after "
            f"{settings.sparql_timeout:g} s and returns at most {settings.sparql_row_cap} rows. The default graph "
            "is the union of the shared named graphs (one per dataset), plus the caller's own tenant graph when "
            "the request carries its API key; other tenants' graphs are never part of it.", language="en")),
    ]
    triples += [ox.Triple(service, sd["resultFormat"], ox.NamedNode(FORMATS + f)) for f in _SD_RESULT_FORMATS]
    return ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes={"sd": SD, "rdfs": RDFS}) or b""


def _single(values: Mapping[str, list[str]], name: str) -> str | None:
    found = values.get(name, [])
    if len(found) > 1:
        raise InputError(f"give one '{name}' parameter, not {len(found)}")
    return found[0] if found else None


def _refuse_dataset_params(values: Mapping[str, list[str]]) -> None:
    for name in ("default-graph-uri", "named-graph-uri", "using-graph-uri", "using-named-graph-uri"):
        if name in values:
            raise QueryRefused(f"'{name}' is not supported here; name graphs with FROM or GRAPH in the query")


@router.get("/sparql")
async def sparql_get(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    values = parse_qs(request.url.query, keep_blank_values=True)
    try:
        if "update" in values:
            raise QueryRefused("updates are not allowed on this endpoint (read-only)")
        _refuse_dataset_params(values)
        query = _single(values, "query")
    except ControlGraphError as exc:
        return error_response(exc)
    if query is None:
        endpoint = str(request.url.replace(query=""))
        return Response(_service_description(endpoint, settings), media_type="text/turtle; charset=utf-8")
    return await run_answer(request, query, {})


@router.post("/sparql")
async def sparql_post(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    body = await request.body()
    try:
        if len(body) > settings.max_request_bytes:
            raise InputError(f"request body over {settings.max_request_bytes} bytes")
        url_values = parse_qs(request.url.query, keep_blank_values=True)
        _refuse_dataset_params(url_values)
        if media_type == "application/sparql-update":
            raise QueryRefused("updates are not allowed on this endpoint (read-only)")
        if media_type == "application/sparql-query":
            query: str | None = body.decode("utf-8")
        elif media_type == "application/x-www-form-urlencoded":
            form = parse_qs(body.decode("utf-8"), keep_blank_values=True)
            if "update" in form:
                raise QueryRefused("updates are not allowed on this endpoint (read-only)")
            _refuse_dataset_params(form)
            query = _single(form, "query")
        else:
            raise InputError(f"unsupported content type {media_type or '(none)'!r}; send "
                             "application/sparql-query or application/x-www-form-urlencoded with query=")
        if not query:
            raise InputError("no query given")
    except UnicodeDecodeError:
        return error_response(InputError("the request body is not UTF-8"))
    except ControlGraphError as exc:
        return error_response(exc)
    return await run_answer(request, query, {})


def install(app: FastAPI, settings: Settings, store: GraphStore) -> None:
    """Give the app its query runner and the /sparql routes; stop the runner with the app."""
    runner = query_runner(store, settings)
    app.state.query_runner = runner
    app.state.caller_limits = CallerLimits(settings.sparql_per_caller)
    app.state.api_keys = ApiKeys.parse(settings.api_keys)
    app.include_router(router)
    on_startup(app, runner.start)  # query workers start with the app, not with its first query
    on_shutdown(app, lambda: close_quietly(runner))
