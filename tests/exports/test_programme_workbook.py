"""The programme workbook read back with openpyxl and compared with the engine's unified control set and coverage."""

from __future__ import annotations

import io

import openpyxl
import pytest

from controlgraph.analysis.coverage import HaveSpec, coverage
from controlgraph.analysis.programme import unified_control_set
from controlgraph.exports.programme_xlsx import (
    JUSTIFICATION_PLACEHOLDER,
    SOA_HEADINGS,
    STATUS_CHOICES,
    programme_xlsx,
)
from controlgraph.exports.xlsx_sheets import COVERAGE_FILLS

TARGETS = ["iso27017-2015", "iso27018-2019", "csa-ccm-4", "nist-csf-2.0"]


@pytest.fixture(scope="module")
def book(built_store) -> openpyxl.Workbook:  # type: ignore[no-untyped-def]
    return openpyxl.load_workbook(io.BytesIO(programme_xlsx(built_store, HaveSpec.parse(["iso27001-2022"]), TARGETS)))


def test_sheets(book: openpyxl.Workbook) -> None:
    assert book.sheetnames == ["Summary", "Unified control set", "Residual gaps", "Statement of applicability",
                               "Provenance"]
    for name in book.sheetnames[1:]:
        assert book[name].freeze_panes == "A2"


def test_unified_control_set_and_gaps_match_the_engine(book: openpyxl.Workbook, built_store) -> None:  # type: ignore[no-untyped-def]
    unified = unified_control_set(built_store, TARGETS)
    sheet = book["Unified control set"]
    header = [c.value for c in sheet[1]]
    assert header[:5] == ["Hub control", "Title", "Adds full", "Adds in part", "Adds expected"]
    assert len(header) == 5 + len(TARGETS)
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in rows] == [c.control.ref for c in unified.chosen]
    for row, choice in zip(rows, unified.chosen, strict=True):
        assert row[2] == sum(len(v) for v in choice.covers.values())
        for index, target in enumerate(TARGETS, start=5):
            for ref in choice.covers.get(target, []):
                assert ref in (row[index] or "")
    gaps = list(book["Residual gaps"].iter_rows(min_row=2, values_only=True))
    expected = {(g.slug, ref) for g in unified.gaps for ref in [*g.partial_only, *g.uncovered]}
    assert {(r[0], r[1]) for r in gaps} == expected and len(gaps) == len(expected)
    levels = {g.slug: {i.item.info.ref: i.status for i in g.gap_items()} for g in unified.gaps}
    assert all(r[3] == levels[str(r[0])][str(r[1])] for r in gaps)
    summary = dict(book["Summary"].iter_rows(min_row=2, values_only=True))
    assert "calibrated probability" in str(summary["Probabilities (likely level)"])
    for g in unified.gaps:
        assert g.summary is not None
        reached = str(summary[f"{g.slug}: reached by the hub set"])
        assert f"full {g.summary.full}, partial {g.summary.partial}" in reached


def test_statement_of_applicability(book: openpyxl.Workbook, built_store) -> None:  # type: ignore[no-untyped-def]
    sheet = book["Statement of applicability"]
    assert tuple(c.value for c in sheet[1]) == SOA_HEADINGS
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    by_framework: dict[str, list[tuple[object, ...]]] = {}
    for row in rows:
        by_framework.setdefault(str(row[0]), []).append(row)
    counts = {k.split(" ")[0] + " " + k.split(" ")[1]: len(v) for k, v in by_framework.items()}
    assert counts == {"ISO/IEC 27001:2022": 93, "ISO/IEC 27017:2015": 7, "ISO/IEC 27018:2019": 25}
    assert all(r[3] == "Yes" and r[4] == JUSTIFICATION_PLACEHOLDER for r in rows)
    assert all(str(r[1]).startswith("CLD.") for r in rows if str(r[0]).startswith("ISO/IEC 27017"))
    status = {i.item.info.notation: i.status
              for i in coverage(built_store, HaveSpec.parse(["iso27001-2022"]), "iso27018-2019").items}
    for index, row in enumerate(rows, start=2):
        if str(row[0]).startswith("ISO/IEC 27018"):
            assert row[7] == status[str(row[1])]
        assert sheet.cell(row=index, column=8).fill.fgColor.rgb.endswith(COVERAGE_FILLS[str(row[7])])
    assert all(r[8] == ("Implemented" if r[7] == "full" else "Not started") and r[9] is None and r[10] is None
               for r in rows)  # status pre-filled from coverage; owner and evidence left to fill in
    # Whose guidance each control is: the 27017 cloud controls carry the party the engine reads from the data.
    parties = {i.item.info.notation: i.item.responsibility
               for i in coverage(built_store, HaveSpec.parse(["iso27001-2022"]), "iso27017-2015").items}
    cloud = by_framework["ISO/IEC 27017:2015 cloud controls (CLD)"]
    assert all(r[11] == parties[str(r[1])] and r[11] for r in cloud)
    assert {r[11] for r in cloud} <= {"cloud service customer", "cloud service provider",
                                      "shared (customer and provider)"}
    assert all(r[11] is None for r in by_framework["ISO/IEC 27001:2022 Annex A"])  # Annex A records none
    annex_a = by_framework["ISO/IEC 27001:2022 Annex A"]
    assert all(r[7] == "full" for r in annex_a)  # implemented as such
    assert all("iso27002-2022:" in str(r[5]) for r in annex_a)  # every Annex A control has its 27002 hub control


def test_provenance_names_every_set_with_its_licence(book: openpyxl.Workbook) -> None:
    rows = list(book["Provenance"].iter_rows(min_row=2, values_only=True))
    assert rows
    assert all(r[0] and r[3] and r[4] for r in rows)


def test_statement_of_applicability_has_drop_downs_and_conditional_formatting(book: openpyxl.Workbook) -> None:
    sheet = book["Statement of applicability"]
    last = sheet.max_row
    lists = {str(v.sqref): v.formula1 for v in sheet.data_validations.dataValidation}
    assert lists == {f"D2:D{last}": '"Yes,No"',
                     f"I2:I{last}": '"' + ",".join(STATUS_CHOICES) + '"'}
    ranges = {str(r.sqref): [rule.formula for rule in r.rules] for r in sheet.conditional_formatting}
    assert [f for f in ranges[f"H2:H{last}"]] == [['"full"'], ['"partial"'], ['"likely"'], ['"none"']]
    assert ['"Implemented"'] in ranges[f"I2:I{last}"] and ['$D2="No"'] in ranges[f"A2:L{last}"]
