"""Candidate links as stored by the build: pairs a human should confirm, with their probability.

The candidates graph holds ``cg:CandidateLink`` nodes (never ``cg:Mapping``: coverage never counts
them as proven): subject, object, the relations still possible, the calibrated probability that a
publisher maps the pair, the chain counts and the first chain's mappings. They are public (derived
from shared mappings only).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox

from controlgraph.analysis.satisfiers import ControlInfo, describe_controls, notation_key
from controlgraph.data.terms import term_value
from controlgraph.reasoning.results_rdf import CANDIDATES_GRAPH
from controlgraph.store.base import GraphStore
from controlgraph.store.read_cache import cached
from controlgraph.vocabulary import CG, Relation, control_ref_from_iri

# One row per candidate node, its relations folded into one value: a row per triple (about 18 per
# node) cost three times as long, most of it in Python. ``%(end)s`` restricts it to a control at one end:
# written into the query (a substitution would bind it after the grouping, about three times slower),
# as an ``ox.NamedNode``, whose IRI check leaves nothing that could end the term.
_QUERY = """
SELECT ?node ?s ?o ?pathCount ?independent ?probability ?path (GROUP_CONCAT(STR(?relation)) AS ?relations)
WHERE {
  GRAPH <%(graph)s> {
    ?node a <%(cg)sCandidateLink> ; <%(cg)smappingSubject> ?s ; <%(cg)smappingObject> ?o .
    %(end)s
    OPTIONAL { ?node <%(cg)spathCount> ?pathCount }
    OPTIONAL { ?node <%(cg)sindependentPaths> ?independent }
    OPTIONAL { ?node <%(cg)sprobability> ?probability }
    OPTIONAL { ?node <%(cg)spathText> ?path }
    OPTIONAL { ?node <%(cg)spossibleRelations> ?relation }
  }
} GROUP BY ?node ?s ?o ?pathCount ?independent ?probability ?path
"""


def _query(end: str = "") -> str:
    return _QUERY % {"graph": CANDIDATES_GRAPH, "cg": CG, "end": end}


@dataclass(frozen=True)
class Candidate:
    """One stored candidate, read from ``subject`` to ``object``."""

    iri: str
    subject: str
    object: str
    possibilities: frozenset[Relation]
    probability: float | None
    path_count: int
    independent_paths: int
    path: tuple[str, ...]

    def reversed(self) -> Candidate:
        return Candidate(self.iri, self.object, self.subject, frozenset(r.inverse for r in self.possibilities),
                         self.probability, self.path_count, self.independent_paths, tuple(reversed(self.path)))

    def to_json(self) -> dict[str, Any]:
        return {
            "iri": self.iri,
            "subject": self.subject,
            "object": self.object,
            "possible_relations": sorted(r.value for r in self.possibilities),
            "probability": self.probability,
            "path_count": self.path_count,
            "independent_paths": self.independent_paths,
            "path": list(self.path),
        }


def _read(store: GraphStore, query: str) -> list[Candidate]:
    out: dict[str, Candidate] = {}
    for row in store.query(query):  # type: ignore[union-attr]
        iri = term_value(row["node"])
        if iri in out:
            continue  # a node stating a value twice: the first, as a reader of its triples would take
        probability, path = row["probability"], row["path"]
        relations = row["relations"]
        out[iri] = Candidate(
            iri,
            term_value(row["s"]),
            term_value(row["o"]),
            frozenset(Relation.from_iri(r) for r in (relations.value.split() if relations else ())),
            float(probability.value) if probability else None,
            int(row["pathCount"].value) if row["pathCount"] else 0,
            int(row["independent"].value) if row["independent"] else 0,
            tuple(path.value.split()) if path else (),
        )
    return list(out.values())


def candidates_of(
    store: GraphStore, control: str, *, frameworks: Sequence[str] = (), min_probability: float = 0.0
) -> list[Candidate]:
    """Candidates with ``control`` at either end, read from it, most probable first."""
    found = []
    for side in ("Subject", "Object"):
        for c in _read(store, _query(f"?node <{CG}mapping{side}> {ox.NamedNode(control)} .")):
            found.append(c if side == "Subject" else c.reversed())
    return _filtered(found, frameworks, min_probability)


def all_candidates(store: GraphStore) -> list[Candidate]:
    """Every stored candidate as stored (cached until the store changes)."""
    return cached(store, ("candidate_links",), lambda: _read(store, _query()))


def candidates_between(
    store: GraphStore, source: str, target: str, *, min_probability: float = 0.0
) -> list[Candidate]:
    """Candidates between two frameworks, read from ``source``, most probable first."""
    found = []
    for c in all_candidates(store):
        fs, fo = _framework(c.subject), _framework(c.object)
        if (fs, fo) == (source, target):
            found.append(c)
        elif (fo, fs) == (source, target):
            found.append(c.reversed())
    return _filtered(found, (), min_probability)


def _framework(iri: str) -> str | None:
    ref = control_ref_from_iri(iri)
    return ref.slug if ref else None


def _filtered(found: list[Candidate], frameworks: Sequence[str], min_probability: float) -> list[Candidate]:
    kept = [
        c for c in found
        if (not frameworks or _framework(c.object) in frameworks)
        and (c.probability if c.probability is not None else 0.0) >= min_probability
    ]
    kept.sort(key=lambda c: (-(c.probability or 0.0), c.subject, c.object))
    return kept


@dataclass(frozen=True)
class CandidateRow:
    """A candidate with both ends described, read from ``source`` (a crosswalk's or a coverage target's item)."""

    source: ControlInfo
    target: ControlInfo
    candidate: Candidate


def candidate_rows(
    store: GraphStore, source: str, targets: Sequence[str], *, min_probability: float = 0.0
) -> list[CandidateRow]:
    """Candidates from ``source`` to each target: targets in the order given, then source items in reading
    order, most probable first."""
    found = [c for t in dict.fromkeys(targets) for c in candidates_between(store, source, t,
                                                                             min_probability=min_probability)]
    rows = _described(store, found)
    order = {t: i for i, t in enumerate(dict.fromkeys(targets))}
    rows.sort(key=lambda r: (order[r.target.framework], notation_key(r.source.notation),
                             -(r.candidate.probability or 0.0), notation_key(r.target.notation)))
    return rows


def candidates_to_controls(
    store: GraphStore, target: str, items: Collection[str], controls: Collection[str], *, min_probability: float = 0.0
) -> list[CandidateRow]:
    """Candidates from items of ``target`` (those in ``items``) to the controls in ``controls``, most probable
    first: what a coverage report leaves to review."""
    frameworks = {_framework(c) for c in controls} - {None, target}
    wanted, have = set(items), set(controls)
    found = [c for f in sorted(f for f in frameworks if f) for c in candidates_between(
        store, target, f, min_probability=min_probability) if c.subject in wanted and c.object in have]
    found.sort(key=lambda c: (-(c.probability or 0.0), c.subject, c.object))
    return _described(store, found)


def _described(store: GraphStore, found: list[Candidate]) -> list[CandidateRow]:
    infos = describe_controls(store, {c.subject for c in found} | {c.object for c in found})
    return [CandidateRow(infos[c.subject], infos[c.object], c) for c in found
            if c.subject in infos and c.object in infos]
