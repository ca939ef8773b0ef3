"""Crosswalk as an XLSX workbook: a summary sheet, one sheet per framework pair, a provenance and licence sheet.

With candidates, each pair's sheet lists them after the mappings (basis ``candidate``, a probability).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from controlgraph import __version__
from controlgraph.exports.crosswalk_table import (
    COLUMNS,
    HEADINGS,
    CrosswalkExport,
    candidate_cells,
    provenance,
    typed_cells,
)
from controlgraph.exports.xlsx_sheets import new_workbook, sheet_title, workbook_bytes, write_pairs, write_table

PROVENANCE_HEADINGS = ("Mapping set", "Title", "Authority", "Publisher", "Licence", "Rows used")
SUMMARY_HEADINGS = ("Source", "Target", "Sheet", "Rows", "Asserted", "Inferred", "Full", "Partial", "None",
                    "Candidates")


def pair_sheet_title(target: str) -> str:
    return sheet_title(f"to {target}")


def crosswalk_xlsx(export: CrosswalkExport, *, generated: dt.datetime | None = None) -> bytes:
    book = new_workbook()
    summary = book.create_sheet("Summary")
    when = (generated or dt.datetime.now(dt.UTC)).replace(microsecond=0).isoformat()
    write_pairs(summary, [
        ("Crosswalk from", export.source),
        ("To", ", ".join(export.targets)),
        ("Inferred relations included", "yes" if export.include_inferred else "no"),
        ("Rows", len(export.rows)),
        ("Candidates included", f"yes, probability at least {export.min_probability:g}" if export.with_candidates
         else "no"),
        ("Candidates", len(export.candidates)),
        ("Generated", when),
        ("Generator", f"controlgraph {__version__}"),
        ("Reading", "each row reads: source relation target (NIST IR 8477 set-theory relations)"),
    ])
    pairs = book.create_sheet("Pairs")
    summary_rows: list[list[str | int | float | None]] = []
    for target in export.targets:
        rows = export.rows_for(target)
        counts = Counter(r.mapping.coverage for r in rows)
        inferred = sum(r.mapping.inferred for r in rows)
        summary_rows.append([export.source, target, pair_sheet_title(target), len(rows), len(rows) - inferred,
                             inferred, counts["full"], counts["partial"], counts["none"],
                             len(export.candidates_for(target))])
    write_table(pairs, SUMMARY_HEADINGS, summary_rows)
    coverage_column = COLUMNS.index("coverage")
    for target in export.targets:
        sheet = book.create_sheet(pair_sheet_title(target))
        write_table(sheet, [HEADINGS[c] for c in COLUMNS],
                    [*(typed_cells(r, export.responsibility) for r in export.rows_for(target)),
                     *(candidate_cells(c, export.responsibility) for c in export.candidates_for(target))],
                    coverage_columns=[coverage_column])
    sources = book.create_sheet("Provenance")
    write_table(sources, PROVENANCE_HEADINGS,
                ([p.set_id, p.title, p.authority, p.publisher, p.licence, p.rows] for p in provenance(export.rows)))
    return workbook_bytes(book)
