"""What of the rest of the graph a new dataset must be validated with: its neighbourhood, not everything.

The store was valid before the write, so only focus nodes whose shapes can see a difference need
checking: the nodes the dataset describes, the nodes it points at, the nodes pointing at those (a
mapping of a control the dataset redefines, a control of a framework it adds to, a child of an item
it adds), and the nodes it stops describing (a re-import that drops an item another graph maps).
Each of those is given with its full description, and so is everything it reaches through the
edges the shapes follow to check a class (framework, parent, mapping set, mapped controls), so a
node is never validated with half its properties. Nodes the shapes reach by no edge cannot change
verdict and are left out.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import pyoxigraph as ox

from controlgraph.vocabulary import CG, SKOS

# Edges along which a shape checks the class (or reads the properties) of the node at the other end.
CLASS_EDGES = frozenset({
    SKOS + "inScheme", SKOS + "broader", CG + "inMappingSet", CG + "mappingSubject", CG + "mappingObject",
    CG + "subjectFramework", CG + "objectFramework", CG + "supersedes",
})
_MAPPED = frozenset({CG + "mappingSubject", CG + "mappingObject"})
JOINED_EDGES = {  # an edge of the new content -> edges into the same node a shape joins it with
    SKOS + "inScheme": frozenset({SKOS + "inScheme"}),
    CG + "mappingSubject": _MAPPED,
    CG + "mappingObject": _MAPPED,
}


def neighbourhood(
    new: Sequence[ox.Triple], context: Sequence[ox.Triple], previous: Sequence[ox.Triple] = ()
) -> list[ox.Triple]:
    """The triples of ``context`` that validating ``new`` (replacing ``previous``) depends on."""
    by_subject: dict[ox.NamedNode | ox.BlankNode, list[ox.Triple]] = defaultdict(list)
    incoming: dict[tuple[str, ox.NamedNode], set[ox.NamedNode | ox.BlankNode]] = defaultdict(set)
    for t in context:
        by_subject[t.subject].append(t)  # type: ignore[index]
        if t.predicate.value in CLASS_EDGES and isinstance(t.object, ox.NamedNode):
            incoming[(t.predicate.value, t.object)].add(t.subject)  # type: ignore[arg-type]
    # Which edges into a node can meet the new content in a shape: all of them for a node the new content
    # describes (or stops describing); for a node it only points at, the edges of the same kind (another
    # control with the same notation in a framework, another mapping of the same control).
    wanted: dict[ox.NamedNode | ox.BlankNode, frozenset[str]] = {}
    described = {t.subject for t in new}
    gone = {t.subject for t in previous if t.subject not in described}
    for node in described | gone:
        wanted[node] = CLASS_EDGES  # type: ignore[index]
    for t in new:
        if isinstance(t.object, ox.NamedNode | ox.BlankNode) and t.predicate.value in JOINED_EDGES:
            wanted[t.object] = wanted.get(t.object, frozenset()) | JOINED_EDGES[t.predicate.value]
        elif isinstance(t.object, ox.NamedNode | ox.BlankNode):
            wanted.setdefault(t.object, frozenset())
    frontier: set[ox.NamedNode | ox.BlankNode] = set(wanted)
    for node, predicates in wanted.items():
        if isinstance(node, ox.NamedNode):
            for predicate in predicates:
                frontier |= incoming.get((predicate, node), set())
    scope: list[ox.Triple] = []
    seen: set[ox.NamedNode | ox.BlankNode] = set()
    stack = list(frontier)
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        for t in by_subject.get(node, ()):
            scope.append(t)
            if t.predicate.value in CLASS_EDGES and isinstance(t.object, ox.NamedNode | ox.BlankNode):
                stack.append(t.object)
            elif isinstance(t.object, ox.BlankNode):
                stack.append(t.object)  # a property value described by a blank node travels with it
    return scope
