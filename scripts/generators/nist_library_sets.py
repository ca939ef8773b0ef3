"""Mapping sets read from CISO Assistant mapping libraries: CSF 1.1 to CSF 2.0 and CSF 1.1 to ISO/IEC 27001:2022."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any

from controlgraph.data.authoring import MappingRecord, MappingSetMeta, Provenance
from controlgraph.vocabulary import Authority, Rationale
from generators.common import CISO_ASSISTANT_RELATIONS, DataLog
from generators.nist_sources import (
    CISO_ASSISTANT_LIBRARIES,
    CSF2_SLUG,
    CSF11_SLUG,
    ISO_SLUG,
    NIST_LICENCE,
    REFERENCE_TOOL,
    REFERENCE_TOOL_EXPORT,
)


@dataclass(frozen=True)
class LibraryFramework:
    """One side of a CISO Assistant mapping: its framework URN and our slug and notations."""

    urn: str
    slug: str
    notations: frozenset[str]

    @cached_property
    def _by_lower_case(self) -> dict[str, str]:
        return {notation.lower(): notation for notation in self.notations}

    def notation_of(self, requirement_urn: str) -> str | None:
        # Requirement URNs end in the lower-cased ref_id (urn:intuitem:risk:req_node:nist-csf-1.1:id.am-1).
        return self._by_lower_case.get(requirement_urn.rsplit(":", 1)[-1])


def library_mappings(
    source_file: str,
    mapping_set: dict[str, Any],
    source: LibraryFramework,
    target: LibraryFramework,
    log: DataLog,
) -> list[MappingRecord]:
    # Direction is taken from the file, never assumed: the library's source side becomes our subject.
    if mapping_set["source_framework_urn"] != source.urn or mapping_set["target_framework_urn"] != target.urn:
        raise ValueError(f"{source_file}: unexpected direction {mapping_set['source_framework_urn']} -> "
                         f"{mapping_set['target_framework_urn']}")
    records: dict[tuple[str, str], MappingRecord] = {}
    for number, entry in enumerate(mapping_set["requirement_mappings"], start=1):
        record = library_mapping(source_file, number, entry, source, target, log)
        if record is None:
            continue
        pair = (record.subject[1], record.object[1])
        if pair in records:
            value = f"{pair[0]} -> {pair[1]}"
            log.repair(source_file, number, value, "duplicate pair: collapsed into one mapping")
            continue
        records[pair] = record
    return list(records.values())


def library_mapping(
    source_file: str,
    number: int,
    entry: dict[str, Any],
    source: LibraryFramework,
    target: LibraryFramework,
    log: DataLog,
) -> MappingRecord | None:
    subject = source.notation_of(entry["source_requirement_urn"])
    obj = target.notation_of(entry["target_requirement_urn"])
    value = f"{entry['source_requirement_urn']} -> {entry['target_requirement_urn']}"
    relation = CISO_ASSISTANT_RELATIONS.get(entry.get("relationship", ""))
    if subject is None or obj is None:
        missing = entry["source_requirement_urn"] if subject is None else entry["target_requirement_urn"]
        log.reject(source_file, number, value, f"{missing} is not an item of the catalog")
        return None
    if relation is None:
        log.reject(source_file, number, value, f"unknown relationship {entry.get('relationship')!r}")
        return None
    rationale = Rationale(entry["rationale"]) if entry.get("rationale") else Rationale.SEMANTIC
    return MappingRecord(subject=(source.slug, subject), object=(target.slug, obj), relation=relation,
                         rationale=rationale)


# Pairs of the CSF 1.1 -> ISO/IEC 27001:2022 library that CSF 1.1's own informative references contradict:
# (CSF 1.1 item, 27001:2022 item) -> the evidence. Kept as published, flagged with cg:qualityFinding.
QUALITY_FINDING = "https://w3id.org/controlgraph/ontology#qualityFinding"
_TRUNCATED = (
    "Suspect pair: CSF 1.1 cites ISO/IEC 27001:2013 A.17.1.x here (continuity), which 27002:2022 Annex B "
    "carries into 5.29/5.30; A.5.3 (segregation of duties) looks like a truncated A.5.30."
)
_HANDLING = (
    "Suspect pair: CSF 1.1 cites ISO/IEC 27001:2013 A.8.2.3 (handling of assets), which 27002:2022 Annex B "
    "carries into 5.10; A.8.8 (technical vulnerabilities) looks like the 2013 number read as a 2022 one."
)
_SEGREGATION = (
    "Suspect pair: CSF 1.1 cites ISO/IEC 27001:2013 {cited} here, which 27002:2022 Annex B carries into "
    "{carried}; A.6.8 (event reporting) matches neither."
)
SUSPECT_PAIRS: dict[tuple[str, str], str] = {
    ("PR.IP-9", "A.5.3"): _TRUNCATED,
    ("PR.IP-10", "A.5.3"): _TRUNCATED,
    ("PR.DS-1", "A.8.8"): _HANDLING,
    ("PR.DS-3", "A.8.8"): _HANDLING,
    ("PR.IP-6", "A.8.8"): _HANDLING,
    ("PR.AC-4", "A.6.8"): _SEGREGATION.format(cited="A.6.1.2 (segregation of duties)", carried="5.3"),
    ("PR.AC-6", "A.6.8"): _SEGREGATION.format(cited="A.7.1.1 (screening)", carried="6.1"),
}


def with_quality_findings(records: Sequence[MappingRecord]) -> list[MappingRecord]:
    """The records, the suspect pairs carrying their finding; fails if a listed pair is no longer published."""
    found = {(r.subject[1], r.object[1]) for r in records}
    gone = sorted(set(SUSPECT_PAIRS) - found)
    if gone:
        raise ValueError(f"suspect pairs no longer in the source (review SUSPECT_PAIRS): {gone}")
    return [
        replace(r, extra={**r.extra, QUALITY_FINDING: SUSPECT_PAIRS[(r.subject[1], r.object[1])]})
        if (r.subject[1], r.object[1]) in SUSPECT_PAIRS
        else r
        for r in records
    ]


# ---------------------------------------------------------------------------------- mapping set metas

CSF11_CSF2_META = MappingSetMeta(
    set_id="nist-csf-1.1--nist-csf-2.0",
    title="NIST CSF 1.1 to CSF 2.0 (NIST transition mapping)",
    provenance=Provenance(
        publisher="National Institute of Standards and Technology (NIST)",
        source=REFERENCE_TOOL,
        version=(
            "NIST CSF 1.1 to 2.0 mapping as encoded by intuitem (CISO Assistant library "
            f"map-nist-csf-1.1-nist-csf-2.0, version 1); the same pairs appear in the {REFERENCE_TOOL_EXPORT}"
        ),
        issued=dt.date(2024, 6, 29),
        licence=NIST_LICENCE,
    ),
    authority=Authority.OFFICIAL,
    subject_framework=CSF11_SLUG,
    object_framework=CSF2_SLUG,
    description=(
        "Where each CSF 1.1 function, category and subcategory went in CSF 2.0. Subjects are CSF 1.1 items. "
        "Relationship types are the source's (all intersects-with in this edition). Read from "
        f"{CISO_ASSISTANT_LIBRARIES}map-nist-csf-1.1-nist-csf-2.0.yaml. Three destinations that NIST's own "
        "CSF 2.0 core records for withdrawn items are missing from that mapping and are added from the core "
        "(relation defaulted to intersects-with, listed in the data log): ID.GV-4 moved to GV.RM-04, PR.MA "
        "incorporated into ID.AM-08, RC.CO-2 incorporated into RC.CO-04."
    ),
)

CSF11_ISO_META = MappingSetMeta(
    set_id="nist-csf-1.1--iso27001-2022",
    title="NIST CSF 1.1 to ISO/IEC 27001:2022 (CISO Assistant library)",
    provenance=Provenance(
        publisher="intuitem (CISO Assistant library)",
        source=f"{CISO_ASSISTANT_LIBRARIES}map-nist-csf-1.1-iso27001-2022.yaml",
        version="CISO Assistant library map-nist-csf-1.1-iso27001-2022, version 1",
        issued=dt.date(2024, 6, 24),
        licence=(
            "CISO Assistant repository, AGPL-3.0 (https://github.com/intuitem/ciso-assistant-community); the "
            "library names NIST and ISO/IEC as copyright holders of the frameworks. Only identifier pairs and "
            "relation types are shipped."
        ),
    ),
    authority=Authority.THIRD_PARTY,
    subject_framework=CSF11_SLUG,
    object_framework=ISO_SLUG,
    description=(
        "CSF 1.1 subcategories to ISO/IEC 27001:2022 Annex A controls: intuitem's pairs, packaged in CISO "
        "Assistant (the library names NIST and ISO/IEC as provider, but neither published this set). "
        "Subjects are CSF 1.1 items. Relationship types are the source's (all intersects-with). The pairs "
        "are kept as published, but seven look wrong against CSF 1.1's own informative references to "
        "ISO/IEC 27001:2013 read through 27002:2022 Annex B (PR.IP-9 and PR.IP-10 -> A.5.3, apparently a "
        "truncated A.5.30; PR.DS-1, PR.DS-3 and PR.IP-6 -> A.8.8, where CSF 1.1 cites A.8.2.3, now 5.10; "
        "PR.AC-4 and PR.AC-6 -> A.6.8, where CSF 1.1 cites A.6.1.2 and A.7.1.1): each carries "
        "cg:qualityFinding with its evidence."
    ),
)


