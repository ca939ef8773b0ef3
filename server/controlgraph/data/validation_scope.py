"""Which focus nodes a change can affect, so SHACL validation can be proportional to the change.

A full validation checks every target of every shape. When a graph that conformed changes by a set
of triples (added or removed), only the focus nodes whose shapes *read* one of those triples can
change their result. :func:`affected_nodes` over-approximates that set from how far the shapes this
project ships (ontology/shapes/controlgraph-shapes.ttl) read from a focus node F, following links
(triples between two nodes) forwards ("out") and backwards ("in"):

- F's own triples: property shapes, and whether F is a target at all (``rdf:type``, ``sh:targetSubjectsOf``);
- out(F): the ``rdf:type`` of the nodes F links to (``sh:class``);
- in(F): the nodes linking to F (a framework's controls, a mapping set's mappings) and their triples;
- out(in(F)): what those link to (a control's parent, read for "parent in another framework");
- in(out(in(F))): the mappings sharing a control with one of F's mappings ("equal and not-related").

Every changed triple has a subject s, and whatever link the triple is sits in the graph before or after.
Inverting the reach above, the focus nodes a change can affect are, with N the changed triples'
subjects, over the union of the old and the new graph::

    N | in(N) | out(N) | out(in(N)) | out(in(out(N)))

Vocabulary terms (the ontology's and the W3C/SSSOM namespaces) are no data nodes: no shape reads their
triples through a link, so links into them are not followed (every mapping links to ``cg:equal`` or one
of its siblings). A change to a vocabulary term's own triples, or a scope reaching a blank node
(pyshacl's focus-node option takes IRIs only), asks for a full validation (:attr:`Scope.full`).

A new shape that reads further than this (a longer path, a SPARQL constraint over other nodes) must widen
:func:`affected_nodes`; ``tests/test_validation_scope.py`` compares scoped with full validation on the
bad-input corpus and on random edits, and fails when a scoped validation misses a violation.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox

from controlgraph.vocabulary import CG, DCTERMS, OWL, PROV, RDF, RDFS, SEMAPV, SH, SKOS, SSSOM, XSD

_RDF_TYPE = RDF + "type"
VOCABULARIES = (CG, SKOS, DCTERMS, RDF, RDFS, OWL, XSD, PROV, SSSOM, SEMAPV, SH)


def is_vocabulary(iri: str) -> bool:
    return iri.startswith(VOCABULARIES)


@dataclass
class Scope:
    """The focus nodes to validate (IRIs), or ``full`` when only a full validation is sound.

    ``context`` holds the nodes whose triples the shapes read when validating ``nodes`` (the reach in the
    module text: F, out(F), in(F), out(in(F)), in(out(in(F))) for every focus node F).
    """

    nodes: set[str] = field(default_factory=set)
    full: bool = False
    context: set[str] = field(default_factory=set)

    def context_triples(self, data: Iterable[ox.Triple]) -> list[ox.Triple]:
        """The triples of ``data`` a validation of :attr:`nodes` reads: those of the context nodes, and
        the vocabulary's own (the ontology's class hierarchy serves ``sh:class`` and ``sh:targetClass``)."""
        context = self.context
        return [t for t in data if (t.subject.value if isinstance(t.subject, ox.NamedNode) else str(t.subject))
                in context or (isinstance(t.subject, ox.NamedNode) and is_vocabulary(t.subject.value))]


class LinkIndex:
    """Who links to whom (IRI to IRI, ``rdf:type`` and vocabulary objects left out), for many graphs."""

    def __init__(self) -> None:
        self.out: defaultdict[str, set[str]] = defaultdict(set)
        self.into: defaultdict[str, set[str]] = defaultdict(set)

    def add(self, triples: Iterable[ox.Triple]) -> LinkIndex:
        out, into = self.out, self.into
        for t in triples:
            o = t.object
            if isinstance(o, ox.Literal) or t.predicate.value == _RDF_TYPE:
                continue
            target = _node(o)
            if isinstance(o, ox.NamedNode) and is_vocabulary(target):
                continue
            source = _node(t.subject)
            out[source].add(target)
            into[target].add(source)
        return self


def _node(term: ox.NamedNode | ox.BlankNode | ox.Triple) -> str:
    """The IRI of a named node; a blank node (or quoted triple) in N-Triples form ("_:b1")."""
    return term.value if isinstance(term, ox.NamedNode) else str(term)


def affected_nodes(changed: Iterable[ox.Triple], links: LinkIndex) -> Scope:
    """The focus nodes whose result may differ after ``changed`` (see the module text for the rule).

    ``links`` must index both the graph before and the graph after the change (their union).
    """
    out, into = links.out, links.into
    subjects: set[str] = set()
    for t in changed:
        if isinstance(t.subject, ox.NamedNode) and is_vocabulary(t.subject.value):
            return Scope(full=True)  # the vocabulary itself changed (an ontology edit)
        subjects.add(_node(t.subject))

    def step(nodes: set[str], edges: dict[str, set[str]]) -> set[str]:
        return {m for n in nodes for m in edges.get(n, ())}

    linking, linked = step(subjects, into), step(subjects, out)
    scope = subjects | linking | linked | step(linking, out) | step(step(linked, into), out)
    if any(n.startswith(("_:", "<<")) for n in scope):
        return Scope(full=True)
    reached_in = step(scope, into)
    reached_in_out = step(reached_in, out)
    context = scope | step(scope, out) | reached_in | reached_in_out | step(reached_in_out, into)
    return Scope(nodes=scope, context=context)


def triple_difference(before: Iterable[ox.Triple], after: Iterable[ox.Triple]) -> list[ox.Triple]:
    """Triples in exactly one of ``before`` and ``after`` (blank node ids compared as they are)."""
    old, new = set(before), set(after)
    return [*(old - new), *(new - old)]
