"""The CSF 2.0 informative references (OLIR) as mapping sets: CSF 2.0 to ISO/IEC 27001:2022 (Razilio's
submission) and CCM v4 to CSF 2.0 (CSA's submission), both from the CSF 2.0 Reference Tool export."""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from controlgraph.data.authoring import MappingRecord, MappingSetMeta, Provenance
from controlgraph.vocabulary import Authority, Relation
from generators.common import DataLog, read_library_nodes
from generators.nist_sources import (
    CCM_DATASET,
    CCM_DATASET_NAME,
    CCM_SLUG,
    CSF2_REFERENCES,
    CSF2_SLUG,
    ISO27001_LIBRARY,
    ISO_ANNEX_DATASET,
    ISO_CLAUSE_DATASET,
    ISO_SLUG,
    NONEXISTENT_CLAUSE_HINTS,
    REFERENCE_TOOL,
    REFERENCE_TOOL_EXPORT,
)


@dataclass(frozen=True)
class ReferenceRow:
    record: int
    csf_id: str
    dataset: str
    ref_id: str
    ref_raw: str
    note: str

    @property
    def cited_text(self) -> str:
        """What the row cites after the dataset label (e.g. ' 4.1' in 'ISO/IEC 27001:2022: ...: 4.1')."""
        return self.ref_raw.rsplit(":", 1)[1] if ":" in self.ref_raw else self.ref_raw


def read_informative_references(path: Path) -> list[ReferenceRow]:
    with path.open(encoding="utf-8", newline="") as f:
        return [
            ReferenceRow(
                number, row["csf_id"].strip(), row["dataset"], row["ref_id"], row["ref_raw"], row["note"]
            )
            for number, row in enumerate(csv.DictReader(f), start=1)
        ]


def raw_text_repair(row: ReferenceRow) -> str | None:
    """Why the cited text needed tidying before use, or None when it is already exactly the identifier."""
    items = [item.strip() for item in row.cited_text.split(",") if item.strip()]
    if len(items) > 1:
        return f"reference list {row.cited_text.strip()!r} split: one mapping per listed item"
    if row.cited_text != f" {row.ref_id}":
        return f"stray spaces or commas around {row.ref_id.strip()!r} removed"
    return None


@dataclass(frozen=True)
class IsoCitation:
    """An ISO/IEC 27001:2022 reference read from one row: its notation, or why it was rejected."""

    notation: str | None
    repairs: tuple[str, ...] = ()
    rejection: str | None = None
    sub_item: str | None = None  # e.g. "4.2(a)" where the row cites a lettered item of a clause


_SUB_ITEM = re.compile(r"^(\d+(?:\.\d+)*)\(([a-z])\)$")


def read_iso_citation(row: ReferenceRow, iso_notations: frozenset[str]) -> IsoCitation:
    cited = re.sub(r"\s+", "", row.ref_id)
    if not cited or row.note in ("none", "empty/none"):
        return IsoCitation(None, rejection="empty/none: the row cites no ISO/IEC 27001:2022 item")
    if cited.lower() == "allapplicablecontrols":
        return IsoCitation(None, rejection="'All applicable controls' names no specific item")
    repairs = [reason] if (reason := raw_text_repair(row)) else []
    clause, sub_item = cited, None
    if match := _SUB_ITEM.match(cited):
        clause, sub_item = match.group(1), cited
        repairs.append(f"sub-item {cited} mapped to clause {clause}")
    notation = f"A.{clause}" if row.dataset == ISO_ANNEX_DATASET else clause
    if notation not in iso_notations:
        return IsoCitation(None, rejection=missing_iso_reason(notation))
    return IsoCitation(notation, tuple(repairs), sub_item=sub_item)


def missing_iso_reason(notation: str) -> str:
    reason = f"{notation} is not an item of ISO/IEC 27001:2022"
    if hint := NONEXISTENT_CLAUSE_HINTS.get(notation):
        reason = f"clause {notation} does not exist in ISO/IEC 27001:2022 ({hint} may be meant; not guessed)"
    return reason


def iso_notations(reference: Path) -> frozenset[str]:
    """Clause and Annex A notations of ISO/IEC 27001:2022 (the CISO Assistant outline; ids only)."""
    nodes = read_library_nodes(reference / ISO27001_LIBRARY)
    return frozenset(node["ref_id"] for node in nodes if node["ref_id"] not in ("core", "annex-a"))


@dataclass
class PairCollector:
    """Collapses rows naming the same (subject, object) pair into one mapping, logging the extra rows."""

    source_file: str
    log: DataLog
    first_record: dict[tuple[str, str], int] = field(default_factory=dict)
    sub_items: dict[tuple[str, str], list[str]] = field(default_factory=dict)

    def add(self, pair: tuple[str, str], record: int, repairs: Sequence[str], sub_item: str | None) -> None:
        reasons = list(repairs)
        if pair in self.first_record:
            first = self.first_record[pair]
            reasons.append(f"same pair as record {first}: collapsed into one mapping")
        else:
            self.first_record[pair] = record
            self.sub_items[pair] = []
        if sub_item:
            self.sub_items[pair].append(sub_item)
        if reasons:
            self.log.repair(self.source_file, record, f"{pair[0]} -> {pair[1]}", "; ".join(reasons))

    def pairs(self) -> list[tuple[str, str]]:
        return list(self.first_record)


def csf2_iso_mappings(
    rows: Iterable[ReferenceRow], csf2: frozenset[str], iso: frozenset[str], log: DataLog
) -> list[MappingRecord]:
    collector = PairCollector(CSF2_REFERENCES, log)
    for row in rows:
        if row.dataset not in (ISO_ANNEX_DATASET, ISO_CLAUSE_DATASET):
            continue
        if row.csf_id not in csf2:
            log.reject(CSF2_REFERENCES, row.record, row.csf_id, f"{row.csf_id} is not an item of CSF 2.0")
            continue
        citation = read_iso_citation(row, iso)
        if citation.notation is None:
            value = f"{row.csf_id} -> {row.ref_raw}"
            log.reject(CSF2_REFERENCES, row.record, value, citation.rejection or "")
            continue
        collector.add((row.csf_id, citation.notation), row.record, citation.repairs, citation.sub_item)
    return [
        informative_reference((CSF2_SLUG, subject), (ISO_SLUG, obj), collector.sub_items[(subject, obj)])
        for subject, obj in collector.pairs()
    ]


def informative_reference(
    subject: tuple[str, str], obj: tuple[str, str], sub_items: Sequence[str] = ()
) -> MappingRecord:
    # Informative references carry no relation type: read as intersects-with, and say it was defaulted.
    comment = f"The source cites {', '.join(sub_items)}." if sub_items else ""
    return MappingRecord(
        subject=subject,
        object=obj,
        relation=Relation.INTERSECTS_WITH,
        relation_source="defaulted",
        comment=comment,
    )


def ccm_control_ids(reference: Path) -> frozenset[str]:
    dataset = json.loads((reference / CCM_DATASET).read_text(encoding="utf-8"))
    return frozenset(control["id"] for domain in dataset["domains"] for control in domain["controls"])


def ccm_csf2_mappings(
    rows: Iterable[ReferenceRow], ccm: frozenset[str], csf2: frozenset[str], log: DataLog
) -> list[MappingRecord]:
    collector = PairCollector(CSF2_REFERENCES, log)
    for row in rows:
        if row.dataset != CCM_DATASET_NAME:
            continue
        control = row.ref_id.strip()
        if row.csf_id not in csf2:
            log.reject(CSF2_REFERENCES, row.record, row.csf_id, f"{row.csf_id} is not an item of CSF 2.0")
        elif control not in ccm:
            log.reject(CSF2_REFERENCES, row.record, row.ref_raw, f"{control!r} is not a CCM v4.0.12 control")
        else:
            repairs = [reason] if (reason := raw_text_repair(row)) else []
            collector.add((control, row.csf_id), row.record, repairs, None)
    return [
        informative_reference((CCM_SLUG, subject), (CSF2_SLUG, obj)) for subject, obj in collector.pairs()
    ]



CSF2_ISO_META = MappingSetMeta(
    set_id="nist-csf-2.0--iso27001-2022--olir",
    title="NIST CSF 2.0 to ISO/IEC 27001:2022 (informative references, OLIR)",
    provenance=Provenance(
        publisher="Razilio (OLIR submission), published by NIST in the CSF 2.0 Reference Tool",
        source=REFERENCE_TOOL,
        version=f"OLIR submission of 2025-07-18; {REFERENCE_TOOL_EXPORT}",
        issued=dt.date(2025, 7, 18),
        licence=(
            "Reference pairs published by NIST as public information (submitter: Razilio). "
            "ISO/IEC 27001:2022 is copyright ISO/IEC; only identifiers are shipped."
        ),
    ),
    authority=Authority.THIRD_PARTY,
    subject_framework=CSF2_SLUG,
    object_framework=ISO_SLUG,
    description=(
        "The CSF 2.0 informative references to ISO/IEC 27001:2022 Annex A controls and mandatory clauses. "
        "Subjects are CSF functions, categories and subcategories; objects are ISO clauses or Annex A "
        "controls as cited (a lettered sub-item such as 4.2(a) maps to its clause). The references carry no "
        "relation type, so each is read as intersects-with (relation source: defaulted). CISO Assistant's "
        "encoding of the same data keeps only subcategory rows and expands clauses 6.1, 9.2 and 9.3 into "
        "their sub-clauses; this set keeps the references as published. Rows citing clauses that do not "
        "exist (6.11, 6.13) are rejected and listed in the data log."
    ),
)

CCM_CSF2_META = MappingSetMeta(
    set_id="csa-ccm-4--nist-csf-2.0--olir",
    title="CSA Cloud Controls Matrix v4 to NIST CSF 2.0 (OLIR)",
    provenance=Provenance(
        publisher=(
            "Cloud Security Alliance (OLIR submission), published by NIST in the CSF 2.0 Reference Tool"
        ),
        source=REFERENCE_TOOL,
        version=f"CCMv4.0 OLIR submission of 2024-09-30; {REFERENCE_TOOL_EXPORT}",
        issued=dt.date(2024, 9, 30),
        licence=(
            "Reference pairs published by NIST; the CCM is copyright Cloud Security Alliance "
            "(https://cloudsecurityalliance.org/artifacts/cloud-controls-matrix-v4); "
            "only identifiers are shipped."
        ),
    ),
    authority=Authority.OFFICIAL,
    subject_framework=CCM_SLUG,
    object_framework=CSF2_SLUG,
    description=(
        "CSA's informative references from CCM v4 controls to CSF 2.0 functions, categories and "
        "subcategories, as listed under the CCMv4.0 dataset of the CSF 2.0 Reference Tool. No relation type "
        "is given, so each pair is read as intersects-with (relation source: defaulted)."
    ),
)

