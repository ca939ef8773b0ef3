"""The multi-certification programme workbook: implement once, comply many.

Sheets: a summary (per target the four levels and the expected coverage the plan reaches, and where
probabilities come from); the unified control set (hub controls in the order picked, what each adds, one
column per target with what it fully and partially covers); the residual gaps per target with their level,
evidence (chains named by their mapping sets) and candidates to review; a statement of applicability for
ISO/IEC 27001:2022 Annex A, the ISO/IEC 27017 CLD controls and ISO/IEC 27018 Annex A, with drop-downs for
applicability and implementation status, owner, evidence and justification columns to fill in, what
implements each control, and its coverage status (conditional formatting on status and coverage); the
provenance and licence of every mapping set used.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from openpyxl.formatting.rule import CellIsRule, FormulaRule
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from controlgraph import __version__
from controlgraph.analysis.coverage import CoverageReport, HaveSpec, ItemCoverage, coverage
from controlgraph.analysis.programme import UnifiedControlSet, unified_control_set
from controlgraph.analysis.satisfiers import Satisfier, satisfiers_in_framework
from controlgraph.exports.crosswalk_table import provenance
from controlgraph.exports.xlsx_sheets import (
    COVERAGE_FILLS,
    new_workbook,
    sheet_title,
    workbook_bytes,
    write_pairs,
    write_table,
)
from controlgraph.store.base import GraphStore
from controlgraph.vocabulary import control_ref_from_iri, mapping_set_of


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
                "Implemented by (mapped items)", "Coverage status", "Implementation status", "Owner", "Evidence",
                "Responsibility (cloud)")
APPLICABLE_CHOICES = ("Yes", "No")
STATUS_CHOICES = ("Not started", "Planned", "In progress", "Implemented", "Not applicable")
STATUS_FILLS = {"Not started": "F8CBAD", "Planned": "FFE699", "In progress": "FFE699", "Implemented": "C6EFCE",
                "Not applicable": "D9D9D9"}
GAP_HEADINGS = ("Target", "Item", "Title", "Gap", "Coverage by what is implemented", "Evidence with the hub set",
                "Candidates to review")
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
    responsibility: str = ""  # whose guidance (27017: customer, provider, shared), own or inherited; "" if none

    def cells(self) -> list[str]:
        initial = "Implemented" if self.status == "full" else "Not started"
        return [self.framework, self.control, self.title, self.applicable, self.justification, self.hub,
                self.mapped, self.status, initial, "", "", self.responsibility]


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
                               _refs(by_hub), _refs(item.evidence) or _implemented_itself(item), item.status,
                               item.item.responsibility or ""))
    return rows, used


def _implemented_itself(item: ItemCoverage) -> str:
    return "implemented as such" if item.status == "full" and not item.evidence else ""


def _cover_text(covers: dict[str, list[str]], partially: dict[str, list[str]], target: str) -> str:
    full = ", ".join(covers.get(target, []))
    partial = ", ".join(partially.get(target, []))
    return " | ".join(text for text in (f"full: {full}" if full else "", f"partial: {partial}" if partial else "")
                      if text)


def _soa_controls(sheet: Worksheet, rows: int) -> None:
    """Drop-downs on applicability and implementation status; conditional fills on status and coverage."""
    if rows == 0:
        return
    last = rows + 1
    applicable = DataValidation(type="list", formula1='"' + ",".join(APPLICABLE_CHOICES) + '"', allow_blank=False,
                                showErrorMessage=True, error="Choose Yes or No")
    applicable.add(f"D2:D{last}")
    status = DataValidation(type="list", formula1='"' + ",".join(STATUS_CHOICES) + '"', allow_blank=True,
                            showErrorMessage=True, error="Choose a status from the list")
    status.add(f"I2:I{last}")
    sheet.add_data_validation(applicable)
    sheet.add_data_validation(status)
    for value, colour in STATUS_FILLS.items():
        sheet.conditional_formatting.add(f"I2:I{last}", CellIsRule(operator="equal", formula=[f'"{value}"'],
                                                                   fill=PatternFill("solid", bgColor=colour)))
    for value, colour in COVERAGE_FILLS.items():
        sheet.conditional_formatting.add(f"H2:H{last}", CellIsRule(operator="equal", formula=[f'"{value}"'],
                                                                   fill=PatternFill("solid", bgColor=colour)))
    sheet.conditional_formatting.add(f"A2:L{last}", FormulaRule(formula=['$D2="No"'],
                                                                font=Font(color="808080", italic=True)))


def _gap_evidence(report: CoverageReport, item: ItemCoverage) -> tuple[str, str]:
    evidence = []
    for s in item.evidence:
        via = " > ".join(mapping_set_of(m) for m in s.path) if s.inferred else (s.mapping_set or "")
        evidence.append(f"{s.relation.value} {s.control.ref} via {via}")
    evidence += [f"{c.proven} to {_ref(c.control)} by chain {' > '.join(mapping_set_of(m) for m in c.path)}"
                 for c in item.candidates if c.proven]
    review = []
    for c in [c for c in item.candidates if not c.proven][:5]:
        likely = ", likely" if c.probability >= report.likely_threshold else ""
        review.append(f"{_ref(c.control)} (p={c.probability:.2f}{likely})")
    return "; ".join(evidence), "; ".join(review)


def _ref(iri: str) -> str:
    ref = control_ref_from_iri(iri)
    return str(ref) if ref else iri


def programme_xlsx(store: GraphStore, have: HaveSpec, targets: Sequence[str], *, hub: str = "iso27002-2022",
                   generated: dt.datetime | None = None, scopes: dict[str, str] | None = None) -> bytes:
    unified: UnifiedControlSet = unified_control_set(store, targets, hub, scopes=scopes)
    reports = {target: coverage(store, have, target, scope=(scopes or {}).get(target)) for target in targets}
    soa, soa_maps = soa_rows(store, have, hub.split(":", 1)[0])
    when = (generated or dt.datetime.now(dt.UTC)).replace(microsecond=0).isoformat()

    book = new_workbook()
    summary = book.create_sheet("Summary")
    lines: list[tuple[str, str | int | float | None]] = [
        ("Implemented (--have)", ", ".join(have.patterns)), ("Targets", ", ".join(targets)), ("Hub", hub),
        ("Hub controls chosen", len(unified.chosen)), ("Method", unified.bound),
        ("Probabilities (likely level)", unified.probability_source), ("Generated", when),
        ("Generator", f"controlgraph {__version__}"),
    ]
    for gap in unified.gaps:
        reached = gap.summary
        overall = reports[gap.slug].overall()
        if reached is not None:
            lines.append((f"{gap.slug}: reached by the hub set",
                          f"{reached.total} items: full {reached.full}, partial {reached.partial}, likely "
                          f"{reached.likely}, none {reached.none}; expected {reached.expected_percent:.1f}%"))
        lines.append((f"{gap.slug}: covered by what is implemented",
                      f"full {overall.full}, partial {overall.partial}, likely {overall.likely}, none {overall.none} "
                      f"of {overall.total}; expected {overall.expected_percent:.1f}%"))
    write_pairs(summary, lines)

    ucs = book.create_sheet("Unified control set")
    write_table(ucs, ["Hub control", "Title", "Adds full", "Adds in part", "Adds expected",
                      *(f"{t} (newly covered)" for t in targets)],
                ([c.control.ref, c.control.title, sum(len(v) for v in c.covers.values()),
                  sum(len(v) for v in c.partially.values()), round(c.expected_gain, 2),
                  *(_cover_text(c.covers, c.partially, t) for t in targets)]
                 for c in unified.chosen))

    gaps = book.create_sheet("Residual gaps")
    status_of = {i.item.info.ref: i.status for r in reports.values() for i in r.items}
    gap_rows = []
    for gap in unified.gaps:
        if gap.report is None:
            continue
        for item in gap.gap_items():
            evidence, review = _gap_evidence(gap.report, item)
            gap_rows.append([gap.slug, item.item.info.ref, item.item.info.title, item.status,
                             status_of.get(item.item.info.ref, ""), evidence, review])
    write_table(gaps, GAP_HEADINGS, gap_rows, coverage_columns=[3, 4])

    soa_sheet = book.create_sheet(sheet_title("Statement of applicability"))
    count = write_table(soa_sheet, SOA_HEADINGS, (r.cells() for r in soa), coverage_columns=[7])
    _soa_controls(soa_sheet, count)

    used = [s for r in reports.values() for i in r.items for s in i.evidence]
    hub_slug = hub.split(":", 1)[0]
    hub_maps = [s for t in targets for found in satisfiers_in_framework(store, t, frameworks=[hub_slug]).values()
                for s in found]
    sources = book.create_sheet("Provenance")
    write_table(sources, ("Mapping set", "Title", "Authority", "Publisher", "Licence", "Mappings used"),
                ([p.set_id, p.title, p.authority, p.publisher, p.licence, p.rows]
                 for p in provenance([*hub_maps, *used, *soa_maps])))
    return workbook_bytes(book)
