"""Crosswalk as CSV (RFC 4180, UTF-8, a header row of :data:`~.crosswalk_table.COLUMNS`), candidates last."""

from __future__ import annotations

import csv
import io

from controlgraph.exports.crosswalk_table import COLUMNS, CrosswalkExport, candidate_record, record


def crosswalk_csv(export: CrosswalkExport) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(COLUMNS), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(record(row, export.responsibility) for row in export.rows)
    writer.writerows(candidate_record(row, export.responsibility) for row in export.candidates)
    return out.getvalue()
