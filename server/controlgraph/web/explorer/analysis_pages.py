"""Explorer pages for whole frameworks at once: crosswalk, coverage and programme, with their downloads.

Each page calls the engine function GraphQL calls (``analysis.crosswalk``, ``analysis.coverage``,
``analysis.programme``); downloads are links to the ``/exports`` routes, which read the export catalogue.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from controlgraph.analysis.catalog import frameworks
from controlgraph.analysis.coverage import CoverageReport, HaveSpec, coverage
from controlgraph.analysis.crosswalk import CrosswalkRow, crosswalk
from controlgraph.analysis.programme import unified_control_set
from controlgraph.errors import ControlGraphError, InputError
from controlgraph.exports.catalogue import CROSSWALK_FORMATS, PROGRAMME_FORMATS
from controlgraph.store.base import GraphStore
from controlgraph.web.explorer.render import error_page, page

router = APIRouter(include_in_schema=False)
MAX_TABLE_ROWS = 400  # rows shown on the page; the downloads hold them all
LEVELS = ("full", "partial", "likely", "none")


def _store(request: Request) -> GraphStore:
    store: GraphStore = request.app.state.store
    return store


def _list(request: Request, name: str) -> list[str]:
    values = [v.strip() for raw in request.query_params.getlist(name) for v in raw.split(",")]
    return list(dict.fromkeys(v for v in values if v))


def _slugs(store: GraphStore) -> list[str]:
    return [f.slug for f in frameworks(store)]


@dataclass
class PairSummary:
    target: str
    rows: int
    by_relation: Counter[str]
    by_coverage: Counter[str]
    sources_mapped: int


def _crosswalk(store: GraphStore, source: str, targets: list[str], inferred: bool) -> dict[str, Any]:
    rows: list[tuple[str, CrosswalkRow]] = []
    summaries = []
    for target in targets:
        found = crosswalk(store, source, target, include_inferred=inferred)
        rows += [(target, r) for r in found]
        summaries.append(PairSummary(target, len(found), Counter(r.mapping.relation.value for r in found),
                                     Counter(r.mapping.coverage for r in found),
                                     len({r.source.iri for r in found})))
    return {"rows": rows[:MAX_TABLE_ROWS], "rows_total": len(rows), "summaries": summaries}


@router.get("/crosswalk")
async def crosswalk_page(request: Request) -> HTMLResponse:
    store = _store(request)
    slugs = await run_in_threadpool(_slugs, store)
    source = request.query_params.get("from", "").strip()
    targets = [t for t in _list(request, "to") if t != source]
    inferred = request.query_params.get("inferred", "") in {"on", "true", "1"}
    context: dict[str, Any] = {"slugs": slugs, "source": source, "targets": targets, "inferred": inferred,
                               "formats": list(CROSSWALK_FORMATS.values()), "rows": [], "rows_total": 0,
                               "summaries": [], "max_rows": MAX_TABLE_ROWS}
    if source and targets:
        try:
            context.update(await run_in_threadpool(_crosswalk, store, source, targets, inferred))
        except ControlGraphError as exc:
            return error_page(request, exc)
    return page("crosswalk.html", nav="crosswalk", **context)


@dataclass
class TargetCoverage:
    report: CoverageReport
    levels: dict[str, int]  # leaf items per level: full, partial, likely (a candidate only), none
    gaps: list[Any]  # leaf ItemCoverage not fully covered

    @property
    def total(self) -> int:
        return sum(self.levels.values())

    def percent(self, level: str) -> float:
        return 100.0 * self.levels[level] / self.total if self.total else 0.0


def _coverage(store: GraphStore, have: list[str], targets: list[str]) -> list[TargetCoverage]:
    if any(h.startswith("@") for h in have):
        raise InputError("have: name frameworks or controls; files (@path) are for the command line")
    spec = HaveSpec.parse(have)
    out = []
    for target in targets:
        report = coverage(store, spec, target)
        levels = dict.fromkeys(LEVELS, 0)
        gaps = []
        for leaf in report.leaves():
            level = leaf.status  # full, partial (proven overlap), likely (candidate at or above the threshold), none
            levels[level] += 1
            if leaf.status != "full":
                gaps.append((level, leaf))
        out.append(TargetCoverage(report, levels, gaps))
    return out


@router.get("/coverage")
async def coverage_page(request: Request) -> HTMLResponse:
    store = _store(request)
    slugs = await run_in_threadpool(_slugs, store)
    have, targets = _list(request, "have"), _list(request, "target")
    results: list[TargetCoverage] = []
    if have and targets:
        try:
            results = await run_in_threadpool(_coverage, store, have, targets)
        except ControlGraphError as exc:
            return error_page(request, exc)
    return page("coverage.html", nav="coverage", slugs=slugs, have=have, targets=targets, results=results,
                levels=LEVELS, formats=list(PROGRAMME_FORMATS.values()))


@router.get("/programme")
async def programme_page(request: Request) -> HTMLResponse:
    store = _store(request)
    slugs = await run_in_threadpool(_slugs, store)
    targets = _list(request, "targets")
    hub = request.query_params.get("hub", "iso27002-2022").strip() or "iso27002-2022"
    have = _list(request, "have") or [hub]
    result = None
    if targets:
        try:
            result = await run_in_threadpool(unified_control_set, store, targets, hub)
        except ControlGraphError as exc:
            return error_page(request, exc)
    return page("programme.html", nav="programme", slugs=slugs, targets=targets, hub=hub, have=have,
                result=result, formats=list(PROGRAMME_FORMATS.values()))
