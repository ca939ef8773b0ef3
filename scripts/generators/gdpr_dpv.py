"""W3C DPV GDPR extension concepts that denote a GDPR provision, as skos:closeMatch links of that provision.

Reads ``w3c-dpv/eu-gdpr-2.2.csv`` (concepts such as ``A6-1-a``, ``A13``); concepts named after an article
but denoting something derived from it are left out and logged.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import replace

from controlgraph.data.authoring import ControlRecord
from generators.common import LogEntry
from generators.gdpr_outline import Provision

DPV_CSV = "w3c-dpv/eu-gdpr-2.2.csv"
DPV_PROVISION = re.compile(r"^A(\d+)(?:-(\d+))?(?:-([a-z]))?$")

# DPV concepts whose code names a provision other than the one they denote.
DPV_MISNUMBERED: dict[str, str] = {
    "A49-2": (
        "denotes the compelling-legitimate-interests derogation, which is the second subparagraph of "
        "Art.49(1), not Art.49(2) (limits on transfers from registers); not linked"
    ),
}


def dpv_links(
    rows: Iterable[dict[str, str]], notations: set[str]
) -> tuple[dict[str, list[str]], list[LogEntry]]:
    """skos:closeMatch targets per notation, from DPV concepts whose code denotes a provision."""
    links: dict[str, list[str]] = {}
    log: list[LogEntry] = []
    for row_number, row in enumerate(rows, start=2):  # row 1 is the header
        term = row["term"]
        if not re.match(r"^A\d", term):
            continue  # not named after an article: principles, breaches, justifications...
        reason = dpv_rejection(term, notations)
        if reason:
            log.append(LogEntry(DPV_CSV, str(row_number), term, "rejected", reason))
            continue
        links.setdefault(dpv_notation(term), []).append(row["iri"])
    return links, log


def dpv_notation(term: str) -> str:
    match = DPV_PROVISION.match(term)
    if match is None:
        raise ValueError(f"DPV term {term!r} does not name a provision")
    return Provision(int(match[1]), int(match[2]) if match[2] else None, match[3]).notation


def dpv_rejection(term: str, notations: set[str]) -> str:
    """Why a DPV concept named after an article is not linked, or '' when it is."""
    if term in DPV_MISNUMBERED:
        return DPV_MISNUMBERED[term]
    if DPV_PROVISION.match(term) is None:
        return "derived concept (impact, denial or narrower variant), not the provision itself"
    notation = dpv_notation(term)
    if notation not in notations:
        return f"{notation} does not exist in the OJ numbering (the concept splits its parent); not linked"
    return ""


def with_close_matches(records: Sequence[ControlRecord], links: dict[str, list[str]]) -> list[ControlRecord]:
    out = []
    for record in records:
        matches = sorted(links.get(record.notation, []))
        out.append(replace(record, close_matches=tuple(matches)) if matches else record)
    return out


