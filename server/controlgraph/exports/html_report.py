"""The HTML report: one self-contained file (inline CSS and SVG, no script, no external resource).

Sections: the coverage heatmap (each --have value against each target), per-target gap tables
(leaf items not fully covered by everything implemented, with the partial evidence), the crosswalk
rows when the report is a crosswalk's, and the provenance of every mapping set used. Every text
that comes from the graph or the request is escaped with :func:`html.escape`.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Iterable, Sequence

from controlgraph import __version__
from controlgraph.analysis.coverage import CoverageReport, HaveSpec, ItemCoverage, coverage
from controlgraph.analysis.likelihood import describe_sources
from controlgraph.analysis.satisfiers import Satisfier
from controlgraph.exports.crosswalk_table import (
    COLUMNS,
    HEADINGS,
    CrosswalkExport,
    SetProvenance,
    candidate_record,
    provenance,
    record,
)
from controlgraph.exports.heatmap import cell_of, framework_titles, heatmap_cells, heatmap_svg, legend_html
from controlgraph.exports.xlsx_sheets import COVERAGE_FILLS
from controlgraph.store.base import GraphStore
from controlgraph.vocabulary import control_ref_from_iri, mapping_set_of

_STYLE = """
body{font-family:system-ui,sans-serif;margin:24px;color:#1b1b1b}
h1{font-size:22px}h2{font-size:18px;margin-top:28px;border-bottom:1px solid #ccc}
table{border-collapse:collapse;font-size:12px;margin:8px 0}
th,td{border:1px solid #ccc;padding:3px 6px;text-align:left;vertical-align:top}
th{background:#1f3864;color:#fff;position:sticky;top:0}
.key{display:inline-block;margin-right:14px;font-size:12px}
.swatch{display:inline-block;width:14px;height:14px;margin-right:4px;vertical-align:middle;border:1px solid #999}
.meta{color:#555;font-size:12px}
""" + "".join(f"td.cov-{status}{{background:#{fill}}}" for status, fill in COVERAGE_FILLS.items())
_CROSSWALK_COLUMNS = ("source_id", "source_title", "source_responsibility", "relation", "target_framework",
                      "target_id", "target_title", "target_responsibility", "coverage", "basis", "strength",
                      "rationale", "mapping_set", "authority", "sources", "explanation_path")
_CANDIDATE_COLUMNS = ("source_id", "source_title", "relation", "target_framework", "target_id", "target_title",
                      "probability", "explanation_path")


def _e(value: object) -> str:
    return html.escape("" if value is None else str(value))


def _table(headings: Sequence[str], rows: Iterable[Sequence[object]], coverage_column: int | None = None) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in headings)
    body = []
    for row in rows:
        cells = []
        for index, value in enumerate(row):
            css = f' class="cov-{_e(value)}"' if index == coverage_column and value in COVERAGE_FILLS else ""
            cells.append(f"<td{css}>{_e(value)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _evidence_text(item: ItemCoverage) -> str:
    """Single mappings with their set, chains named by their mapping sets, cover sets met."""
    parts = []
    for s in item.evidence:
        via = " > ".join(mapping_set_of(m) for m in s.path) if s.inferred else (s.mapping_set or "")
        parts.append(f"{s.relation.value} {s.control.ref} (via {via})")
    for c in item.candidates:
        if c.proven:
            parts.append(f"{c.proven} by chain {' > '.join(mapping_set_of(m) for m in c.path)} to {_ref(c.control)}")
    for cs in item.cover_sets:
        parts.append("within the union of " + " + ".join(_ref(y) for y in cs.statement.covered_by)
                     + f" (cover set, {cs.statement.mapping_set})")
    return "; ".join(parts)


def _review_text(item: ItemCoverage) -> str:
    return "; ".join(f"{_ref(c.control)} p={c.probability:.2f} via {' > '.join(mapping_set_of(m) for m in c.path)}"
                     for c in item.candidates if not c.proven)


def _gap_section(report: CoverageReport, titles: dict[str, str]) -> str:
    gaps = [leaf for leaf in report.leaves() if leaf.status != "full"]
    overall = report.overall()
    rows = [(g.item.info.notation, g.item.info.title, g.status, _evidence_text(g), _review_text(g)) for g in gaps]
    scope = report.scope.scope if report.scope and report.scope.scope else None
    scoped = f" (scope: {scope}, {report.scope.left_out} items left out)" if scope and report.scope else ""
    summary = (f"<p>{overall.total} assessable items{_e(scoped)}: {overall.full} full, {overall.partial} partial, "
               f"{overall.likely} likely, {overall.none} none; expected coverage {overall.expected_percent:.1f}%. "
               f"{len(gaps)} gap(s) below.</p>")
    name = titles.get(report.target, report.target)
    return (f'<section class="gaps" id="gaps-{_e(report.target)}"><h3>{_e(name)} ({_e(report.target)})</h3>'
            + summary + _table(("Item", "Title", "Coverage", "Evidence", "Candidates to review"), rows,
                               coverage_column=2) + "</section>")


def _ref(iri: str) -> str:
    ref = control_ref_from_iri(iri)
    return str(ref) if ref else iri


def _provenance_section(sets: Sequence[SetProvenance]) -> str:
    rows = [(p.set_id, p.title, p.authority, p.publisher, p.licence, p.rows) for p in sets]
    return ("<h2>Provenance</h2><p>Every mapping set this report draws on, with its publisher and licence.</p>"
            + _table(("Mapping set", "Title", "Authority", "Publisher", "Licence", "Mappings used"), rows))


def html_report(store: GraphStore, have_rows: Sequence[str], targets: Sequence[str], *,
                crosswalk: CrosswalkExport | None = None, title: str | None = None,
                generated: dt.datetime | None = None, scopes: dict[str, str] | None = None) -> str:
    """The report for what is implemented (each of ``have_rows``, and all together) against ``targets``."""
    when = (generated or dt.datetime.now(dt.UTC)).replace(microsecond=0).isoformat()
    combined = HaveSpec.parse(have_rows)
    scopes = scopes or {}
    reports = [coverage(store, combined, target, scope=scopes.get(target)) for target in targets]
    titles = framework_titles(store)
    rows = list(have_rows)
    cells = heatmap_cells(store, rows, targets, scopes) if len(rows) > 1 else []
    if len(rows) > 1:
        rows.append("all of the above")
    cells += [cell_of(r, rows[-1]) for r in reports]
    evidence: list[Satisfier] = [s for r in reports for item in r.leaves() for s in item.evidence]
    sets = provenance([*evidence, *(crosswalk.rows if crosswalk else ())])
    heading = title or f"Coverage of {', '.join(targets)} by {', '.join(have_rows)}"
    parts = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{_e(heading)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{_e(heading)}</h1>",
        f'<p class="meta">Generated {_e(when)} by controlgraph {_e(__version__)}. Coverage counts assessable '
        "items (leaves, and parents with requirements of their own or alternatives as children): full where "
        "what is implemented is proven to contain the item, partial where overlap is proven along any chain of "
        "mappings, likely where a candidate link reaches the probability threshold (never counted as proven). "
        "Expected coverage sums each item's probability of being met at least in part, hub controls weighing "
        f"less. Probabilities: {_e(_sources(reports))}.</p>",
        "<h2>Coverage heatmap</h2>", f"<div>{legend_html()}</div>", heatmap_svg(cells, rows, targets, titles),
        "<h2>Gaps per target</h2>", *(_gap_section(r, titles) for r in reports),
    ]
    if crosswalk is not None:
        column = _CROSSWALK_COLUMNS.index("coverage")
        parts += [f"<h2>Crosswalk from {_e(crosswalk.source)}</h2>",
                  f"<p>{len(crosswalk.rows)} row(s); each reads source relation target.</p>",
                  _table([HEADINGS[c] for c in _CROSSWALK_COLUMNS],
                         ([record(r, crosswalk.responsibility)[c] for c in _CROSSWALK_COLUMNS] for r in crosswalk.rows),
                         column)]
        if crosswalk.with_candidates:
            parts += [f"<h2>Candidates to confirm ({len(crosswalk.candidates)})</h2>",
                      f"<p>Pairs that chains of mappings join without proving, at least "
                      f"{crosswalk.min_probability:g} probable (the calibrated chance a publisher maps the pair); "
                      "the relation lists those still possible. Never counted as coverage.</p>",
                      _table([HEADINGS[c] for c in _CANDIDATE_COLUMNS],
                             ([candidate_record(r)[c] for c in _CANDIDATE_COLUMNS] for r in crosswalk.candidates))]
    parts += [_provenance_section(sets), "</body></html>"]
    return "\n".join(parts) + "\n"


def _sources(reports: Sequence[CoverageReport]) -> str:
    named = sorted({r.probability_sources for r in reports} - {describe_sources([])})
    return "; ".join(named) or describe_sources([])


__all__ = ["COLUMNS", "html_report"]
