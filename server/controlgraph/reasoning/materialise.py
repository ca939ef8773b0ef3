"""From mapping nodes to relation triples: the direct triple beside each node, and the closure."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pyoxigraph as ox

from controlgraph.data.interop import term_value
from controlgraph.reasoning.composition import compose_mappings
from controlgraph.reasoning.inputs import asserted_mappings
from controlgraph.reasoning.results_rdf import result_graphs
from controlgraph.vocabulary import CG, RELATION_IRIS, SKOS, Relation


@dataclass(frozen=True)
class AssertedEdge:
    mapping: str
    subject: str
    relation: Relation
    object: str


def asserted_edges(triples: Iterable[ox.Triple]) -> list[AssertedEdge]:
    """The (subject, relation, object) of every complete mapping node in ``triples``."""
    subject: dict[str, str] = {}
    obj: dict[str, str] = {}
    relation: dict[str, str] = {}
    for t in triples:
        p = t.predicate.value
        if p == CG + "mappingSubject":
            subject[term_value(t.subject)] = term_value(t.object)
        elif p == CG + "mappingObject":
            obj[term_value(t.subject)] = term_value(t.object)
        elif p == CG + "relation" and term_value(t.object) in RELATION_IRIS:
            relation[term_value(t.subject)] = term_value(t.object)
    return [
        AssertedEdge(m, subject[m], Relation.from_iri(relation[m]), obj[m])
        for m in sorted(relation)
        if m in subject and m in obj
    ]


def _triple(s: str, rel: Relation, o: str) -> ox.Triple:
    return ox.Triple(ox.NamedNode(s), ox.NamedNode(rel.iri), ox.NamedNode(o))


def direct_triples(edges: Sequence[AssertedEdge]) -> list[ox.Triple]:
    """The bare ``A rel B`` triple materialised beside each mapping node, for querying."""
    return [_triple(e.subject, e.relation, e.object) for e in edges]


def composition_graphs(
    triples: Sequence[ox.Triple], *, max_hops: int
) -> tuple[dict[str, list[ox.Triple]], dict[str, int]]:
    """Run the composition engine over the shared asserted mappings in ``triples``.

    Returns the inferred, candidates and conflicts graphs, and the engine's counts.
    """
    edges = asserted_mappings(triples)
    parents = {term_value(t.subject): term_value(t.object) for t in triples if t.predicate.value == SKOS + "broader"}
    result = compose_mappings(edges, max_hops=max_hops, parent_of=parents.get)
    return result_graphs(edges, result), dict(result.stats)
