"""Which focus nodes a change can affect, so SHACL validation can be proportional to the change.

A full validation checks every target of every shape. When a graph that conformed changes by a set
of triples (added or removed), only the focus nodes whose shapes *read* one of those triples can
change their result. :func:`affected_nodes` over-approximates that set from what the shapes this
project ships (ontology/shapes/controlgraph-shapes.ttl) read from a focus node F. Links are followed
only along the predicates a shape reads through, forwards ("out") and backwards ("in"):

- F's own triples: property shapes, and whether F is a target at all (``rdf:type``, ``sh:targetSubjectsOf``);
- the ``rdf:type`` of the nodes F links to (``sh:class``, on any path);
- a framework: its controls (``skos:inScheme`` in), their notations and parents (``skos:broader`` out)
  and the parents' ``skos:inScheme`` (duplicate notations, a parent in another framework);
- a mapping set: its mappings (``cg:inMappingSet`` in), their controls (``cg:mappingSubject`` /
  ``cg:mappingObject`` out) and the other mappings of those controls (same, in): "equal and not-related";
- a control: the mappings naming it as subject (``cg:mappingSubject`` in), for a bare relation triple.

Inverting that reach, a changed triple ``s p o`` (in the graph before or after the change) can affect:
s itself; when p is ``rdf:type``, every node linking to s; the framework of s (``skos:inScheme`` out)
when p is ``skos:inScheme``, ``skos:notation`` or ``skos:broader``, and the frameworks of s's children
when p is ``skos:inScheme``; when p is one of the mapping predicates, the set of s, the sets of the
mappings naming both controls of a pair s names, and s's subject. Following every link instead (a mapping set
links to its frameworks, a framework to all its controls) made a two-row mapping file read almost
the whole store.

Vocabulary terms (the ontology's and the W3C/SSSOM namespaces) are no data nodes: no shape reads their
triples through a link, so links into them are not followed (every mapping links to ``cg:equal`` or one
of its siblings). A change to a vocabulary term's own triples, or a scope reaching a blank node
(pyshacl's focus-node option takes IRIs only), asks for a full validation (:attr:`Scope.full`).

A new shape that reads further than this (a longer path, a SPARQL constraint over other nodes) must widen
:func:`affected_nodes` and :func:`_reach`; ``tests/test_validation_scope.py`` compares scoped with full
validation on the bad-input corpus and on random edits, and fails when a scoped validation misses a violation.
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


_IN_SCHEME, _NOTATION, _BROADER = SKOS + "inScheme", SKOS + "notation", SKOS + "broader"
_IN_SET, _RELATION = CG + "inMappingSet", CG + "relation"
_SUBJECT, _OBJECT = CG + "mappingSubject", CG + "mappingObject"
_CONTROLS_OF_MAPPING = (_SUBJECT, _OBJECT)
_MAPPING_PREDICATES = frozenset({_IN_SET, _SUBJECT, _OBJECT, _RELATION})
_FRAMEWORK_PREDICATES = frozenset({_IN_SCHEME, _NOTATION, _BROADER})
# The links a shape reads through (beyond rdf:type, read through any link): indexed by predicate.
_TYPED = (_IN_SCHEME, _BROADER, _IN_SET, _SUBJECT, _OBJECT)


@dataclass
class Scope:
    """The focus nodes to validate (IRIs), or ``full`` when only a full validation is sound.

    ``context`` holds the nodes whose triples the shapes read when validating ``nodes`` (the reach in the
    module text, for every focus node).
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


Edges = dict[str, set[str]]


class LinkIndex:
    """Who links to whom (IRI to IRI, ``rdf:type`` and vocabulary objects left out), for many graphs:
    through any predicate (``out``, ``into``) and through each predicate a shape reads (``typed_out``,
    ``typed_into``)."""

    def __init__(self) -> None:
        self.out: defaultdict[str, set[str]] = defaultdict(set)
        self.into: defaultdict[str, set[str]] = defaultdict(set)
        self.typed_out: dict[str, defaultdict[str, set[str]]] = {p: defaultdict(set) for p in _TYPED}
        self.typed_into: dict[str, defaultdict[str, set[str]]] = {p: defaultdict(set) for p in _TYPED}

    def add(self, triples: Iterable[ox.Triple]) -> LinkIndex:
        out, into, typed_out, typed_into = self.out, self.into, self.typed_out, self.typed_into
        for t in triples:
            o = t.object
            predicate = t.predicate.value
            if isinstance(o, ox.Literal) or predicate == _RDF_TYPE:
                continue
            target = _node(o)
            if isinstance(o, ox.NamedNode) and is_vocabulary(target):
                continue
            source = _node(t.subject)
            out[source].add(target)
            into[target].add(source)
            if predicate in typed_out:
                typed_out[predicate][source].add(target)
                typed_into[predicate][target].add(source)
        return self

    def step(self, nodes: Iterable[str], *predicates: str, back: bool = False) -> set[str]:
        """The nodes linked from ``nodes`` (``back``: linking to them) through ``predicates`` (none: any)."""
        if not predicates:
            edges: list[Edges] = [self.into if back else self.out]
        else:
            edges = [(self.typed_into if back else self.typed_out)[p] for p in predicates]
        return {m for n in nodes for e in edges for m in e.get(n, ())}


def _node(term: ox.NamedNode | ox.BlankNode | ox.Triple) -> str:
    """The IRI of a named node; a blank node (or quoted triple) in N-Triples form ("_:b1")."""
    return term.value if isinstance(term, ox.NamedNode) else str(term)


def affected_nodes(changed: Iterable[ox.Triple], links: LinkIndex) -> Scope:
    """The focus nodes whose result may differ after ``changed`` (see the module text for the rule).

    ``links`` must index both the graph before and the graph after the change (their union).
    """
    step = links.step
    subjects: set[str] = set()
    typed: set[str] = set()  # subjects whose rdf:type changed
    framework: set[str] = set()  # subjects of a changed skos:inScheme, skos:notation or skos:broader
    parents: set[str] = set()  # subjects of a changed skos:inScheme (as a parent of other controls)
    mappings: set[str] = set()  # subjects of a changed mapping predicate
    for t in changed:
        if isinstance(t.subject, ox.NamedNode) and is_vocabulary(t.subject.value):
            return Scope(full=True)  # the vocabulary itself changed (an ontology edit)
        s, p = _node(t.subject), t.predicate.value
        subjects.add(s)
        if p == _RDF_TYPE:
            typed.add(s)
        elif p in _FRAMEWORK_PREDICATES:
            framework.add(s)
            if p == _IN_SCHEME:
                parents.add(s)
        elif p in _MAPPING_PREDICATES:
            mappings.add(s)
    sharing = _sharing_a_pair(mappings, links)
    scope = (subjects | step(typed, back=True) | step(framework, _IN_SCHEME)
             | step(step(parents, _BROADER, back=True), _IN_SCHEME)
             | step(mappings | sharing, _IN_SET) | step(mappings, _SUBJECT))
    if any(n.startswith(("_:", "<<")) for n in scope):
        return Scope(full=True)
    return Scope(nodes=scope, context=_reach(scope, links))


def _sharing_a_pair(mappings: set[str], links: LinkIndex) -> set[str]:
    """The mappings naming both controls of a pair one of ``mappings`` names as subject and object (either
    way round, or one control for a pair of one): the only ones an "equal and not-related" match can pair
    with. Over the union of the graphs before and after the change, so every pair either held counts."""
    step = links.step
    found: set[str] = set()
    for m in mappings:
        pairs = {frozenset((a, b)) for a in step((m,), _SUBJECT) for b in step((m,), _OBJECT)}
        for other in step(step((m,), *_CONTROLS_OF_MAPPING), *_CONTROLS_OF_MAPPING, back=True):
            named = step((other,), *_CONTROLS_OF_MAPPING)
            if any(pair <= named for pair in pairs):
                found.add(other)
    return found


def _reach(focus: set[str], links: LinkIndex) -> set[str]:
    """The nodes whose triples validating ``focus`` reads (the reach in the module text)."""
    step = links.step
    controls = step(focus, _IN_SCHEME, back=True)
    members = step(focus, _IN_SET, back=True)
    mapped = step(members, *_CONTROLS_OF_MAPPING)
    return (focus | step(focus) | controls | step(controls, _BROADER) | members | mapped
            | step(mapped, *_CONTROLS_OF_MAPPING, back=True) | step(focus, _SUBJECT, back=True))


def triple_difference(before: Iterable[ox.Triple], after: Iterable[ox.Triple]) -> list[ox.Triple]:
    """Triples in exactly one of ``before`` and ``after`` (blank node ids compared as they are)."""
    old, new = set(before), set(after)
    return [*(old - new), *(new - old)]
