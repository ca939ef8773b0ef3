"""Mapping sets read from CISO Assistant mapping libraries: CSF 1.1 to CSF 2.0 and CSF 1.1 to ISO/IEC 27001:2022."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
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
        f"{CISO_ASSISTANT_LIBRARIES}map-nist-csf-1.1-nist-csf-2.0.yaml. NIST's CSF 2.0 core marks ID.GV-4 "
        "as moved to GV.RM-04, while this mapping and the Reference Tool relate it to GV.RM-03 only; the "
        "pairs are kept as published."
    ),
)

CSF11_ISO_META = MappingSetMeta(
    set_id="nist-csf-1.1--iso27001-2022",
    title="NIST CSF 1.1 to ISO/IEC 27001:2022 (CISO Assistant library)",
    provenance=Provenance(
        publisher="NIST and ISO/IEC, as named by the CISO Assistant library (packaged by intuitem)",
        source=f"{CISO_ASSISTANT_LIBRARIES}map-nist-csf-1.1-iso27001-2022.yaml",
        version="CISO Assistant library map-nist-csf-1.1-iso27001-2022, version 1",
        issued=dt.date(2024, 6, 24),
        licence=(
            "Copyright NIST and ISO/IEC as stated by the library; CISO Assistant repository AGPL-3.0. Only "
            "identifier pairs and relation types are shipped."
        ),
    ),
    authority=Authority.THIRD_PARTY,
    subject_framework=CSF11_SLUG,
    object_framework=ISO_SLUG,
    description=(
        "CSF 1.1 subcategories to ISO/IEC 27001:2022 Annex A controls, as packaged in CISO Assistant, which "
        "names NIST and ISO/IEC as provider but no specific publication. Subjects are CSF 1.1 items. "
        "Relationship types are the source's (all intersects-with)."
    ),
)


