"""The multi-certification programme workbook: implement once, comply many.

Sheets: a summary; the unified control set (one row per hub control chosen, one column per target
with what it fully and partially covers); the residual gaps per target; a statement of
applicability for ISO/IEC 27001:2022 Annex A, the ISO/IEC 27017 CLD controls and ISO/IEC 27018
Annex A (applicable by default, a justification to fill in, what implements each control, and its
coverage status from what is implemented); the provenance and licence of every mapping set used.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from controlgraph import __version__
from controlgraph.analysis.coverage import HaveSpec, ItemCoverage, coverage
from controlgraph.analysis.programme import UnifiedControlSet, unified_control_set
from controlgraph.analysis.satisfiers import Satisfier, satisfiers_in_framework
from controlgraph.exports.crosswalk_table import provenance
from controlgraph.exports.xlsx_sheets import new_workbook, sheet_title, workbook_bytes, write_pairs, write_table
from controlgraph.store.base import GraphStore


@dataclass(frozen=True)
class SoaScope:
    """Which items of a framework a statement of applicability lists."""

    framework: str
    prefix: str  # notation prefix of the listed controls
    label: str


SOA_SCOPES = (
    SoaScope("iso27001-2022", "A.", "ISO/IEC 27001:2022 Annex A"),
    SoaScope("iso27017-2015", "CLD.", "ISO/IEC 27017:2015 cloud controls (CLD)"),
    SoaScope("iso27018-2019", "A.", "ISO/IEC 27018:2019 Annex A"),
)
SOA_HEADINGS = ("Framework", "Control", "Title", "Applicable", "Justification", "Implemented by (hub)",
                "Implemented by (mapped items)", "Coverage status")
GAP_HEADINGS = ("Target", "Item", "Title", "Gap", "Coverage by what is implemented")
JUSTIFICATION_PLACEHOLDER = "[to complete: why the control is included or excluded]"


@dataclass(frozen=True)
class SoaRow:
    framework: str
    control: str
    title: str
    applicable: str
    justification: str
    hub: str
    mapped: str
    status: str

    def cells(self) -> list[str]:
        return [self.framework, self.control, self.title, self.applicable, self.justification, self.hub,
                self.mapped, self.status]


def _refs(satisfiers: Sequence[Satisfier]) -> str:
    return "; ".join(f"{s.control.ref} ({s.relation.value})" for s in satisfiers)


def soa_rows(store: GraphStore, have: HaveSpec, hub: str) -> tuple[list[SoaRow], list[Satisfier]]:
    """Statement-of-applicability rows and the mappings they rest on (for the provenance sheet)."""
    rows: list[SoaRow] = []
    used: list[Satisfier] = []
    for scope in SOA_SCOPES:
        report = coverage(store, have, scope.framework)
        hub_maps = satisfiers_in_framework(store, scope.framework, frameworks=[hub])
        for item in report.items:
            info = item.item.info
            if info.kind != "control" or not info.notation.startswith(scope.prefix):
                continue
            by_hub = hub_maps.get(info.iri, [])
            used += by_hub + item.evidence
            rows.append(SoaRow(scope.label, info.notation, info.title, "Yes", JUSTIFICATION_PLACEHOLDER,
                               _refs(by_hub), _refs(item.evidence) or _implemented_itself(item), item.status))
    return rows, used


def _implemented_itself(item: ItemCoverage) -> str:
    return "implemented as such" if item.status == "full" and not item.evidence else ""


def _cover_text(covers: dict[str, list[str]], partially: dict[str, list[str]], target: str) -> str:
    full = ", ".join(covers.get(target, []))
    partial = ", ".join(partially.get(target, []))
    return " | ".join(text for text in (f"full: {full}" if full else "", f"partial: {partial}" if partial else "")
                      if text)


def programme_xlsx(store: GraphStore, have: HaveSpec, targets: Sequence[str], *, hub: str = "iso27002-2022",
                   generated: dt.datetime | None = None) -> bytes:
    unified: UnifiedControlSet = unified_control_set(store, targets, hub)
    reports = {target: coverage(store, have, target) for target in targets}
    soa, soa_maps = soa_rows(store, have, hub)
    when = (generated or dt.datetime.now(dt.UTC)).replace(microsecond=0).isoformat()

    book = new_workbook()
    summary = book.create_sheet("Summary")
    lines: list[tuple[str, str | int | float | None]] = [
        ("Implemented (--have)", ", ".join(have.patterns)), ("Targets", ", ".join(targets)), ("Hub", hub),
        ("Hub controls chosen", len(unified.chosen)), ("Method", unified.bound), ("Generated", when),
        ("Generator", f"controlgraph {__version__}"),
    ]
    for gap in unified.gaps:
        overall = reports[gap.slug].overall()
        lines.append((f"{gap.slug}: fully covered by the hub set",
                      f"{gap.fully_covered}/{gap.leaf_items} leaf items ({gap.percent_full:.1f}%)"))
        lines.append((f"{gap.slug}: covered by what is implemented",
                      f"full {overall.full}, partial {overall.partial}, none {overall.none} of {overall.total}"))
    write_pairs(summary, lines)

    ucs = book.create_sheet("Unified control set")
    write_table(ucs, ["Hub control", "Title", *(f"{t} (newly covered)" for t in targets)],
                ([c.control.ref, c.control.title, *(_cover_text(c.covers, c.partially, t) for t in targets)]
                 for c in unified.chosen))

    gaps = book.create_sheet("Residual gaps")
    status_of = {i.item.info.ref: (i.item.info.title, i.status) for r in reports.values() for i in r.items}
    gap_rows = []
    for gap in unified.gaps:
        for kind, refs in (("only partially coverable by the hub", gap.partial_only),
                           ("no hub mapping", gap.uncovered)):
            for ref in refs:
                title, status = status_of.get(ref, ("", ""))
                gap_rows.append([gap.slug, ref, title, kind, status])
    write_table(gaps, GAP_HEADINGS, gap_rows, coverage_columns=[4])

    soa_sheet = book.create_sheet(sheet_title("Statement of applicability"))
    write_table(soa_sheet, SOA_HEADINGS, (r.cells() for r in soa), coverage_columns=[7])

    evidence = [s for r in reports.values() for i in r.items for s in i.evidence]
    hub_maps = [s for t in targets for found in satisfiers_in_framework(store, t, frameworks=[hub]).values()
                for s in found]
    sources = book.create_sheet("Provenance")
    write_table(sources, ("Mapping set", "Title", "Authority", "Publisher", "Licence", "Mappings used"),
                ([p.set_id, p.title, p.authority, p.publisher, p.licence, p.rows]
                 for p in provenance([*hub_maps, *evidence, *soa_maps])))
    return workbook_bytes(book)
