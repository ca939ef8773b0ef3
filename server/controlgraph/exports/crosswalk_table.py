"""A crosswalk as flat records: the one column layout shared by CSV, the XLSX sheets and the HTML report.

A record reads "source relation target", oriented from the crosswalk's ``--from`` framework. Inferred
rows carry their explanation: the asserted mappings chained, in order. A pair several sets assert is one
record whose ``sources`` cell names every set (``set [authority, publisher] relation; ...``). With
``--candidates`` the candidate links follow, basis ``candidate``: the relation cell lists the relations still
possible (``equal|subset-of``), ``probability`` is the calibrated probability that a publisher maps the pair,
coverage is ``unproven`` and the explanation path is the first chain joining the pair.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from controlgraph.analysis.candidate_links import CandidateRow, candidate_rows
from controlgraph.analysis.cover_sets import CoverSet, cover_sets
from controlgraph.analysis.crosswalk import CrosswalkRow, crosswalk
from controlgraph.analysis.responsibility import responsibilities
from controlgraph.analysis.satisfiers import Satisfier
from controlgraph.analysis.sources import source_text
from controlgraph.store.base import GraphStore
from controlgraph.vocabulary import CONTROL, Relation

COLUMNS: tuple[str, ...] = (
    "source_framework", "source_id", "source_title", "relation", "target_framework", "target_id", "target_title",
    "coverage", "basis", "strength", "rationale", "justification", "confidence", "mapping_set", "mapping_set_title",
    "authority", "publisher", "licence", "comment", "mapping", "explanation_path", "source_responsibility",
    "target_responsibility", "sources", "probability",
)

HEADINGS: dict[str, str] = {
    "source_framework": "Source framework", "source_id": "Source ID", "source_title": "Source title",
    "relation": "Relation", "target_framework": "Target framework", "target_id": "Target ID",
    "target_title": "Target title", "coverage": "Coverage", "basis": "Asserted or inferred",
    "strength": "Strength (0-10)", "rationale": "Rationale", "justification": "Justification",
    "confidence": "Confidence", "mapping_set": "Mapping set", "mapping_set_title": "Mapping set title",
    "authority": "Authority", "publisher": "Publisher", "licence": "Licence", "comment": "Comment",
    "mapping": "Mapping IRI", "explanation_path": "Explanation path",
    "source_responsibility": "Source responsibility", "target_responsibility": "Target responsibility",
    "sources": "Sources (every set asserting it)", "probability": "Probability (candidates)",
}
CANDIDATE = "candidate"  # the basis of a candidate record
UNPROVEN = "unproven"  # the coverage of a candidate record: never counted



@dataclass(frozen=True)
class CrosswalkExport:
    """The crosswalks of one source framework to one or more targets, ready to write in any format."""

    source: str
    targets: tuple[str, ...]
    include_inferred: bool
    rows: tuple[CrosswalkRow, ...]
    cover_sets: tuple[CoverSet, ...] = ()  # "X is covered by the union of Y1..Yn", X in source, all Yi in one target
    # Control IRI -> whose obligation it is (27017 customer/provider/shared, CCM ownership when imported).
    responsibility: Mapping[str, str] = field(default_factory=dict)
    candidates: tuple[CandidateRow, ...] = ()  # with --candidates: likely links, never proven
    with_candidates: bool = False
    min_probability: float = 0.0

    def rows_for(self, target: str) -> list[CrosswalkRow]:
        return [r for r in self.rows if r.mapping.control.framework == target]

    def candidates_for(self, target: str) -> list[CandidateRow]:
        return [c for c in self.candidates if c.target.framework == target]

    def cover_sets_for(self, target: str) -> list[CoverSet]:
        prefix = f"{CONTROL}{target}/"
        return [c for c in self.cover_sets if all(y.startswith(prefix) for y in c.covered_by)]


def build_crosswalk(store: GraphStore, source: str, targets: Sequence[str], *, include_inferred: bool,
                    with_candidates: bool = False, min_probability: float = 0.0) -> CrosswalkExport:
    """Every crosswalk row from ``source`` to each target, targets in the order given; with ``with_candidates``
    the candidate links at least ``min_probability`` probable too."""
    rows: list[CrosswalkRow] = []
    for target in dict.fromkeys(targets):
        rows += crosswalk(store, source, target, include_inferred=include_inferred)
    prefixes = tuple(f"{CONTROL}{t}/" for t in targets)
    statements = tuple(c for group in cover_sets(store, source).values() for c in group
                       if any(all(y.startswith(p) for y in c.covered_by) for p in prefixes))
    likely = candidate_rows(store, source, targets, min_probability=min_probability) if with_candidates else []
    parties = responsibilities(store, [iri for r in rows for iri in (r.source.iri, r.mapping.control.iri)]
                               + [iri for c in likely for iri in (c.source.iri, c.target.iri)])
    return CrosswalkExport(source, tuple(dict.fromkeys(targets)), include_inferred, tuple(rows), statements, parties,
                           tuple(likely), with_candidates, min_probability)


def per_source(rows: Iterable[CrosswalkRow]) -> list[CrosswalkRow]:
    """One row per asserting set: what per-statement formats (SSSOM, RDF) write, each with its own provenance."""
    return [CrosswalkRow(r.source, s) for r in rows for s in (r.mapping.sources or (r.mapping,))]


def explanation(row: CrosswalkRow) -> str:
    """The asserted mappings an inferred row was chained from, space-separated; empty for asserted rows."""
    if not row.mapping.inferred:
        return ""
    return " ".join(row.mapping.path)


def record(row: CrosswalkRow, responsibility: Mapping[str, str] | None = None) -> dict[str, str]:
    """The row as text cells, keyed by :data:`COLUMNS`; absent values are empty strings."""
    m = row.mapping
    parties = responsibility or {}
    return {
        "source_framework": row.source.framework,
        "source_id": row.source.notation,
        "source_title": row.source.title,
        "relation": m.relation.value,
        "target_framework": m.control.framework,
        "target_id": m.control.notation,
        "target_title": m.control.title,
        "coverage": m.coverage,
        "basis": "inferred" if m.inferred else "asserted",
        "strength": "" if m.strength is None else str(m.strength),
        "rationale": m.rationale or "",
        "justification": m.justification or "",
        "confidence": "" if m.confidence is None else repr(m.confidence),
        "mapping_set": m.mapping_set or "",
        "mapping_set_title": m.set_title or "",
        "authority": m.authority or "",
        "publisher": m.publisher or "",
        "licence": m.licence or "",
        "comment": m.comment or "",
        "mapping": m.mapping or "",
        "explanation_path": explanation(row),
        "source_responsibility": parties.get(row.source.iri, ""),
        "target_responsibility": parties.get(m.control.iri, ""),
        "sources": "" if m.inferred else source_text(m),
        "probability": "",
    }


def possible_text(row: CandidateRow) -> str:
    """The relations still possible, ``|``-separated in the IR 8477 order."""
    return "|".join(r.value for r in Relation if r in row.candidate.possibilities)


def candidate_record(row: CandidateRow, responsibility: Mapping[str, str] | None = None) -> dict[str, str]:
    """A candidate as text cells, keyed by :data:`COLUMNS`: basis ``candidate``, never counted as coverage."""
    cells = dict.fromkeys(COLUMNS, "")
    p = row.candidate.probability
    parties = responsibility or {}
    cells.update({
        "source_framework": row.source.framework, "source_id": row.source.notation, "source_title": row.source.title,
        "relation": possible_text(row), "target_framework": row.target.framework, "target_id": row.target.notation,
        "target_title": row.target.title, "coverage": UNPROVEN, "basis": CANDIDATE,
        "justification": ("candidate inferred from chains of mappings, to confirm" if row.candidate.path_count
                          else "candidate proposed by text similarity (no chain joins the two), to confirm"),
        "mapping": row.candidate.iri, "explanation_path": " ".join(row.candidate.path),
        "source_responsibility": parties.get(row.source.iri, ""),
        "target_responsibility": parties.get(row.target.iri, ""),
        "probability": "" if p is None else repr(p),
    })
    return cells


def candidate_cells(row: CandidateRow, responsibility: Mapping[str, str] | None = None
                    ) -> list[str | int | float | None]:
    """The candidate record's cells in :data:`COLUMNS` order, the probability as a number (spreadsheets)."""
    text = candidate_record(row, responsibility)
    cells: list[str | int | float | None] = [text[c] or None for c in COLUMNS]
    cells[COLUMNS.index("probability")] = row.candidate.probability
    return cells


def typed_cells(row: CrosswalkRow, responsibility: Mapping[str, str] | None = None) -> list[str | int | float | None]:
    """The record's cells in :data:`COLUMNS` order, numbers as numbers and absent values as None (spreadsheets)."""
    text = record(row, responsibility)
    cells: list[str | int | float | None] = [text[c] or None for c in COLUMNS]
    cells[COLUMNS.index("strength")] = row.mapping.strength
    cells[COLUMNS.index("confidence")] = row.mapping.confidence
    return cells


@dataclass(frozen=True)
class SetProvenance:
    """One mapping set a crosswalk or programme draws on, with who published it and under what terms."""

    set_id: str
    title: str
    authority: str
    publisher: str
    licence: str
    rows: int


def provenance(rows: Iterable[CrosswalkRow | Satisfier]) -> list[SetProvenance]:
    """The mapping sets behind crosswalk rows or satisfiers, most used first."""
    by_set: dict[str, list[Satisfier]] = {}
    for row in rows:
        mapping = row.mapping if isinstance(row, CrosswalkRow) else row
        for source in mapping.sources or (mapping,):
            if source.mapping_set:
                by_set.setdefault(source.mapping_set, []).append(source)
    found = []
    for set_id, members in by_set.items():
        m = members[0]
        found.append(SetProvenance(set_id, m.set_title or "", m.authority or "", m.publisher or "", m.licence or "",
                                   len(members)))
    return sorted(found, key=lambda p: (-p.rows, p.set_id))
