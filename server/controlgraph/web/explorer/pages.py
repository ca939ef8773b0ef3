"""Explorer pages for finding and reading controls: home, search, control, explain, framework."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from controlgraph.analysis.catalog import control_statements, frameworks
from controlgraph.analysis.coverage import FrameworkItem, HaveSpec, candidates_of, coverage, framework_items
from controlgraph.analysis.explain import explain
from controlgraph.analysis.mapping_lookup import mapping_set_sizes, mapping_sets
from controlgraph.analysis.satisfiers import Satisfier, find_satisfiers
from controlgraph.analysis.search import find_control, search
from controlgraph.errors import ControlGraphError, InputError
from controlgraph.reasoning.inputs import store_mappings, store_texts
from controlgraph.reasoning.pair_features import texts_from
from controlgraph.settings import Settings
from controlgraph.store.base import GraphStore
from controlgraph.store.read_cache import cached
from controlgraph.vocabulary import parse_control_ref
from controlgraph.web.explorer.render import control_href, error_page, page

router = APIRouter(include_in_schema=False)


def _store(request: Request) -> GraphStore:
    store: GraphStore = request.app.state.store
    return store


def _ref(text: str) -> Any:
    try:
        return parse_control_ref(text)
    except ValueError as exc:
        raise InputError(str(exc)) from None


def _home(store: GraphStore) -> dict[str, Any]:
    sizes = mapping_set_sizes(store)
    sets = sorted(mapping_sets(store), key=lambda s: s.set_id)
    return {"frameworks": frameworks(store), "sets": [(s, sizes.get(s.iri, 0)) for s in sets]}


@router.get("/")
async def home(request: Request) -> HTMLResponse:
    data = await run_in_threadpool(_home, _store(request))
    return page("home.html", nav="home", **data)


@router.get("/search")
async def search_page(request: Request, q: str = "") -> Response:
    result = await run_in_threadpool(search, _store(request), q)
    exact = [h for h in result.hits if h.match == "identifier"]
    if len(exact) == 1 and result.total == 1 and request.query_params.get("go") == "1":
        return RedirectResponse(control_href(exact[0].control.ref), status_code=303)
    return page("search.html", nav="search", result=result, q=result.query)


def _control(store: GraphStore, text: str, settings: Settings) -> dict[str, Any]:
    ref = _ref(text)
    info = find_control(store, ref)
    items = framework_items(store, info.framework)
    by_iri = {i.info.iri: i for i in items.items}
    ancestors: list[FrameworkItem] = []
    parent = by_iri[info.iri].parent if info.iri in by_iri else None
    while parent is not None and parent in by_iri and len(ancestors) < 20:
        ancestors.insert(0, by_iri[parent])
        parent = by_iri[parent].parent
    children = [by_iri[k] for k in items.children().get(info.iri, []) if k in by_iri]
    found = find_satisfiers(store, ref, include_inferred=True)
    asserted: dict[str, list[Satisfier]] = defaultdict(list)
    inferred: list[Satisfier] = []
    for s in found:
        (inferred if s.inferred else asserted[s.control.framework]).append(s)
    candidates = candidates_of(store, info.iri)
    level = "none"
    if any(s.coverage == "full" for s in found):
        level = "full"
    elif found:
        level = "partial"
    elif candidates:
        level = "likely"
    return {"info": info, "ancestors": ancestors, "children": children, "asserted": dict(sorted(asserted.items())),
            "inferred": inferred, "candidates": candidates[:50], "candidates_total": len(candidates),
            "level": level, "statements": control_statements(store, info.iri)}


@router.get("/control/{control:path}")
async def control_page(request: Request, control: str) -> HTMLResponse:
    try:
        data = await run_in_threadpool(_control, _store(request), control, request.app.state.settings)
    except ControlGraphError as exc:
        return error_page(request, exc)
    return page("control.html", nav="search", **data)


def _explain(store: GraphStore, subject: str, obj: str, settings: Settings) -> dict[str, Any]:
    a, b = _ref(subject), _ref(obj)
    first, second = find_control(store, a), find_control(store, b)
    edges = cached(store, ("explorer", "store_mappings"), lambda: store_mappings(store))
    # The texts too: the engine proposes candidates from them where no chain joins two controls.
    titles, statements, parents = cached(store, ("explorer", "store_texts"), lambda: store_texts(store))
    texts = cached(store, ("explorer", "text_index"), lambda: texts_from(titles, statements))
    result = explain(edges, a.iri, b.iri, max_hops=settings.max_hops, texts=texts, parent_of=parents.get)
    return {"a": first, "b": second, "result": result, "max_hops": settings.max_hops}


@router.get("/explain")
async def explain_page(request: Request, subject: str = "", object: str = "") -> HTMLResponse:
    if not subject or not object:
        return page("explain.html", nav="search", a=None, b=None, result=None, subject=subject, object=object,
                    max_hops=0)
    try:
        data = await run_in_threadpool(_explain, _store(request), subject, object, request.app.state.settings)
    except ControlGraphError as exc:
        return error_page(request, exc)
    return page("explain.html", nav="search", subject=subject, object=object, **data)


def _framework(store: GraphStore, slug: str, by: str) -> dict[str, Any]:
    known = {f.slug: f for f in frameworks(store)}
    items = framework_items(store, slug)
    status: dict[str, str] = {}
    report = None
    if by:
        report = coverage(store, HaveSpec.parse([by]), slug)
        status = {i.item.info.iri: i.status for i in report.items}
    depth: dict[str, int] = {}
    for item in items.items:
        depth[item.info.iri] = depth.get(item.parent, -1) + 1 if item.parent else 0
    rows = [(item, depth[item.info.iri], status.get(item.info.iri)) for item in items.items]
    return {"framework": known.get(slug), "slug": slug, "rows": rows, "by": by, "others": sorted(known),
            "overall": report.overall() if report else None}


@router.get("/framework/{slug}")
async def framework_page(request: Request, slug: str, by: str = "") -> HTMLResponse:
    try:
        data = await run_in_threadpool(_framework, _store(request), slug, by.strip())
    except ControlGraphError as exc:
        return error_page(request, exc)
    return page("framework.html", nav="frameworks", **data)
