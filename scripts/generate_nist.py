"""Generate the NIST CSF 2.0 and 1.1 catalogs and the NIST-published mapping sets that touch them.

Reads the public reference files (../shared/reference, or $CONTROLGRAPH_REFERENCE) and writes:

- mappings/nist-csf-2.0.ttl, mappings/nist-csf-1.1.ttl (catalogs);
- mappings/nist-csf-2.0--iso27001-2022--olir.ttl (Razilio's OLIR submission, CSF 2.0 Reference Tool);
- mappings/csa-ccm-4--nist-csf-2.0--olir.ttl (CSA's OLIR submission, same export);
- mappings/nist-csf-1.1--nist-csf-2.0.ttl (NIST's transition mapping, CISO Assistant encoding);
- mappings/nist-csf-1.1--iso27001-2022.ttl (CISO Assistant library);
- mappings/datalog/<dataset>.csv: every source row rejected or repaired, with the reason. ``source_row``
  is the 1-based record number after the CSV header, or the 1-based position in a CISO Assistant
  library's ``requirement_mappings`` list.

Only identifiers, official short titles, hierarchy and mapping pairs are taken from the sources; the
subcategory titles and summaries are the project's own (scripts/nist_csf_labels.py).

Run: cd <repo> && PYTHONPATH=server .venv/bin/python scripts/generate_nist.py
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from controlgraph.data.authoring import (
    ControlRecord,
    FrameworkMeta,
    MappingRecord,
    MappingSetMeta,
    Provenance,
    catalog_turtle,
    mapping_set_turtle,
    write_text,
)
from controlgraph.vocabulary import Authority, Rationale, Relation
from nist_csf_labels import CSF_1_1_SUBCATEGORY_TITLES, CSF_2_0_SUBCATEGORIES

REPO = Path(__file__).resolve().parents[1]
MAPPINGS = REPO / "mappings"
DATALOG = MAPPINGS / "datalog"

CSF2_CORE = "nist-csf-2.0/csf2_core.csv"
CSF2_REFERENCES = "nist-csf-2.0/csf2_informative_references.csv"
CSF11_LIBRARY = "ciso-assistant/nist-csf-1.1.yaml"
ISO27001_LIBRARY = "ciso-assistant/iso27001-2022.yaml"
CSF11_TO_CSF2_LIBRARY = "ciso-assistant/map-nist-csf-1.1-nist-csf-2.0.yaml"
CSF11_TO_ISO_LIBRARY = "ciso-assistant/map-nist-csf-1.1-iso27001-2022.yaml"
CCM_DATASET = "csa-ccm-4.0.12/json-dataset/CCM/primary-dataset.json"

CSF2_SLUG = "nist-csf-2.0"
CSF11_SLUG = "nist-csf-1.1"
ISO_SLUG = "iso27001-2022"
CCM_SLUG = "csa-ccm-4"

NIST_LICENCE = (
    "https://www.nist.gov/open/copyright-fair-use-and-licensing-statements-srd-data-software-and-"
    "technical-series-publications"
)
REFERENCE_TOOL = "https://csrc.nist.gov/Projects/Cybersecurity-Framework/Filters"
REFERENCE_TOOL_EXPORT = "CSF 2.0 Reference Tool export of 2025-07-28"
CISO_ASSISTANT_LIBRARIES = (
    "https://github.com/intuitem/ciso-assistant-community/blob/main/backend/library/libraries/"
)

ISO_ANNEX_DATASET = "ISO/IEC 27001:2022 (Annex A Controls)"
ISO_CLAUSE_DATASET = "ISO/IEC 27001:2022 (Mandatory Clause)"
CCM_DATASET_NAME = "CCMv4.0"

# Clause numbers cited by the OLIR submission that ISO/IEC 27001:2022 does not have. The likely intended
# clause is noted for the reviewer, never substituted: a guess would be a fact nobody published.
NONEXISTENT_CLAUSE_HINTS = {"6.11": "6.1.1", "6.13": "6.1.3"}

# CISO Assistant relationship names -> IR 8477 relations.
CISO_ASSISTANT_RELATIONS = {
    "equal": Relation.EQUAL,
    "subset": Relation.SUBSET_OF,
    "superset": Relation.SUPERSET_OF,
    "intersect": Relation.INTERSECTS_WITH,
    "not_related": Relation.NOT_RELATED,
}


def reference_dir() -> Path:
    configured = os.environ.get("CONTROLGRAPH_REFERENCE")
    return Path(configured) if configured else REPO.parent / "shared" / "reference"


# --------------------------------------------------------------------------------------------- data log


@dataclass
class DataLog:
    """Rows of one dataset's sources that were rejected or repaired, written as mappings/datalog/<id>.csv."""

    dataset: str
    entries: list[tuple[str, int, str, str, str]] = field(default_factory=list)

    def reject(self, source_file: str, source_row: int, value: str, reason: str) -> None:
        self.entries.append((source_file, source_row, value, "rejected", reason))

    def repair(self, source_file: str, source_row: int, value: str, reason: str) -> None:
        self.entries.append((source_file, source_row, value, "repaired", reason))

    def write(self) -> None:
        DATALOG.mkdir(parents=True, exist_ok=True)
        with (DATALOG / f"{self.dataset}.csv").open("w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(["source_file", "source_row", "value", "action", "reason"])
            writer.writerows(self.entries)


# ------------------------------------------------------------------------------------------ CSF 2.0


@dataclass(frozen=True)
class CoreRow:
    record: int  # 1-based record number after the header (records may span several lines)
    notation: str
    kind: str
    parent: str
    title: str
    withdrawn: bool


def read_csf2_core(path: Path) -> list[CoreRow]:
    with path.open(encoding="utf-8", newline="") as f:
        return [
            CoreRow(
                record=number,
                notation=row["id"].strip(),
                kind=row["type"].strip(),
                parent=row["parent"].strip(),
                title=row["title"].strip(),
                # Withdrawn categories have an empty flag; NIST marks them in the outcome text instead.
                withdrawn=row["withdrawn"] == "True" or row["text"].startswith("[Withdrawn"),
            )
            for number, row in enumerate(csv.DictReader(f), start=1)
        ]


def csf2_controls(rows: Iterable[CoreRow], log: DataLog) -> list[ControlRecord]:
    controls: list[ControlRecord] = []
    for row in rows:
        if row.withdrawn:
            log.reject(CSF2_CORE, row.record, row.notation, "withdrawn in CSF 2.0")
            continue
        controls.append(csf2_control(row))
    return controls


def csf2_control(row: CoreRow) -> ControlRecord:
    parent = row.parent or None
    if row.kind != "subcategory":
        return ControlRecord(notation=row.notation, title=row.title, kind=row.kind, parent=parent)
    title, summary = CSF_2_0_SUBCATEGORIES[row.notation]
    return ControlRecord(
        notation=row.notation,
        title=title,
        kind="subcategory",
        parent=parent,
        summary=summary,
        title_origin="project",
    )


CSF2_META = FrameworkMeta(
    slug=CSF2_SLUG,
    title="NIST Cybersecurity Framework (CSF) 2.0",
    provenance=Provenance(
        publisher="National Institute of Standards and Technology (NIST)",
        source="https://www.nist.gov/cyberframework",
        version="2.0",
        issued=dt.date(2024, 2, 26),
        licence=NIST_LICENCE,
    ),
    description=(
        "CSF 2.0 Core: 6 functions, 22 categories and 106 subcategories (items withdrawn since CSF 1.1 are "
        "left out). The outcomes of a category are exactly its subcategories and those of a function exactly "
        "its categories, so a parent is the union of its children. Function and category titles are NIST's; "
        "subcategory titles and summaries are written by the project."
    ),
    supersedes=CSF11_SLUG,
    parent_is_union_of_children=True,
    not_shipped="NIST's outcome statements, implementation examples and informative reference text.",
)


# ------------------------------------------------------------------------------------------ CSF 1.1


def read_library_nodes(path: Path) -> list[dict[str, Any]]:
    library = yaml.safe_load(path.read_text(encoding="utf-8"))
    nodes: list[dict[str, Any]] = library["objects"]["framework"]["requirement_nodes"]
    return nodes


CSF11_KINDS = {1: "function", 2: "category", 3: "subcategory"}


def csf11_controls(nodes: Sequence[dict[str, Any]]) -> list[ControlRecord]:
    notation_by_urn = {node["urn"]: node["ref_id"] for node in nodes}
    controls: list[ControlRecord] = []
    for node in nodes:
        kind = CSF11_KINDS[node["depth"]]
        notation = node["ref_id"]
        parent = notation_by_urn.get(node.get("parent_urn", ""))
        if kind == "subcategory":
            controls.append(
                ControlRecord(
                    notation=notation,
                    title=CSF_1_1_SUBCATEGORY_TITLES[notation],
                    kind=kind,
                    parent=parent,
                    title_origin="project",
                )
            )
        else:
            controls.append(ControlRecord(notation=notation, title=node["name"], kind=kind, parent=parent))
    return controls


CSF11_META = FrameworkMeta(
    slug=CSF11_SLUG,
    title="NIST Cybersecurity Framework (CSF) 1.1",
    provenance=Provenance(
        publisher="National Institute of Standards and Technology (NIST)",
        source="https://doi.org/10.6028/NIST.CSWP.04162018",
        version="1.1",
        issued=dt.date(2018, 4, 16),
        licence=NIST_LICENCE,
    ),
    description=(
        "CSF 1.1 Core: 5 functions, 23 categories and 108 subcategories, kept for the transition to CSF 2.0. "
        "The outcomes of a category are exactly its subcategories and those of a function exactly its "
        "categories, so a parent is the union of its children. Identifiers and function and category titles "
        "as read from the CISO Assistant library nist-csf-1.1; subcategory titles are written by the project."
    ),
    parent_is_union_of_children=True,
    not_shipped="NIST's subcategory outcome statements and informative references.",
)


# ---------------------------------------------------------------------- informative references (OLIR)


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


# ------------------------------------------------------------------------ CISO Assistant mapping sets


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


def read_mapping_library(path: Path) -> dict[str, Any]:
    objects = yaml.safe_load(path.read_text(encoding="utf-8"))["objects"]
    # Older libraries hold one set under a singular key, newer ones a list.
    mapping_set: dict[str, Any] = (
        objects.get("requirement_mapping_set") or objects["requirement_mapping_sets"][0]
    )
    return mapping_set


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


# ------------------------------------------------------------------------------------------- writing


def write_catalog(meta: FrameworkMeta, controls: Sequence[ControlRecord], log: DataLog) -> None:
    write_text(MAPPINGS / "frameworks" / f"{meta.slug}.ttl", catalog_turtle(meta, controls))
    log.write()
    print(f"{meta.slug}: {len(controls)} items, {len(log.entries)} data-log entries")


def write_mapping_set(meta: MappingSetMeta, mappings: Sequence[MappingRecord], log: DataLog) -> None:
    write_text(MAPPINGS / "sets" / f"{meta.set_id}.ttl", mapping_set_turtle(meta, mappings))
    log.write()
    print(f"{meta.set_id}: {len(mappings)} mappings, {len(log.entries)} data-log entries")


def main() -> None:
    reference = reference_dir()

    csf2_log = DataLog(CSF2_SLUG)
    csf2 = csf2_controls(read_csf2_core(reference / CSF2_CORE), csf2_log)
    write_catalog(CSF2_META, csf2, csf2_log)
    csf2_notations = frozenset(c.notation for c in csf2)

    csf11 = csf11_controls(read_library_nodes(reference / CSF11_LIBRARY))
    write_catalog(CSF11_META, csf11, DataLog(CSF11_SLUG))
    csf11_notations = frozenset(c.notation for c in csf11)

    references = read_informative_references(reference / CSF2_REFERENCES)
    iso = iso_notations(reference)

    iso_log = DataLog(CSF2_ISO_META.set_id)
    write_mapping_set(CSF2_ISO_META, csf2_iso_mappings(references, csf2_notations, iso, iso_log), iso_log)

    ccm_log = DataLog(CCM_CSF2_META.set_id)
    ccm_mappings = ccm_csf2_mappings(references, ccm_control_ids(reference), csf2_notations, ccm_log)
    write_mapping_set(CCM_CSF2_META, ccm_mappings, ccm_log)

    csf11_side = LibraryFramework("urn:intuitem:risk:framework:nist-csf-1.1", CSF11_SLUG, csf11_notations)
    csf2_side = LibraryFramework("urn:intuitem:risk:framework:nist-csf-2.0", CSF2_SLUG, csf2_notations)
    iso_side = LibraryFramework("urn:intuitem:risk:framework:iso27001-2022", ISO_SLUG, iso)
    for meta, library, target in (
        (CSF11_CSF2_META, CSF11_TO_CSF2_LIBRARY, csf2_side),
        (CSF11_ISO_META, CSF11_TO_ISO_LIBRARY, iso_side),
    ):
        log = DataLog(meta.set_id)
        mapping_set = read_mapping_library(reference / library)
        write_mapping_set(meta, library_mappings(library, mapping_set, csf11_side, target, log), log)


if __name__ == "__main__":
    main()
