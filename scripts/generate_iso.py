"""Generate the ISO/IEC 27001/27002/27017/27018 catalogs and the ISO-to-ISO mapping sets.

Reads the public reference files in ``../shared/reference`` (override with $CONTROLGRAPH_REFERENCE):

- ``ciso-assistant/iso27001-2022.yaml`` and ``iso27001-2013.yaml``: intuitem's outlines of the two
  editions. Only ``ref_id`` and ``name`` are taken (identifiers and official short titles); intuitem's
  descriptions are their paraphrases of ISO text and are never read.
- ``ciso-assistant/mapping-iso27001-2013-to-iso27001-2022.yaml``: intuitem's encoding of the
  ISO/IEC 27002:2022 Annex B correspondence, with the corrections of
  ``iso-outline/REVIEW_iso27001-2013_to_2022_discrepancies.csv`` applied.
- ``iso-outline/iso27017-2015_cld_controls.csv`` and ``iso27018-2019_annexA_controls.csv``.

Writes ``mappings/<dataset>.ttl`` through :mod:`controlgraph.data.authoring` and, for every source row
it rejects or repairs, a line in ``mappings/datalog/<dataset>.csv``.

Run: ``cd /work/main && PYTHONPATH=server .venv/bin/python scripts/generate_iso.py``
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
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

REPO = Path(__file__).resolve().parents[1]
MAPPINGS = REPO / "mappings"
DATALOG = MAPPINGS / "datalog"

CISO_2022 = "ciso-assistant/iso27001-2022.yaml"
CISO_2013 = "ciso-assistant/iso27001-2013.yaml"
CISO_2013_TO_2022 = "ciso-assistant/mapping-iso27001-2013-to-iso27001-2022.yaml"
REVIEW_2013_TO_2022 = "iso-outline/REVIEW_iso27001-2013_to_2022_discrepancies.csv"
CLD_CONTROLS = "iso-outline/iso27017-2015_cld_controls.csv"
PII_ANNEX_A = "iso-outline/iso27018-2019_annexA_controls.csv"

INTUITEM_LIBRARY = "https://github.com/intuitem/ciso-assistant-community/blob/main/backend/library/libraries/"

ISO_TERMS = (
    "The standard is copyright ISO/IEC and sold by ISO (and national bodies); this dataset ships only "
    "identifiers, official short titles and hierarchy, as facts."
)
NOT_SHIPPED = (
    "Requirement and control text, implementation guidance and other information of the standard "
    "(copyright ISO/IEC); obtain the standard from ISO."
)

# The 27002:2022 theme headings (clauses 5 to 8 of ISO/IEC 27002:2022).
THEMES_27002_2022 = {
    "5": "Organizational controls",
    "6": "People controls",
    "7": "Physical controls",
    "8": "Technological controls",
}

# Who the ISO/IEC 27017 guidance of each CLD control addresses. The standard gives guidance in two
# columns (cloud service customer, cloud service provider); for CLD.9.5.1 and CLD.13.1.4 the customer
# column reads "no additional implementation guidance". Checked against the common text published
# by ITU-T as Recommendation X.1631 (identical to ISO/IEC 27017:2015).
CLD_RESPONSIBILITY = {
    "CLD.6.3.1": "both",
    "CLD.8.1.5": "both",
    "CLD.9.5.1": "cloud service provider",
    "CLD.9.5.2": "both",
    "CLD.12.1.5": "both",
    "CLD.12.4.5": "both",
    "CLD.13.1.4": "cloud service provider",
}


# --------------------------------------------------------------------------------------------------
# Data log


@dataclass(frozen=True)
class LogEntry:
    source_file: str
    source_row: str
    value: str
    action: str  # "rejected" or "repaired"
    reason: str


@dataclass
class DataLog:
    """Rejected and repaired source rows, per dataset."""

    entries: dict[str, list[LogEntry]] = field(default_factory=dict)

    def record(self, dataset: str, entry: LogEntry) -> None:
        self.entries.setdefault(dataset, []).append(entry)

    def write(self, folder: Path) -> None:
        for dataset, rows in sorted(self.entries.items()):
            path = folder / f"{dataset}.csv"
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("w", encoding="utf-8", newline="") as handle:
                writer = csv.writer(handle, lineterminator="\n")
                writer.writerow(["source_file", "source_row", "value", "action", "reason"])
                for row in rows:
                    writer.writerow([row.source_file, row.source_row, row.value, row.action, row.reason])


# --------------------------------------------------------------------------------------------------
# Reading the CISO Assistant outlines


@dataclass(frozen=True)
class TitleFix:
    ref_id: str
    raw: str
    fixed: str
    reason: str


@dataclass(frozen=True)
class OutlineNode:
    row: int  # 1-based position in requirement_nodes
    urn: str
    ref_id: str
    title: str
    parent: str | None  # ref_id of the parent node, None under a container node


@dataclass(frozen=True)
class Outline:
    source_file: str
    nodes: list[OutlineNode]
    containers: list[tuple[int, str, str]]  # (row, urn, name) of nodes without a ref_id
    fixes: list[TitleFix]

    def by_ref(self) -> dict[str, OutlineNode]:
        return {n.ref_id: n for n in self.nodes}

    def by_urn(self) -> dict[str, OutlineNode]:
        return {n.urn: n for n in self.nodes}


# Titles the outline gets wrong against the standard: (ref_id, outline title, official title, why).
# Each is written to the data log of every dataset that uses the title.
_TITLE_CORRECTIONS: dict[str, list[tuple[str, str, str, str]]] = {
    CISO_2022: [
        (
            "6.1.2",
            "Information security risk assessment requirement",
            "Information security risk assessment",
            "the clause heading is 'Information security risk assessment'; 'requirement' was added",
        ),
        (
            "7.5",
            "Documented Information",
            "Documented information",
            "capitalisation differs from the standard",
        ),
        (
            "7.5.2",
            "Creating and Updating documented information",
            "Creating and updating documented information",
            "capitalisation differs from the standard",
        ),
        (
            "A.5",
            "Organisational controls",
            "Organizational controls",
            "the standard spells the theme heading 'Organizational' (as ISO/IEC 27002:2022 clause 5)",
        ),
        ("A.7.6", "Working In secure areas", "Working in secure areas", "capitalisation typo in the outline"),
    ],
    CISO_2013: [
        (
            "6.1.2",
            "Information security risk assessment requirement",
            "Information security risk assessment",
            "the clause heading is 'Information security risk assessment'; 'requirement' was added",
        ),
        (
            "7.5",
            "Documented Information",
            "Documented information",
            "capitalisation differs from the standard",
        ),
        (
            "9.1",
            "Monitoring, measurement, analysis, evaluation",
            "Monitoring, measurement, analysis and evaluation",
            "the clause heading reads 'analysis and evaluation'",
        ),
        (
            "A.12.6.1",
            "Management of technial vulnerabilities",
            "Management of technical vulnerabilities",
            "spelling typo in the outline",
        ),
    ],
}

_WHITESPACE = re.compile(r"\s+")
# A clause or Annex A number; anything else ('core', 'annex-a') is a CISO Assistant grouping node.
_ISO_NUMBER = re.compile(r"^(A\.)?\d+(\.\d+)*$")


def normalise_space(text: str) -> str:
    """Collapse runs of whitespace (including no-break spaces) and trim the ends."""
    return _WHITESPACE.sub(" ", text.replace("\u00a0", " ")).strip()


def _official_title(source_file: str, ref_id: str, raw: str) -> tuple[str, list[TitleFix]]:
    fixes: list[TitleFix] = []
    title = normalise_space(raw)
    if title != raw:
        fixes.append(TitleFix(ref_id, raw, title, "stray whitespace around or inside the title"))
    for fix_ref, expected, official, reason in _TITLE_CORRECTIONS.get(source_file, []):
        if fix_ref != ref_id:
            continue
        if title != expected:
            # The outline changed upstream: the correction must be reviewed, not applied blindly.
            raise ValueError(f"{source_file} {ref_id}: expected title {expected!r}, found {title!r}")
        fixes.append(TitleFix(ref_id, title, official, reason))
        title = official
    return title, fixes


def _ref_id(node: dict[str, Any]) -> str:
    """The node's clause or control number, or '' for a grouping node."""
    ref_id = str(node.get("ref_id") or "").strip()
    return ref_id if _ISO_NUMBER.match(ref_id) else ""


def read_outline(reference: Path, source_file: str) -> Outline:
    """Requirement nodes of a CISO Assistant framework: ref_id and name only, containers set aside."""
    data: dict[str, Any] = yaml.safe_load((reference / source_file).read_text(encoding="utf-8"))
    raw_nodes: list[dict[str, Any]] = data["objects"]["framework"]["requirement_nodes"]
    ref_by_urn = {n["urn"]: _ref_id(n) for n in raw_nodes if _ref_id(n)}
    nodes: list[OutlineNode] = []
    containers: list[tuple[int, str, str]] = []
    fixes: list[TitleFix] = []
    for row, raw in enumerate(raw_nodes, start=1):
        ref_id = _ref_id(raw)
        if not ref_id:
            containers.append((row, raw["urn"], str(raw.get("name", ""))))
            continue
        title, node_fixes = _official_title(source_file, ref_id, str(raw["name"]))
        fixes += node_fixes
        parent_urn = raw.get("parent_urn")
        nodes.append(OutlineNode(row, raw["urn"], ref_id, title, ref_by_urn.get(parent_urn or "")))
    return Outline(source_file, nodes, containers, fixes)


def log_outline(log: DataLog, dataset: str, outline: Outline, used: Iterable[str]) -> None:
    """Log the outline's container nodes (rejected) and the title fixes of the nodes a dataset uses."""
    for row, urn, name in outline.containers:
        log.record(
            dataset,
            LogEntry(
                outline.source_file,
                str(row),
                f"{urn} ({name})",
                "rejected",
                "CISO Assistant grouping node, not part of the standard's numbering; its children are kept",
            ),
        )
    rows = outline.by_ref()
    wanted = set(used)
    for fix in outline.fixes:
        if fix.ref_id in wanted:
            log.record(
                dataset,
                LogEntry(
                    outline.source_file,
                    str(rows[fix.ref_id].row),
                    f"{fix.ref_id}: {fix.raw!r} -> {fix.fixed!r}",
                    "repaired",
                    fix.reason,
                ),
            )


# --------------------------------------------------------------------------------------------------
# Provenance


# Issue dates: ISO's catalogue pages give the month of publication; the day is the one published by
# ISO's news item (27001:2022) or the IEC webstore listing of the same edition.
def iso_provenance(source: str, version: str, issued: dt.date) -> Provenance:
    return Provenance(publisher="ISO/IEC", source=source, version=version, issued=issued, licence=ISO_TERMS)


PROV_27001_2022 = iso_provenance(
    "https://www.iso.org/standard/82875.html", "ISO/IEC 27001:2022 (third edition)", dt.date(2022, 10, 25)
)
PROV_27002_2022 = iso_provenance(
    "https://www.iso.org/standard/75652.html", "ISO/IEC 27002:2022 (third edition)", dt.date(2022, 2, 15)
)
PROV_27001_2013 = iso_provenance(
    "https://www.iso.org/standard/54534.html", "ISO/IEC 27001:2013 (second edition)", dt.date(2013, 9, 25)
)
PROV_27002_2013 = iso_provenance(
    "https://www.iso.org/standard/54533.html", "ISO/IEC 27002:2013 (second edition)", dt.date(2013, 9, 25)
)
PROV_27017_2015 = iso_provenance(
    "https://www.iso.org/standard/43757.html", "ISO/IEC 27017:2015 (first edition)", dt.date(2015, 12, 15)
)
PROV_27018_2019 = iso_provenance(
    "https://www.iso.org/standard/76559.html", "ISO/IEC 27018:2019 (second edition)", dt.date(2019, 1, 15)
)


# --------------------------------------------------------------------------------------------------
# Catalogs


def strip_annex_prefix(ref_id: str) -> str:
    """27001 Annex A numbering (A.5.1) to the 27002 clause numbering (5.1)."""
    if not ref_id.startswith("A."):
        raise ValueError(f"not an Annex A identifier: {ref_id!r}")
    return ref_id[2:]


def is_annex_a(ref_id: str) -> bool:
    return ref_id.startswith("A.")


def numeric_key(ref_id: str) -> tuple[int, ...]:
    """Sort key of a clause or Annex A number: 'A.12.1.2' -> (12, 1, 2)."""
    return tuple(int(part) for part in ref_id.removeprefix("A.").split("."))


def depth(notation: str) -> int:
    return notation.count(".") + 1


def kind_2022_annex(ref_id: str) -> str:
    return "theme" if depth(strip_annex_prefix(ref_id)) == 1 else "control"


def kind_2013_annex(ref_id: str) -> str:
    return {1: "clause", 2: "objective", 3: "control"}[depth(strip_annex_prefix(ref_id))]


def iso27001_2022_records(outline: Outline) -> list[ControlRecord]:
    """Clauses 4-10 with sub-clauses, then Annex A themes (top concepts) and controls."""
    return [
        ControlRecord(
            notation=n.ref_id,
            title=n.title,
            kind=kind_2022_annex(n.ref_id) if is_annex_a(n.ref_id) else "clause",
            parent=n.parent,
        )
        for n in outline.nodes
    ]


def iso27002_2022_records(outline: Outline) -> list[ControlRecord]:
    records: list[ControlRecord] = []
    for n in outline.nodes:
        if not is_annex_a(n.ref_id):
            continue
        notation = strip_annex_prefix(n.ref_id)
        if depth(notation) == 1:
            records.append(ControlRecord(notation, THEMES_27002_2022[notation], "theme"))
        else:
            records.append(
                ControlRecord(notation, n.title, "control", parent=strip_annex_prefix(str(n.parent)))
            )
    return records


def iso27001_2013_records(outline: Outline) -> list[ControlRecord]:
    return [
        ControlRecord(
            notation=n.ref_id,
            title=n.title,
            kind=kind_2013_annex(n.ref_id) if is_annex_a(n.ref_id) else "clause",
            parent=n.parent,
        )
        for n in outline.nodes
    ]


def iso27002_2013_records(outline: Outline) -> list[ControlRecord]:
    """Clauses 5-18, objectives and controls of 27002:2013: the 27001:2013 Annex A without the 'A.'."""
    return [
        ControlRecord(
            notation=strip_annex_prefix(n.ref_id),
            title=n.title,
            kind=kind_2013_annex(n.ref_id),
            parent=strip_annex_prefix(n.parent) if n.parent else None,
        )
        for n in outline.nodes
        if is_annex_a(n.ref_id)
    ]


def read_csv(reference: Path, source_file: str) -> list[dict[str, str]]:
    with (reference / source_file).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _split_numbered(text: str) -> tuple[str, str]:
    """Split '8.1 Responsibility for assets' into ('8.1', 'Responsibility for assets')."""
    number, _, title = text.strip().partition(" ")
    return number, title.strip()


def _insert_position(records: Sequence[ControlRecord], parent: str) -> int:
    """Index just after the last item of parent's subtree, so new items follow their siblings."""
    parents = {r.notation: r.parent for r in records}

    def under(notation: str | None) -> bool:
        while notation is not None:
            if notation == parent:
                return True
            notation = parents.get(notation)
        return False

    last = max(i for i, r in enumerate(records) if under(r.notation))
    return last + 1


def iso27017_records(
    base_2013: Sequence[ControlRecord], cld_rows: Sequence[dict[str, str]], log: DataLog
) -> list[ControlRecord]:
    """The 27002:2013 items, with the CLD categories and controls inserted under their parents."""
    records = list(base_2013)
    titles = {r.notation: r.title for r in records}
    for row_number, row in enumerate(cld_rows, start=2):
        parent, parent_title = _split_numbered(row["parent_27002_2013_category"])
        if parent not in titles or (parent_title and parent_title != titles[parent]):
            log.record(
                "iso27017-2015",
                LogEntry(
                    CLD_CONTROLS,
                    str(row_number),
                    row["id"],
                    "rejected",
                    f"parent {row['parent_27002_2013_category']!r} does not match a 27002:2013 item",
                ),
            )
            continue
        kind = "objective" if row["kind"] == "category" else row["kind"]
        record = ControlRecord(
            notation=row["id"],
            title=normalise_space(row["title"]),
            kind=kind,
            parent=parent,
            responsibility=CLD_RESPONSIBILITY.get(row["id"]),
        )
        records.insert(_insert_position(records, parent), record)
        titles[record.notation] = record.title
    return _renumbered(records)


def _renumbered(records: Sequence[ControlRecord]) -> list[ControlRecord]:
    return [replace(r, order=i) for i, r in enumerate(records, start=1)]


def iso27018_records(
    base_2013: Sequence[ControlRecord], annex_rows: Sequence[dict[str, str]]
) -> list[ControlRecord]:
    """The 27002:2013 items, then Annex A: categories (top concepts) and their controls."""
    records = list(base_2013)
    seen_categories: set[str] = set()
    for row in annex_rows:
        category, category_title = _split_numbered(row["category_2019"])
        if category not in seen_categories:
            seen_categories.add(category)
            records.append(ControlRecord(category, category_title, "category"))
        records.append(
            ControlRecord(
                notation=row["id_2019"].strip(),
                title=normalise_space(row["title"]),
                kind="control",
                parent=category,
                summary=f"Numbered {row['id_2014'].strip()} in the 2014 edition.",
            )
        )
    return _renumbered(records)


# --------------------------------------------------------------------------------------------------
# Mapping sets


def identity_mappings(
    subject_slug: str, object_slug: str, annex_controls: Iterable[str], source_note: str
) -> list[MappingRecord]:
    """27001 Annex A control A.x equal to 27002 control x: Annex A is the 27002 control list."""
    return [
        MappingRecord(
            subject=(subject_slug, ref),
            object=(object_slug, strip_annex_prefix(ref)),
            relation=Relation.EQUAL,
            rationale=Rationale.SYNTACTIC,
            strength=10,
            comment=source_note,
        )
        for ref in annex_controls
    ]


_CISO_RELATIONS = {
    "equal": Relation.EQUAL,
    "subset": Relation.SUBSET_OF,
    "superset": Relation.SUPERSET_OF,
    "intersect": Relation.INTERSECTS_WITH,
    "not_related": Relation.NOT_RELATED,
}
_CISO_RATIONALES = {r.value: r for r in Rationale}

CORRESPONDENCE_SET = "iso27002-2013--iso27002-2022"


@dataclass
class Correspondence:
    """2013 control -> (2022 control, record), in source order, keyed by the 2013 Annex A ref_id."""

    by_2013: dict[str, list[tuple[str, MappingRecord]]] = field(default_factory=dict)

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
    reference: Path, outline_2013: Outline, outline_2022: Outline, log: DataLog
) -> Correspondence:
    """intuitem's 2013 -> 2022 pairs for Annex A controls, subject = 2013 control, object = 2022."""
    data: dict[str, Any] = yaml.safe_load((reference / CISO_2013_TO_2022).read_text(encoding="utf-8"))
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
            _CISO_RELATIONS[row["relationship"]],
            _CISO_RATIONALES.get(str(row.get("rationale")), Rationale.SYNTACTIC),
            int(strength) if strength is not None else None,
            f"intuitem: ISO/IEC 27001:2013 {source.ref_id} {row['relationship']} ISO/IEC 27001:2022 "
            f"{target.ref_id}.",
        )
        result.add(source.ref_id, target.ref_id, record)
    return result


def _rejection_reason(source: OutlineNode | None, target: OutlineNode | None, relationship: str) -> str:
    if source is None or target is None:
        return "requirement URN not found in the CISO Assistant outlines"
    if not (is_annex_a(source.ref_id) and is_annex_a(target.ref_id)):
        return "management-system clause of ISO/IEC 27001, not a 27002 control; out of scope of this set"
    if relationship not in _CISO_RELATIONS:
        return f"unknown relationship {relationship!r}"
    return ""


_MISMAPPED = re.compile(r"mapped to (A\.\d+\.\d+)")


def apply_review(reference: Path, correspondence: Correspondence, log: DataLog) -> None:
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
    log: DataLog,
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


def _add_missing(
    correspondence: Correspondence, ref_2013: str, expected: str, row_number: int, value: str, log: DataLog
) -> None:
    record = _correspondence_record(
        ref_2013,
        expected,
        Relation.INTERSECTS_WITH,
        Rationale.SYNTACTIC,
        None,
        "Missing from intuitem's set; pair added per ISO/IEC 27002:2022 Annex B (reviewer correction). "
        "No source gives the relation type, so it is read as intersects-with.",
        relation_source="defaulted",
    )
    correspondence.add(ref_2013, expected, record)
    log.record(
        CORRESPONDENCE_SET,
        LogEntry(
            REVIEW_2013_TO_2022,
            str(row_number),
            value,
            "repaired",
            f"added: pair {ref_2013} -> {expected} missing from the source; relation defaulted "
            "to intersects-with",
        ),
    )


def structural_mappings(extension_slug: str, base_controls: Iterable[str], note: str) -> list[MappingRecord]:
    """Extension X superset-of 27002:2013 X: the extension is the 27002 control plus sector guidance."""
    return [
        MappingRecord(
            subject=(extension_slug, notation),
            object=("iso27002-2013", notation),
            relation=Relation.SUPERSET_OF,
            rationale=Rationale.SYNTACTIC,
            comment=note,
        )
        for notation in base_controls
    ]


# --------------------------------------------------------------------------------------------------
# Datasets


def _catalog_header(title: str, source_lines: Sequence[str]) -> list[str]:
    return [
        f"{title}: catalog of identifiers, official short titles and hierarchy.",
        "Generated by scripts/generate_iso.py; do not edit by hand.",
        *source_lines,
        "No text of the standard is included (copyright ISO/IEC).",
    ]


def write_catalogs(reference: Path, log: DataLog) -> dict[str, list[ControlRecord]]:
    outline_2022 = read_outline(reference, CISO_2022)
    outline_2013 = read_outline(reference, CISO_2013)
    catalogs: dict[str, list[ControlRecord]] = {
        "iso27001-2022": iso27001_2022_records(outline_2022),
        "iso27002-2022": iso27002_2022_records(outline_2022),
        "iso27001-2013": iso27001_2013_records(outline_2013),
        "iso27002-2013": iso27002_2013_records(outline_2013),
    }
    base_2013 = catalogs["iso27002-2013"]
    catalogs["iso27017-2015"] = iso27017_records(base_2013, read_csv(reference, CLD_CONTROLS), log)
    catalogs["iso27018-2019"] = iso27018_records(base_2013, read_csv(reference, PII_ANNEX_A))

    annex_2022 = [n.ref_id for n in outline_2022.nodes if is_annex_a(n.ref_id)]
    annex_2013 = [n.ref_id for n in outline_2013.nodes if is_annex_a(n.ref_id)]
    log_outline(log, "iso27001-2022", outline_2022, [n.ref_id for n in outline_2022.nodes])
    # 27002:2022 takes only its control titles from the outline (theme titles are its own clause headings).
    log_outline(log, "iso27002-2022", outline_2022, [ref for ref in annex_2022 if depth(ref) == 3])
    log_outline(log, "iso27001-2013", outline_2013, [n.ref_id for n in outline_2013.nodes])
    for dataset in ("iso27002-2013", "iso27017-2015", "iso27018-2019"):
        log_outline(log, dataset, outline_2013, annex_2013)

    for meta, header in _framework_metas():
        write_text(MAPPINGS / "frameworks" / f"{meta.slug}.ttl", catalog_turtle(meta, catalogs[meta.slug], header))
    return catalogs


OUTLINE_2022 = (
    f"Identifiers and titles: intuitem's CISO Assistant outline, {INTUITEM_LIBRARY}iso27001-2022.yaml"
)
OUTLINE_2013 = (
    f"Identifiers and titles: intuitem's CISO Assistant outline, {INTUITEM_LIBRARY}iso27001-2013.yaml"
)


def _iso_meta(
    slug: str,
    title: str,
    provenance: Provenance,
    description: str,
    union: bool,
    supersedes: str | None = None,
) -> FrameworkMeta:
    return FrameworkMeta(
        slug=slug,
        title=title,
        provenance=provenance,
        description=description,
        supersedes=supersedes,
        parent_is_union_of_children=union,
        not_shipped=NOT_SHIPPED,
    )


def _framework_metas() -> list[tuple[FrameworkMeta, list[str]]]:
    """Framework metadata and file header of each catalog, in writing order."""
    return [
        (
            _iso_meta(
                "iso27001-2022",
                "ISO/IEC 27001:2022 Information security, cybersecurity and privacy protection - "
                "Information security management systems - Requirements",
                PROV_27001_2022,
                "ISMS requirements (clauses 4 to 10 and their sub-clauses, kind 'clause') and the Annex A "
                "reference controls: 4 themes A.5 to A.8 (top concepts) and 93 controls.",
                union=False,
                supersedes="iso27001-2013",
            ),
            _catalog_header(
                "ISO/IEC 27001:2022",
                [
                    OUTLINE_2022,
                    "The outline's grouping nodes ('core', 'annex-a') are dropped: clauses hang under their",
                    "clause number; the Annex A themes A.5 to A.8 are top concepts (no separate 'A' node).",
                ],
            ),
        ),
        (
            _iso_meta(
                "iso27002-2022",
                "ISO/IEC 27002:2022 Information security, cybersecurity and privacy protection - "
                "Information security controls",
                PROV_27002_2022,
                "The 93 information security controls of clauses 5 to 8, grouped in 4 themes; identical in "
                "numbering and titles to ISO/IEC 27001:2022 Annex A.",
                union=True,
                supersedes="iso27002-2013",
            ),
            _catalog_header(
                "ISO/IEC 27002:2022",
                [
                    OUTLINE_2022,
                    "(Annex A items without the 'A.' prefix; themes titled as the 27002:2022 clauses).",
                ],
            ),
        ),
        (
            _iso_meta(
                "iso27001-2013",
                "ISO/IEC 27001:2013 Information technology - Security techniques - "
                "Information security management systems - Requirements",
                PROV_27001_2013,
                "ISMS requirements (clauses 4 to 10) and Annex A: 14 control clauses A.5 to A.18, 35 control "
                "objectives and 114 controls.",
                union=False,
            ),
            _catalog_header(
                "ISO/IEC 27001:2013",
                [
                    OUTLINE_2013,
                    "The outline's grouping nodes are dropped; Annex A clauses A.5 to A.18 are top concepts.",
                ],
            ),
        ),
        (
            _iso_meta(
                "iso27002-2013",
                "ISO/IEC 27002:2013 Information technology - Security techniques - "
                "Code of practice for information security controls",
                PROV_27002_2013,
                "14 security control clauses (5 to 18), 35 control objectives and 114 controls; the "
                "structure ISO/IEC 27017:2015 and ISO/IEC 27018:2019 build on.",
                union=True,
            ),
            _catalog_header(
                "ISO/IEC 27002:2013",
                [
                    OUTLINE_2013,
                    "(its Annex A items without the 'A.' prefix).",
                ],
            ),
        ),
        (
            _iso_meta(
                "iso27017-2015",
                "ISO/IEC 27017:2015 Information technology - Security techniques - Code of practice "
                "for information security controls based on ISO/IEC 27002 for cloud services",
                PROV_27017_2015,
                "Follows the ISO/IEC 27002:2013 clauses, objectives and controls (same numbers and titles), "
                "adding cloud-specific guidance for customers and providers to most of them, plus 2 new "
                "objectives (CLD.6.3, CLD.9.5) and 7 cloud controls (CLD.x.y.z). cg:responsibility on a CLD "
                "control says whose guidance the standard gives.",
                union=True,
            ),
            _catalog_header(
                "ISO/IEC 27017:2015",
                [
                    OUTLINE_2013,
                    "(the 27002:2013 items, its Annex A without the 'A.' prefix).",
                    "CLD items: shared/reference/iso-outline/iso27017-2015_cld_controls.csv, under the",
                    "parent it names; responsibility per CLD control checked against ITU-T X.1631.",
                ],
            ),
        ),
        (
            _iso_meta(
                "iso27018-2019",
                "ISO/IEC 27018:2019 Information technology - Security techniques - Code of practice "
                "for protection of personally identifiable information (PII) in public clouds acting as "
                "PII processors",
                PROV_27018_2019,
                "Follows the ISO/IEC 27002:2013 clauses, objectives and controls (same numbers and titles) "
                "with PII-processor guidance, plus Annex A: extended control set for public cloud PII "
                "processors, 25 controls in categories named after the ISO/IEC 29100 privacy principles. "
                "Each Annex A control's summary gives its 2014-edition number.",
                union=True,
            ),
            _catalog_header(
                "ISO/IEC 27018:2019",
                [
                    OUTLINE_2013,
                    "(the 27002:2013 items, its Annex A without the 'A.' prefix).",
                    "Annex A: shared/reference/iso-outline/iso27018-2019_annexA_controls.csv; its categories",
                    "are top concepts. Only the categories that hold a control in that list are included.",
                ],
            ),
        ),
    ]


def write_mapping_sets(reference: Path, catalogs: dict[str, list[ControlRecord]], log: DataLog) -> None:
    controls = {
        slug: [r.notation for r in records if r.kind == "control"] for slug, records in catalogs.items()
    }
    outline_2022 = read_outline(reference, CISO_2022)
    outline_2013 = read_outline(reference, CISO_2013)
    correspondence = read_correspondence(reference, outline_2013, outline_2022, log)
    apply_review(reference, correspondence, log)

    sets: list[tuple[MappingSetMeta, list[MappingRecord]]] = [
        (
            _identity_meta("2022", PROV_27001_2022),
            identity_mappings(
                "iso27001-2022",
                "iso27002-2022",
                controls["iso27001-2022"],
                "ISO/IEC 27001:2022 Annex A lists the controls of ISO/IEC 27002:2022 clauses 5 to 8.",
            ),
        ),
        (
            _identity_meta("2013", PROV_27001_2013),
            identity_mappings(
                "iso27001-2013",
                "iso27002-2013",
                [c for c in controls["iso27001-2013"] if is_annex_a(c)],
                "ISO/IEC 27001:2013 Annex A lists the controls of ISO/IEC 27002:2013 clauses 5 to 18.",
            ),
        ),
        (_correspondence_meta(), correspondence.records()),
        (
            _structural_meta("iso27017-2015", "ISO/IEC 27017:2015", "cloud service", PROV_27017_2015),
            structural_mappings(
                "iso27017-2015",
                controls["iso27002-2013"],
                "Same-numbered control: ISO/IEC 27002:2013 control with cloud guidance.",
            ),
        ),
        (
            _structural_meta(
                "iso27018-2019", "ISO/IEC 27018:2019", "public cloud PII processor", PROV_27018_2019
            ),
            structural_mappings(
                "iso27018-2019",
                controls["iso27002-2013"],
                "Same-numbered control: ISO/IEC 27002:2013 control with PII-processor guidance.",
            ),
        ),
    ]
    for meta, records in sets:
        header = [f"{meta.title}: mapping set.", "Generated by scripts/generate_iso.py; do not edit by hand."]
        write_text(MAPPINGS / "sets" / f"{meta.set_id}.ttl", mapping_set_turtle(meta, records, header))


def _identity_meta(edition: str, provenance: Provenance) -> MappingSetMeta:
    return MappingSetMeta(
        set_id=f"iso27001-{edition}--iso27002-{edition}",
        title=f"ISO/IEC 27001:{edition} Annex A to ISO/IEC 27002:{edition}",
        provenance=provenance,
        authority=Authority.OFFICIAL,
        subject_framework=f"iso27001-{edition}",
        object_framework=f"iso27002-{edition}",
        description=(
            f"Each Annex A control A.x of ISO/IEC 27001:{edition} equals control x of ISO/IEC "
            f"27002:{edition}: the standard takes its Annex A directly from 27002 and says so."
        ),
    )


def _correspondence_meta() -> MappingSetMeta:
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
            "x.y); the management-system clauses are left out. Corrected by the project per 27002:2022 "
            "Annex B Table B.2: 13.2.1-3 retargeted from 8.14 to 5.14 (relation kept), and 9 missing "
            "pairs added as intersects-with (relation defaulted). Corrections are listed in "
            "mappings/datalog/iso27002-2013--iso27002-2022.csv."
        ),
    )


def _structural_meta(slug: str, name: str, sector: str, provenance: Provenance) -> MappingSetMeta:
    return MappingSetMeta(
        set_id=f"{slug}--iso27002-2013",
        title=f"{name} to ISO/IEC 27002:2013 (same-numbered controls)",
        provenance=provenance,
        authority=Authority.OFFICIAL,
        subject_framework=slug,
        object_framework="iso27002-2013",
        description=(
            f"{name} keeps the numbering of ISO/IEC 27002:2013 and states that it extends it: each of its "
            f"controls x is the 27002:2013 control x plus {sector} guidance, so {name} x superset-of "
            f"27002:2013 x (27002:2013 x subset-of {name} x). Where the standard adds no guidance to a "
            f"control the two are in fact equal; superset-of is kept for all, which never overstates "
            f"coverage. Controls new in {name} have no counterpart here."
        ),
    )


def reference_dir() -> Path:
    configured = os.environ.get("CONTROLGRAPH_REFERENCE")
    return Path(configured) if configured else REPO.parent / "shared" / "reference"


def main() -> None:
    reference = reference_dir()
    log = DataLog()
    catalogs = write_catalogs(reference, log)
    write_mapping_sets(reference, catalogs, log)
    log.write(DATALOG)
    for slug, records in catalogs.items():
        kinds: dict[str, int] = {}
        for r in records:
            kinds[r.kind] = kinds.get(r.kind, 0) + 1
        print(f"{slug}: {kinds}")


if __name__ == "__main__":
    main()
