"""CSF 1.1 -> 2.0 pairs that NIST's own CSF 2.0 core records but the transition mapping lacks.

Each CSF 1.1 item withdrawn in CSF 2.0 is a row of ``nist-csf-2.0/csf2_core.csv`` whose text reads
"[Withdrawn: Incorporated into X, Y]" or "[Withdrawn: Moved to X]". Where the CISO Assistant encoding of
NIST's transition mapping has no pair from the withdrawn item to such a target, the pair is added with
the core as its source (relation intersects-with, defaulted: "incorporated into" names where the outcome
went, not a set relation) and logged.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from pathlib import Path

from controlgraph.data.authoring import MappingRecord
from controlgraph.vocabulary import Rationale, Relation
from generators.common import DataLog
from generators.nist_sources import CSF2_CORE, CSF2_SLUG, CSF11_SLUG

_WITHDRAWN = re.compile(r"^\[Withdrawn: ?(Incorporated into|Moved to|Moved into) (.*)\]$")
_CSF2_ID = re.compile(r"[A-Z]{2}\.[A-Z]{2}(?:-\d\d)?")
_SUBCATEGORY_2_0 = re.compile(r"^([A-Z]{2}\.[A-Z]{2})-(\d\d)$")


def csf11_notation(csf2_style: str) -> str:
    """The CSF 1.1 notation of a withdrawn item as the 2.0 core spells it ('RC.CO-02' -> 'RC.CO-2')."""
    match = _SUBCATEGORY_2_0.match(csf2_style)
    return f"{match[1]}-{int(match[2])}" if match else csf2_style


def core_moves(reference: Path) -> list[tuple[int, str, str, str]]:
    """(record, CSF 1.1 item, CSF 2.0 item, NIST's wording) for every withdrawn item's named destination."""
    moves: list[tuple[int, str, str, str]] = []
    with (reference / CSF2_CORE).open(encoding="utf-8", newline="") as handle:
        for record, row in enumerate(csv.DictReader(handle), start=1):
            match = _WITHDRAWN.match(row["text"].strip())
            if match is None:
                continue
            for target in _CSF2_ID.findall(match[2]):
                moves.append((record, csf11_notation(row["id"].strip()), target, match[1].lower()))
    return moves


def missing_core_pairs(
    reference: Path,
    published: Sequence[MappingRecord],
    csf11: frozenset[str],
    csf2: frozenset[str],
    log: DataLog,
) -> list[MappingRecord]:
    have = {(m.subject[1], m.object[1]) for m in published}
    added: list[MappingRecord] = []
    for record, old, new, wording in core_moves(reference):
        if (old, new) in have or old not in csf11 or new not in csf2:
            continue
        have.add((old, new))
        added.append(
            MappingRecord(
                subject=(CSF11_SLUG, old),
                object=(CSF2_SLUG, new),
                relation=Relation.INTERSECTS_WITH,
                rationale=Rationale.SEMANTIC,
                relation_source="defaulted",
                comment=f"Added from NIST's CSF 2.0 core, which records {old} as withdrawn: {wording} {new}.",
            )
        )
        log.repair(
            CSF2_CORE,
            record,
            f"{old} -> {new}",
            f"added: NIST's core says {wording} {new}; the transition mapping lacks the pair "
            "(relation defaulted to intersects-with)",
        )
    return added
