"""Explain the relation between two controls: every chain of asserted mappings joining them.

Each chain is composed with the table of DESIGN.md section 2; the possibility sets of all chains
and of any direct mapping are intersected. One relation left is a definite inference, none is a
conflict between sources, several that admit overlap make a candidate for a human to confirm.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from controlgraph.reasoning import possibilities as P
from controlgraph.reasoning.class_graph import AssertedMapping
from controlgraph.vocabulary import Relation

MAX_CHAINS = 500  # an explanation past this many chains is no longer readable; the count is still given


@dataclass(frozen=True)
class Step:
    mapping: str
    mapping_set: str | None
    subject: str
    relation: Relation  # read in the direction of the walk
    object: str


@dataclass(frozen=True)
class Chain:
    steps: tuple[Step, ...]
    possibilities: frozenset[Relation]


@dataclass
class Explanation:
    subject: str
    object: str
    direct: list[Step]
    chains: list[Chain]
    chains_total: int
    possibilities: frozenset[Relation]

    @property
    def verdict(self) -> str:
        if not self.possibilities:
            return "conflict"
        if len(self.possibilities) == 1:
            return "asserted" if self.direct else "definite"
        if self.possibilities == frozenset({Relation.NOT_RELATED}) or not (self.direct or self.chains):
            return "unknown"
        return "candidate"


def explain(edges: Sequence[AssertedMapping], subject: str, obj: str, *, max_hops: int = 3) -> Explanation:
    adjacency: dict[str, list[Step]] = defaultdict(list)
    for e in edges:
        adjacency[e.subject].append(Step(e.mapping, e.mapping_set, e.subject, e.relation, e.object))
        adjacency[e.object].append(Step(e.mapping, e.mapping_set, e.object, e.relation.inverse, e.subject))
    direct = [s for s in adjacency.get(subject, []) if s.object == obj]
    mask = P.ANY
    for step in direct:
        mask &= P.of(step.relation)
    chains: list[Chain] = []
    total = 0
    stack: list[tuple[str, tuple[Step, ...], P.Possibilities]] = [(subject, (), P.of(Relation.EQUAL))]
    while stack:
        node, path, so_far = stack.pop()
        for step in adjacency.get(node, []):
            if step.object == subject or any(s.subject == step.object for s in path):
                continue  # simple chains only
            composed = P.compose(so_far, P.of(step.relation))
            if step.object == obj:
                if path:  # a direct mapping is not a chain
                    total += 1
                    mask &= composed
                    if len(chains) < MAX_CHAINS:
                        chains.append(Chain((*path, step), P.relations(composed)))
                continue
            if len(path) + 1 < max_hops:
                stack.append((step.object, (*path, step), composed))
    chains.sort(key=lambda c: (P.size(P.of_all(c.possibilities)), len(c.steps), [s.mapping for s in c.steps]))
    return Explanation(subject, obj, direct, chains, total, P.relations(mask))
