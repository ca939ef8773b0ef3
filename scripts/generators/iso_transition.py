"""ISO/IEC 27002:2013 to 27002:2022: intuitem's encoding of 27002:2022 Annex B, with the reviewer's corrections.

Reads ``ciso-assistant/mapping-iso27001-2013-to-iso27001-2022.yaml`` and applies
``iso-outline/REVIEW_iso27001-2013_to_2022_discrepancies.csv`` (per ISO/IEC 27002:2022 Annex B Table B.2).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from controlgraph.data.authoring import MappingRecord, MappingSetMeta, Provenance
from controlgraph.vocabulary import Authority, Rationale, Relation
from generators.common import (
    CISO_ASSISTANT_RELATIONS,
    INTUITEM_LIBRARY,
    DataLogs,
    LogEntry,
    read_csv,
    read_yaml,
)
from generators.iso_annex_b import ADDED_PAIR_TYPES, CORRECTED, MERGED_TYPED_EQUAL, MISSING_PAIRS, RATIONALE
from generators.iso_outline import Outline, OutlineNode, is_annex_a, numeric_key, strip_annex_prefix

CISO_2013_TO_2022 = "ciso-assistant/mapping-iso27001-2013-to-iso27001-2022.yaml"
REVIEW_2013_TO_2022 = "iso-outline/REVIEW_iso27001-2013_to_2022_discrepancies.csv"

_CISO_RATIONALES = {r.value: r for r in Rationale}

CORRESPONDENCE_SET = "iso27002-2013--iso27002-2022"


@dataclass
class Correspondence:
    """2013 control -> (2022 control, record), in source order, keyed by the 2013 Annex A ref_id."""

    by_2013: dict[str, list[tuple[str, MappingRecord]]] = field(default_factory=dict)
    source_rows: dict[tuple[str, str], int] = field(default_factory=dict)  # pair -> row in the source

    def add(self, ref_2013: str, ref_2022: str, record: MappingRecord) -> None:
        self.by_2013.setdefault(ref_2013, []).append((ref_2022, record))

    def records(self) -> list[MappingRecord]:
        """All pairs in the order of the 2013 controls (additions sit beside their neighbours)."""
        ordered = sorted(self.by_2013.items(), key=lambda item: numeric_key(item[0]))
        return [record for _, pairs in ordered for _, record in pairs]


def _correspondence_record(
    ref_2013: str,
    ref_2022: str,
    relation: Relation,
    rationale: Rationale,
    strength: int | None,
    comment: str,
    relation_source: str = "stated",
) -> MappingRecord:
    return MappingRecord(
        subject=("iso27002-2013", strip_annex_prefix(ref_2013)),
        object=("iso27002-2022", strip_annex_prefix(ref_2022)),
        relation=relation,
        rationale=rationale,
        strength=strength,
        comment=comment,
        relation_source=relation_source,
    )


def read_correspondence(
    reference: Path, outline_2013: Outline, outline_2022: Outline, log: DataLogs
) -> Correspondence:
    """intuitem's 2013 -> 2022 pairs for Annex A controls, subject = 2013 control, object = 2022."""
    data: dict[str, Any] = read_yaml(reference / CISO_2013_TO_2022)
    rows: list[dict[str, Any]] = data["objects"]["requirement_mapping_set"]["requirement_mappings"]
    urn_2013, urn_2022 = outline_2013.by_urn(), outline_2022.by_urn()
    result = Correspondence()
    for row_number, row in enumerate(rows, start=1):
        source = urn_2013.get(row["source_requirement_urn"])
        target = urn_2022.get(row["target_requirement_urn"])
        value = f"{row['source_requirement_urn']} {row['relationship']} {row['target_requirement_urn']}"
        reason = _rejection_reason(source, target, str(row["relationship"]))
        if reason or source is None or target is None:
            log.record(
                CORRESPONDENCE_SET,
                LogEntry(
                    CISO_2013_TO_2022, str(row_number), value, "rejected", reason or "unresolved requirement"
                ),
            )
            continue
        strength = row.get("strength_of_relationship")
        record = _correspondence_record(
            source.ref_id,
            target.ref_id,
            CISO_ASSISTANT_RELATIONS[row["relationship"]],
            _CISO_RATIONALES.get(str(row.get("rationale")), Rationale.SYNTACTIC),
            int(strength) if strength is not None else None,
            f"intuitem: ISO/IEC 27001:2013 {source.ref_id} {row['relationship']} ISO/IEC 27001:2022 "
            f"{target.ref_id}.",
        )
        result.add(source.ref_id, target.ref_id, record)
        result.source_rows[(source.ref_id, target.ref_id)] = row_number
    return result


def _rejection_reason(source: OutlineNode | None, target: OutlineNode | None, relationship: str) -> str:
    if source is None or target is None:
        return "requirement URN not found in the CISO Assistant outlines"
    if not (is_annex_a(source.ref_id) and is_annex_a(target.ref_id)):
        return "management-system clause of ISO/IEC 27001, not a 27002 control: in iso27001-2013--iso27001-2022"
    if relationship not in CISO_ASSISTANT_RELATIONS:
        return f"unknown relationship {relationship!r}"
    return ""


_MISMAPPED = re.compile(r"mapped to (A\.\d+\.\d+)")


def apply_review(reference: Path, correspondence: Correspondence, log: DataLogs) -> None:
    """Apply the reviewer's corrections (per ISO/IEC 27002:2022 Annex B Table B.2).

    An issue 'missing' adds the pair; an issue 'mapped to A.x.y ...' replaces that wrong object.
    """
    for row_number, row in enumerate(read_csv(reference, REVIEW_2013_TO_2022), start=2):
        ref_2013 = row["iso27001_2013_id"].strip()
        expected = row["expected_iso27001_2022_id"].strip()
        issue = row["issue"].strip()
        value = f"{ref_2013} -> {expected} ({issue})"
        if any(target == expected for target, _ in correspondence.by_2013.get(ref_2013, [])):
            continue  # the source already has the expected pair
        wrong = _MISMAPPED.search(issue)
        if issue == "missing":
            _add_missing(correspondence, ref_2013, expected, row_number, value, log)
        elif wrong:
            _retarget(correspondence, ref_2013, wrong.group(1), expected, row_number, value, log)
        else:
            raise ValueError(f"{REVIEW_2013_TO_2022} row {row_number}: cannot read issue {issue!r}")


def _retarget(
    correspondence: Correspondence,
    ref_2013: str,
    wrong: str,
    expected: str,
    row_number: int,
    value: str,
    log: DataLogs,
) -> None:
    # intuitem typed the relation for the information-transfer merger but wrote the wrong target id;
    # the relation stays theirs, the object is corrected.
    pairs = correspondence.by_2013.get(ref_2013, [])
    matches = [record for target, record in pairs if target == wrong]
    if len(matches) != 1:
        raise ValueError(f"{ref_2013}: expected one source pair to {wrong}, found {len(matches)}")
    record = matches[0]
    fixed = replace(
        record,
        object=("iso27002-2022", strip_annex_prefix(expected)),
        comment=(
            f"intuitem maps ISO/IEC 27001:2013 {ref_2013} to {wrong} ({record.relation.value}); "
            f"object corrected to {expected} per ISO/IEC 27002:2022 Annex B (reviewer correction), "
            f"relation kept from the source."
        ),
    )
    correspondence.by_2013[ref_2013] = [(expected, fixed) if r is record else (t, r) for t, r in pairs]
    log.record(
        CORRESPONDENCE_SET,
        LogEntry(
            REVIEW_2013_TO_2022,
            str(row_number),
            value,
            "repaired",
            f"retargeted: source pair {ref_2013} -> {wrong} replaced by {ref_2013} -> {expected}; "
            f"relation {record.relation.value} kept from the source",
        ),
    )


def _add_pair(
    correspondence: Correspondence, ref_2013: str, ref_2022: str, relation: Relation, comment: str,
    log: DataLogs, entry: LogEntry,
) -> None:
    """Add an Annex B pair the source lacks, typed by the project (relation source 'corrected'), and log it."""
    record = _correspondence_record(ref_2013, ref_2022, relation, RATIONALE, None, comment, relation_source=CORRECTED)
    correspondence.add(ref_2013, ref_2022, record)
    log.record(CORRESPONDENCE_SET, entry)


def _add_missing(
    correspondence: Correspondence, ref_2013: str, expected: str, row_number: int, value: str, log: DataLogs
) -> None:
    if (ref_2013, expected) not in ADDED_PAIR_TYPES:
        raise ValueError(f"{REVIEW_2013_TO_2022} row {row_number}: no Annex B type recorded for {value}")
    relation, why = ADDED_PAIR_TYPES[(ref_2013, expected)]
    _add_pair(
        correspondence, ref_2013, expected, relation,
        f"Missing from intuitem's set; pair added per ISO/IEC 27002:2022 Annex B (reviewer correction). "
        f"Typed {relation.value} by the project from Annex B: {why}.",
        log,
        LogEntry(
            REVIEW_2013_TO_2022,
            str(row_number),
            value,
            "repaired",
            f"added: pair {ref_2013} -> {expected} missing from the source; typed {relation.value} from "
            f"Annex B ({why})",
        ),
    )


def apply_annex_b(correspondence: Correspondence, log: DataLogs) -> None:
    """Retype the merges the source calls equal, and add the Annex B pairs nobody listed."""
    for (ref_2013, ref_2022), others in MERGED_TYPED_EQUAL.items():
        pairs = correspondence.by_2013.get(ref_2013, [])
        matches = [record for target, record in pairs if target == ref_2022]
        if len(matches) != 1 or matches[0].relation is not Relation.EQUAL:
            raise ValueError(f"{ref_2013} -> {ref_2022}: expected one source pair typed equal, found {matches}")
        record = matches[0]
        fixed = replace(
            record,
            relation=Relation.SUBSET_OF,
            relation_source=CORRECTED,
            comment=(
                f"intuitem types ISO/IEC 27001:2013 {ref_2013} equal to ISO/IEC 27001:2022 {ref_2022}; Annex B "
                f"merges it with {others} into {strip_annex_prefix(ref_2022)}, so it is subset-of (project "
                f"correction)."
            ),
        )
        correspondence.by_2013[ref_2013] = [(t, fixed if r is record else r) for t, r in pairs]
        log.record(
            CORRESPONDENCE_SET,
            LogEntry(
                CISO_2013_TO_2022,
                str(correspondence.source_rows[(ref_2013, ref_2022)]),
                f"{ref_2013} equal {ref_2022}",
                "repaired",
                f"retyped subset-of: Annex B merges {ref_2013} with {others} into {ref_2022} (project correction)",
            ),
        )
    for (ref_2013, ref_2022), (relation, why) in MISSING_PAIRS.items():
        if any(target == ref_2022 for target, _ in correspondence.by_2013.get(ref_2013, [])):
            raise ValueError(f"{ref_2013} -> {ref_2022} is now in the source: drop it from MISSING_PAIRS")
        _add_pair(
            correspondence, ref_2013, ref_2022, relation,
            f"Missing from intuitem's set and from the reviewer's list; added by the project per ISO/IEC "
            f"27002:2022 Annex B and typed {relation.value}: {why}.",
            log,
            LogEntry(
                "ISO/IEC 27002:2022 Annex B",
                "Table B.2",
                f"{ref_2013} -> {ref_2022}",
                "repaired",
                f"added: Annex B pair missing from the source; typed {relation.value} ({why})",
            ),
        )


def correspondence_meta() -> MappingSetMeta:
    return MappingSetMeta(
        set_id=CORRESPONDENCE_SET,
        title="ISO/IEC 27002:2013 to ISO/IEC 27002:2022 control correspondence (Annex B)",
        provenance=Provenance(
            publisher="intuitem (CISO Assistant library), per ISO/IEC 27002:2022 Annex B",
            source=INTUITEM_LIBRARY + "mapping-iso27001-2013-to-iso27001-2022.yaml",
            version="library version 2",
            issued=dt.date(2024, 7, 9),
            licence=(
                "CISO Assistant repository, AGPL-3.0 "
                "(https://github.com/intuitem/ciso-assistant-community); only mapping pairs and relation "
                "types are taken, as facts. Annex B is copyright ISO/IEC."
            ),
        ),
        authority=Authority.THIRD_PARTY,
        subject_framework="iso27002-2013",
        object_framework="iso27002-2022",
        description=(
            "Subject: 2013 control; object: 2022 control. Pairs and relations from intuitem's "
            "27001:2013 to 27001:2022 Annex A mapping, renumbered to 27002 (A.x.y.z to x.y.z, A.x.y to "
            "x.y); the management-system clauses are in the set iso27001-2013--iso27001-2022. Corrected by "
            "the project per 27002:2022 Annex B Table B.2: 13.2.1-3 retargeted from 8.14 to 5.14 (relation "
            "kept); 9 missing pairs added and typed from Annex B (equal where a control is carried over "
            "alone, subset-of where it is merged); 18.2.3 -> 8.8 added (subset-of); and seven merges the "
            "source types equal (12.1.2 -> 8.32, 12.1.4 -> 8.31, 12.5.1 -> 8.19, 12.6.1 -> 8.8, 16.1.2 -> 6.8, "
            "18.1.1 -> 5.31, 18.2.2 -> 5.36) shipped as subset-of. Corrected pairs carry relation source "
            "'corrected'; each correction is listed in mappings/datalog/iso27002-2013--iso27002-2022.csv."
        ),
    )

