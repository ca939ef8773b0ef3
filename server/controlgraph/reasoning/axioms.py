"""The closure of the five relation properties under the ontology's OWL axioms.

Axioms (ontology/controlgraph.ttl): equal is symmetric and transitive; subset-of is transitive
and the inverse of superset-of, and chains through equal on either side; intersects-with and
not-related are symmetric. owlrl computes the same entailments with a generic OWL-RL closure over
the whole graph (over a minute on 36k triples); here only the relation edges are touched:
equal becomes equivalence classes (union-find), subset-of becomes reachability between classes.
A test checks both agree.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from controlgraph.vocabulary import Relation

Edge = tuple[str, Relation, str]


class EquivalenceClasses:
    """Union-find over controls joined by ``equal``."""

    def __init__(self) -> None:
        self._parent: dict[str, str] = {}

    def find(self, node: str) -> str:
        parent = self._parent.setdefault(node, node)
        if parent != node:
            root = self.find(parent)
            self._parent[node] = root
            return root
        return node

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            # Deterministic representative: the smaller IRI.
            low, high = sorted((ra, rb))
            self._parent[high] = low

    def classes(self) -> dict[str, list[str]]:
        members: dict[str, list[str]] = defaultdict(list)
        for node in list(self._parent):
            members[self.find(node)].append(node)
        return {root: sorted(nodes) for root, nodes in members.items()}


def relation_closure(edges: Iterable[Edge]) -> set[Edge]:
    """Every relation edge the axioms entail, asserted ones included, reflexive ones left out."""
    edges = list(edges)
    eq = EquivalenceClasses()
    for s, rel, o in edges:
        eq.find(s)
        eq.find(o)
        if rel is Relation.EQUAL:
            eq.union(s, o)
    members = eq.classes()

    # subset-of between classes (superset-of read backwards), then reachability.
    up: dict[str, set[str]] = defaultdict(set)
    symmetric: list[Edge] = []
    for s, rel, o in edges:
        if rel is Relation.SUBSET_OF:
            up[eq.find(s)].add(eq.find(o))
        elif rel is Relation.SUPERSET_OF:
            up[eq.find(o)].add(eq.find(s))
        elif rel in (Relation.INTERSECTS_WITH, Relation.NOT_RELATED):
            symmetric.append((s, rel, o))

    closure: set[Edge] = set()
    for _root, nodes in members.items():
        for a in nodes:
            for b in nodes:
                if a != b:
                    closure.add((a, Relation.EQUAL, b))
    for start in list(up):
        for reached in _reachable(start, up):
            for a in members[start]:
                for b in members[reached]:
                    if a != b:
                        closure.add((a, Relation.SUBSET_OF, b))
                        closure.add((b, Relation.SUPERSET_OF, a))
    for s, rel, o in symmetric:
        closure.add((s, rel, o))
        closure.add((o, rel, s))
    return closure


def _reachable(start: str, up: dict[str, set[str]]) -> set[str]:
    seen: set[str] = set()
    stack = list(up.get(start, ()))
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        stack.extend(up.get(node, ()))
    return seen
