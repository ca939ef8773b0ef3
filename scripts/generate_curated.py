"""Generate the project-curated mapping sets from the reviewable decisions in ``mappings/curation/``.

No published machine-readable source exists for these crosswalks (ISO/IEC 27017 CLD controls to
ISO/IEC 27002:2022 and to NIST CSF 2.0, ISO/IEC 27018 Annex A to GDPR, GDPR to ISO/IEC 27002:2022
and to NIST CSF 2.0), so the project decides them itself, one reviewed CSV row per mapping. Each
CSV has the columns ``subject,object,relation,rationale,strength,confidence,comment``; the method
behind the decisions is in ``docs/curation.md``.

Every row is validated (known relation and rationale, strength 0-10, confidence 0-1, references
written as ``slug:notation`` for the set's two frameworks, no pair twice, a comment present). Where
the public reference files are available (``../shared/reference`` or $CONTROLGRAPH_REFERENCE), each
referenced identifier must also exist there. Any problem stops the run with the file and line of
every offending row, so nothing is silently rejected or repaired; the data log of each set is
written empty to record that.

Run: ``cd /work/main && PYTHONPATH=server .venv/bin/python scripts/generate_curated.py``
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from controlgraph.data.authoring import (
    CoverSetRecord,
    MappingRecord,
    MappingSetMeta,
    Provenance,
    mapping_set_turtle,
    write_text,
)
from controlgraph.vocabulary import SSSOM, Authority, Rationale, Relation
from generators.common import CURATION, DATALOG, DATALOG_COLUMNS, MAPPINGS, REPO, reference_dir

CURATION_COLUMNS = ("subject", "object", "relation", "rationale", "strength", "confidence", "comment")
JUSTIFICATION = "ManualMappingCuration"
MAX_COMMENT_SENTENCES = 2

PROVENANCE = Provenance(
    publisher="controlgraph project",
    source="https://w3id.org/controlgraph/curation",
    version="1.1",
    issued=dt.date(2026, 12, 6),
    licence="https://creativecommons.org/licenses/by/4.0/",
)

# What "strength" measures depends on which side is the requirement being met; each set states it.
STRENGTH_OF_SUBJECT = "Strength (0-10) says how much of the subject's requirement the object fulfils."
STRENGTH_OF_GDPR_OBJECT = (
    "Strength (0-10) says how much of the GDPR provision (the object) the 27018 control fulfils, "
    "since the set answers which 27018 controls help meet a provision."
)


# Who decided and who reviewed the decisions (SSSOM author_id and reviewer_id on every mapping of a set).
# The project's curators and reviewers are recorded by role and edition, as the project publishes no names.
AGENT = "https://w3id.org/controlgraph/agent/"
CURATOR_1_0 = AGENT + "curator-2026-11"  # the first edition of the five sets (version 1.0, 2026-11-29)
CURATOR_1_1 = AGENT + "curator-2026-12"  # the issue 17 revision and the 27018 Annex A -> 27002:2022 set
REVIEWER_1_1 = AGENT + "content-reviewer-2026-12"  # the second person who reviewed the 1.1 decisions
# The CCM set had two curators, each deciding about half the domains and making a second pass over every
# row (mappings/curation/csa-ccm-4--iso27002-2022--review.md): each is recorded as the other's reviewer.
CCM_CURATOR_A = AGENT + "ccm-curator-a-2026-12"
CCM_CURATOR_B = AGENT + "ccm-curator-b-2026-12"
CCM_DOMAINS_A = ("A&A", "AIS", "BCR", "CCC", "CEK", "DCS", "DSP", "GRC")
AGENT_LABELS = {
    CURATOR_1_0: "controlgraph curator, first edition of the curated sets (2026-11-29)",
    CURATOR_1_1: "controlgraph curator, revision of 2026-12-06 (issue 17) and the 27018 Annex A set",
    REVIEWER_1_1: "controlgraph content reviewer, review of the 2026-12-06 decisions",
    CCM_CURATOR_A: "controlgraph CCM curator A (domains A&A to GRC)",
    CCM_CURATOR_B: "controlgraph CCM curator B (domains HRS to UEM)",
}


def ccm_agents(subject: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(authors, reviewers) of a CCM row: the curator of its domain, reviewed by the other curator."""
    if subject.split("-")[0] in CCM_DOMAINS_A:
        return (CCM_CURATOR_A,), (CCM_CURATOR_B,)
    return (CCM_CURATOR_B,), (CCM_CURATOR_A,)


@dataclass(frozen=True)
class CuratedSet:
    """One curated crosswalk: its decision file, what it maps, and who decided and reviewed it."""

    subject_framework: str
    object_framework: str
    title: str
    scope: str
    strength_note: str
    authors: tuple[str, ...] = (CURATOR_1_0, CURATOR_1_1)
    reviewers: tuple[str, ...] = (REVIEWER_1_1,)
    # Where authorship differs by row: subject notation -> (authors, reviewers).
    agents_of: Callable[[str], tuple[tuple[str, ...], tuple[str, ...]]] | None = None

    def agents(self, subject: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        return self.agents_of(subject) if self.agents_of else (self.authors, self.reviewers)

    @property
    def csv_name(self) -> str:
        return f"{self.subject_framework}--{self.object_framework}.csv"

    @property
    def cover_sets_csv_name(self) -> str:
        """Optional: "subject is covered by the union of covered_by" statements for this set."""
        return f"{self.subject_framework}--{self.object_framework}--cover-sets.csv"

    @property
    def set_id(self) -> str:
        return f"{self.subject_framework}--{self.object_framework}--curated"

    @property
    def description(self) -> str:
        return (
            f"{self.scope} Decided control by control by the controlgraph project (manual curation), "
            f"from mappings/curation/{self.csv_name}; relations follow NIST IR 8477 set theory read as "
            f"'subject relation object'. {self.strength_note} Each mapping names who decided it (author_id) "
            f"and who reviewed it (reviewer_id). Method: docs/curation.md."
        )


CURATED_SETS: tuple[CuratedSet, ...] = (
    CuratedSet(
        "iso27017-2015",
        "iso27002-2022",
        "ISO/IEC 27017:2015 CLD controls to ISO/IEC 27002:2022 (project-curated)",
        "The seven cloud-specific CLD controls of ISO/IEC 27017:2015 mapped to ISO/IEC 27002:2022 controls.",
        STRENGTH_OF_SUBJECT,
    ),
    CuratedSet(
        "iso27017-2015",
        "nist-csf-2.0",
        "ISO/IEC 27017:2015 CLD controls to NIST CSF 2.0 (project-curated)",
        "The seven cloud-specific CLD controls of ISO/IEC 27017:2015 mapped to NIST CSF 2.0 subcategories.",
        STRENGTH_OF_SUBJECT,
    ),
    CuratedSet(
        "iso27018-2019",
        "gdpr",
        "ISO/IEC 27018:2019 Annex A to GDPR (project-curated)",
        "The 25 Annex A controls of ISO/IEC 27018:2019 mapped to the GDPR articles, paragraphs and points "
        "they help a PII processor meet.",
        STRENGTH_OF_GDPR_OBJECT,
    ),
    CuratedSet(
        "gdpr",
        "iso27002-2022",
        "GDPR security and accountability provisions to ISO/IEC 27002:2022 (project-curated)",
        "GDPR provisions on security, accountability, processors, breaches, DPIAs, DPOs and transfers "
        "mapped to the ISO/IEC 27002:2022 controls that help meet them.",
        STRENGTH_OF_SUBJECT,
    ),
    CuratedSet(
        "csa-ccm-4",
        "iso27002-2022",
        "CSA CCM v4 to ISO/IEC 27002:2022 (project-curated)",
        "Each of the 197 controls of the CSA Cloud Controls Matrix v4 mapped to the ISO/IEC 27002:2022 "
        "controls it concerns, decided from the CCM control specifications without use of CSA's own gap "
        "analyses; where the curator could say so, a cover-set statement in "
        "mappings/curation/csa-ccm-4--iso27002-2022--cover-sets.csv.",
        STRENGTH_OF_SUBJECT,
        agents_of=ccm_agents,
    ),
    CuratedSet(
        "gdpr",
        "nist-csf-2.0",
        "GDPR security and accountability provisions to NIST CSF 2.0 (project-curated)",
        "GDPR provisions on security, accountability, processors, breaches, DPIAs, DPOs and transfers "
        "mapped to the NIST CSF 2.0 subcategories that help meet them.",
        STRENGTH_OF_SUBJECT,
    ),
    CuratedSet(
        "iso27018-2019",
        "iso27002-2022",
        "ISO/IEC 27018:2019 Annex A to ISO/IEC 27002:2022 (project-curated)",
        "The 25 Annex A controls of ISO/IEC 27018:2019 (public cloud PII processors) mapped to the "
        "ISO/IEC 27002:2022 controls that help meet them.",
        STRENGTH_OF_SUBJECT,
        authors=(CURATOR_1_1,),
    ),
)

# Shape of a well-formed notation per framework, restricted to the kinds of item these sets map.
NOTATION_PATTERNS: Mapping[str, re.Pattern[str]] = {
    "iso27017-2015": re.compile(r"CLD\.\d{1,2}\.\d\.\d"),
    "iso27018-2019": re.compile(r"A\.\d{1,2}\.\d{1,2}"),
    "iso27002-2022": re.compile(r"[5-8]\.\d{1,2}"),
    "nist-csf-2.0": re.compile(r"(GV|ID|PR|DE|RS|RC)\.[A-Z]{2}-\d{2}"),
    "gdpr": re.compile(r"Art\.\d{1,2}(\(\d{1,2}\)(\([a-z]\))?)?"),
    "csa-ccm-4": re.compile(r"[A-Z&]{3}-\d{2}"),
}

_SENTENCE_END = re.compile(r"[.!?](?=\s+[A-Z0-9(]|\s*$)")


class RowError(ValueError):
    """A curated row that cannot be accepted; the message names the problem."""


# ----------------------------------------------------------------------------- reference identifiers


def _iso27002_2022_ids(reference: Path) -> frozenset[str]:
    # The 27002:2022 controls are the 93 Annex A controls of 27001:2022 (A.5.1 is control 5.1).
    source = reference / "ciso-assistant" / "iso27001-2022.yaml"
    library = yaml.safe_load(source.read_text(encoding="utf-8"))
    nodes = library["objects"]["framework"]["requirement_nodes"]
    return frozenset(
        str(n["ref_id"])[2:] for n in nodes if re.fullmatch(r"A\.\d+\.\d+", str(n.get("ref_id", "")))
    )


def _csf_2_0_ids(reference: Path) -> frozenset[str]:
    with (reference / "nist-csf-2.0" / "csf2_core.csv").open(encoding="utf-8", newline="") as f:
        current = (row for row in csv.DictReader(f) if row["withdrawn"] != "True")
        return frozenset(row["id"] for row in current if row["type"] == "subcategory")


def gdpr_notation(ref_id: str) -> str | None:
    """The project notation of a CISO Assistant GDPR ref_id ("Article 32", "32.1", "32.1.a", "50.a")."""
    if m := re.fullmatch(r"Article (\d+)", ref_id):
        return f"Art.{m[1]}"
    if m := re.fullmatch(r"(\d+)\.(\d+)", ref_id):
        return f"Art.{m[1]}({m[2]})"
    if m := re.fullmatch(r"(\d+)\.(\d+)\.([a-z]+)", ref_id):
        return f"Art.{m[1]}({m[2]})({m[3]})"
    if m := re.fullmatch(r"(\d+)\.([a-z]+)", ref_id):
        return f"Art.{m[1]}({m[2]})"
    return None


def _gdpr_ids(reference: Path) -> frozenset[str]:
    library = yaml.safe_load((reference / "ciso-assistant" / "gdpr.yaml").read_text(encoding="utf-8"))
    nodes = library["objects"]["framework"]["requirement_nodes"]
    notations = (gdpr_notation(str(n.get("ref_id", ""))) for n in nodes)
    return frozenset(n for n in notations if n is not None)


def _csv_column(path: Path, column: str, keep: Callable[[dict[str, str]], bool]) -> frozenset[str]:
    with path.open(encoding="utf-8", newline="") as f:
        return frozenset(row[column] for row in csv.DictReader(f) if keep(row))


def _ccm_ids(reference: Path) -> frozenset[str]:
    primary = reference / "csa-ccm-4.0.12" / "json-dataset" / "CCM" / "primary-dataset.json"
    dataset = json.loads(primary.read_text(encoding="utf-8"))
    return frozenset(str(c["id"]) for domain in dataset["domains"] for c in domain["controls"])


def known_identifiers(reference: Path) -> dict[str, frozenset[str]]:
    outline = reference / "iso-outline"
    return {
        "csa-ccm-4": _ccm_ids(reference),
        "iso27002-2022": _iso27002_2022_ids(reference),
        "nist-csf-2.0": _csf_2_0_ids(reference),
        "gdpr": _gdpr_ids(reference),
        "iso27017-2015": _csv_column(
            outline / "iso27017-2015_cld_controls.csv", "id", lambda row: row["kind"] == "control"
        ),
        "iso27018-2019": _csv_column(
            outline / "iso27018-2019_annexA_controls.csv", "id_2019", lambda row: True
        ),
    }


# ----------------------------------------------------------------------------- row validation


def parse_ref(text: str, expected_slug: str, known: Mapping[str, frozenset[str]] | None) -> tuple[str, str]:
    slug, sep, notation = text.strip().partition(":")
    if not sep or not notation:
        raise RowError(f"{text!r} is not written as slug:notation")
    if slug != expected_slug:
        raise RowError(f"{text!r} belongs to {slug!r}, expected a control of {expected_slug!r}")
    if not NOTATION_PATTERNS[slug].fullmatch(notation):
        raise RowError(f"{text!r} is not a well-formed {slug} notation")
    if known is not None and notation not in known[slug]:
        raise RowError(f"{text!r} does not exist in the {slug} reference file")
    return slug, notation


def parse_strength(text: str) -> int:
    if not re.fullmatch(r"\d{1,2}", text.strip()):
        raise RowError(f"strength {text!r} is not a whole number")
    strength = int(text)
    if not 0 <= strength <= 10:
        raise RowError(f"strength {strength} is outside 0-10")
    return strength


def parse_confidence(text: str) -> float:
    try:
        confidence = float(text)
    except ValueError:
        raise RowError(f"confidence {text!r} is not a number") from None
    if math.isnan(confidence) or not 0 <= confidence <= 1:
        raise RowError(f"confidence {text!r} is outside 0-1")
    return confidence


def parse_relation(text: str) -> Relation:
    # Only the slugs are accepted in the CSV, so reviewers see one spelling.
    allowed = {r.value: r for r in Relation}
    if text not in allowed:
        raise RowError(f"unknown relation {text!r}; expected one of {', '.join(allowed)}")
    return allowed[text]


def parse_rationale(text: str) -> Rationale:
    allowed = {r.value: r for r in Rationale}
    if text not in allowed:
        raise RowError(f"unknown rationale {text!r}; expected one of {', '.join(allowed)}")
    return allowed[text]


def check_comment(text: str) -> str:
    comment = " ".join(text.split())
    if not comment:
        raise RowError("comment is empty; every decision needs its reason")
    if len(_SENTENCE_END.findall(comment)) > MAX_COMMENT_SENTENCES:
        raise RowError(f"comment has more than {MAX_COMMENT_SENTENCES} sentences")
    return comment


def parse_row(
    row: Mapping[str, str], curated: CuratedSet, known: Mapping[str, frozenset[str]] | None
) -> MappingRecord:
    values = {column: (row.get(column) or "").strip() for column in CURATION_COLUMNS}
    missing = [column for column, value in values.items() if not value]
    if missing:
        raise RowError(f"empty column(s): {', '.join(missing)}")
    relation = parse_relation(values["relation"])
    strength = parse_strength(values["strength"])
    if relation is Relation.NOT_RELATED and strength != 0:
        raise RowError("a not-related mapping must have strength 0")
    subject = parse_ref(values["subject"], curated.subject_framework, known)
    authors, reviewers = curated.agents(subject[1])
    return MappingRecord(
        subject=subject,
        object=parse_ref(values["object"], curated.object_framework, known),
        relation=relation,
        rationale=parse_rationale(values["rationale"]),
        strength=strength,
        confidence=parse_confidence(values["confidence"]),
        comment=check_comment(values["comment"]),
        author_ids=authors,
        reviewer_ids=reviewers,
        extra={
            SSSOM + "author_label": " | ".join(AGENT_LABELS[a] for a in authors),
            SSSOM + "reviewer_label": " | ".join(AGENT_LABELS[r] for r in reviewers),
        },
    )


def read_decisions(
    path: Path, curated: CuratedSet, known: Mapping[str, frozenset[str]] | None
) -> tuple[list[MappingRecord], list[str]]:
    """The mappings of one decision file, and a 'file:line: problem' entry for every bad row."""
    records: list[MappingRecord] = []
    problems: list[str] = []
    first_line: dict[tuple[tuple[str, str], tuple[str, str]], int] = {}
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        if tuple(reader.fieldnames or ()) != CURATION_COLUMNS:
            return [], [f"{path}:1: header must be {','.join(CURATION_COLUMNS)}"]
        for row in reader:
            line = reader.line_num
            try:
                if None in row:  # an unquoted comma in the comment: the row has more fields than the header
                    raise RowError("more fields than the header (quote a comment that holds a comma)")
                record = parse_row(row, curated, known)
            except RowError as error:
                problems.append(f"{path}:{line}: {error}")
                continue
            pair = (record.subject, record.object)
            if pair in first_line:
                problems.append(f"{path}:{line}: pair already decided on line {first_line[pair]}")
                continue
            first_line[pair] = line
            records.append(record)
    if not records and not problems:
        problems.append(f"{path}: no decisions")
    return records, problems


COVER_SET_COLUMNS = ("subject", "covered_by", "confidence", "comment")


def read_cover_sets(
    path: Path, curated: CuratedSet, known: Mapping[str, frozenset[str]] | None
) -> tuple[list[CoverSetRecord], list[str]]:
    """The cover-set statements of one file (absent: none), and a 'file:line: problem' entry per bad row."""
    if not path.is_file():
        return [], []
    records: list[CoverSetRecord] = []
    problems: list[str] = []
    first_line: dict[tuple[str, str], int] = {}
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        if tuple(reader.fieldnames or ()) != COVER_SET_COLUMNS:
            return [], [f"{path}:1: header must be {','.join(COVER_SET_COLUMNS)}"]
        for row in reader:
            line = reader.line_num
            try:
                subject = parse_ref(row["subject"] or "", curated.subject_framework, known)
                members = [m.strip() for m in (row["covered_by"] or "").split(";") if m.strip()]
                if not members:
                    raise RowError("covered_by names no control")
                covered = tuple(parse_ref(m, curated.object_framework, known) for m in members)
                if len(set(covered)) != len(covered):
                    raise RowError("covered_by names a control twice")
                record = CoverSetRecord(subject, covered, parse_confidence(row["confidence"] or ""),
                                        check_comment(row["comment"] or ""))
            except RowError as error:
                problems.append(f"{path}:{line}: {error}")
                continue
            if subject in first_line:
                problems.append(f"{path}:{line}: cover set already stated on line {first_line[subject]}")
                continue
            first_line[subject] = line
            records.append(record)
    return records, problems


# ----------------------------------------------------------------------------- output


def mapping_set_meta(curated: CuratedSet) -> MappingSetMeta:
    return MappingSetMeta(
        set_id=curated.set_id,
        title=curated.title,
        provenance=PROVENANCE,
        authority=Authority.PROJECT_CURATED,
        subject_framework=curated.subject_framework,
        object_framework=curated.object_framework,
        description=curated.description,
        justification=JUSTIFICATION,
    )


def write_mapping_set(
    curated: CuratedSet, records: Sequence[MappingRecord], cover_sets: Sequence[CoverSetRecord] = ()
) -> Path:
    header = [
        f"{curated.title}: mapping set.",
        f"Generated by scripts/generate_curated.py from mappings/curation/{curated.csv_name}; edit the CSV, "
        "not this file.",
    ]
    target = MAPPINGS / "sets" / f"{curated.set_id}.ttl"
    write_text(target, mapping_set_turtle(mapping_set_meta(curated), records, header, cover_sets))
    return target


def write_empty_datalog(curated: CuratedSet) -> None:
    # Curated rows are never rejected or repaired (a bad row stops the run), so the log stays empty.
    write_text(DATALOG / f"{curated.set_id}.csv", ",".join(DATALOG_COLUMNS) + "\n")


def load_known_identifiers() -> dict[str, frozenset[str]] | None:
    reference = reference_dir()
    if not (reference / "README.md").is_file():
        print(f"note: no reference data at {reference}; identifiers checked for shape only", file=sys.stderr)
        return None
    return known_identifiers(reference)


def main() -> int:
    known = load_known_identifiers()
    decided: list[tuple[CuratedSet, list[MappingRecord], list[CoverSetRecord]]] = []
    problems: list[str] = []
    for curated in CURATED_SETS:
        records, set_problems = read_decisions(CURATION / curated.csv_name, curated, known)
        covers, cover_problems = read_cover_sets(CURATION / curated.cover_sets_csv_name, curated, known)
        decided.append((curated, records, covers))
        problems += set_problems + cover_problems
    if problems:
        print("\n".join(problems), file=sys.stderr)
        print(f"{len(problems)} curated row(s) rejected; nothing written", file=sys.stderr)
        return 1
    for curated, records, covers in decided:
        target = write_mapping_set(curated, records, covers)
        write_empty_datalog(curated)
        extra = f", {len(covers)} cover sets" if covers else ""
        print(f"{target.relative_to(REPO)}: {len(records)} mappings{extra}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
