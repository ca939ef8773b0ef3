"""From mapping nodes to relation triples: the direct triple beside each node, and the closure."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pyoxigraph as ox

from controlgraph.interop import term_value
from controlgraph.reasoning.axioms import relation_closure
from controlgraph.vocabulary import CG, RELATION_IRIS, Relation


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


def inferred_graph_triples(edges: Sequence[AssertedEdge]) -> tuple[list[ox.Triple], int]:
    """Relation triples entailed by the axioms beyond the asserted ones and their inverses; and their number.

    The inverse of an asserted mapping (B superset-of A for A subset-of B) is read from the mapping node
    itself, so it is not repeated here: the inferred graph holds only what chaining adds.
    """
    asserted = {(e.subject, e.relation, e.object) for e in edges}
    inverses = {(o, rel.inverse, s) for s, rel, o in asserted}
    entailed = relation_closure(asserted) - asserted - inverses
    triples = [_triple(s, rel, o) for s, rel, o in sorted(entailed, key=lambda e: (e[0], e[1].value, e[2]))]
    return triples, len(triples)
