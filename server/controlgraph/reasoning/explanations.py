"""Explanations of results: chains between classes expanded into the asserted mappings they use.

The walk works on classes and possibility sets; a result names concrete controls and concrete
mappings. Expanding a chain (:meth:`ClassGraph.expand`) and taking its provenance
(:func:`chain_path`) costs far more than finding it, so a definite relation keeps only a recipe
(:class:`DefiniteRecipe`: the chains between classes and the pair to expand them for) and builds
its explanation when it is first read (:class:`InferredRelation`); a candidate likewise
(:class:`CandidateRecipe`).
"""

from __future__ import annotations

from collections.abc import Sequence

from controlgraph.reasoning import possibilities as P
from controlgraph.reasoning.chain_results import ChainPath, Explained, chain_path, chain_quality, weakest
from controlgraph.reasoning.class_graph import ClassGraph
from controlgraph.vocabulary import Rationale

Evidence = list[tuple[P.Possibilities, tuple[int, ...]]]
"""Chains between classes as (possibility set, classes after the start class, ending at the target)."""


def expanded_chain(
    graph: ClassGraph, s: int, path: tuple[int, ...], mask: P.Possibilities, a: int, c: int
) -> ChainPath:
    """The chain from class ``s`` through ``path`` as asserted mappings from control a to control c."""
    edges = graph.edges
    return chain_path([edges[k] for k in graph.expand(s, path, a, c)], mask)


class DefiniteRecipe:
    """What a definite relation needs to explain itself later: its chains between classes, kept as found.

    ``evidence`` is already cut to the chains the explanation may show (the narrowing ones first,
    an asserted link between the two classes before them); ``narrowing`` is how many of them
    narrowed the set during the walk.
    """

    __slots__ = ("a", "c", "evidence", "graph", "keep", "narrowing", "s", "total")

    def __init__(
        self,
        graph: ClassGraph,
        keep: int,
        s: int,
        pair: tuple[int, int],
        evidence: Evidence,
        narrowing: int,
        total: P.Possibilities,
    ) -> None:
        self.graph = graph
        self.keep = keep
        self.s = s
        self.a, self.c = pair
        self.evidence = evidence
        self.narrowing = narrowing
        self.total = total

    def explain(self) -> Explained:
        """The shown chains (the one or ones that decide the relation first) and the relation's provenance.

        A relation one chain gives alone takes that chain's provenance (the best such chain);
        one that needs several chains together takes the weakest of them.
        """
        g, s, a, c, total = self.graph, self.s, self.a, self.c, self.total
        chains = [expanded_chain(g, s, p, m, a, c) for m, p in self.evidence]
        exact = [ch for ch in chains if P.of_all(ch.possibilities) == total]
        strength: int | None
        confidence: float | None
        rationale: Rationale | None
        if exact:
            best = max(exact, key=chain_quality)
            strength, confidence, rationale = best.strength, best.confidence, best.rationale
            shown = [best] + [ch for ch in chains if ch is not best]
            needed = [best]
        else:
            # No single chain is enough: the relation needs the narrowing chains together.
            needed = supporting([(P.of_all(ch.possibilities), ch) for ch in chains], total)
            strength, confidence, rationale = combined(needed)
            shown = needed + [ch for ch in chains if ch not in needed]
        return tuple(shown[: max(self.keep, len(needed))]), strength, confidence, rationale


class CandidateRecipe:
    """What a candidate needs to build its shown chains later.

    The chains that narrow the possibility set to what it is come first, then the strongest
    others, then (room permitting) chains whose set is "any".
    """

    __slots__ = ("a", "any_paths", "c", "evidence", "graph", "keep", "possible", "s")

    def __init__(
        self,
        graph: ClassGraph,
        keep: int,
        s: int,
        pair: tuple[int, int],
        evidence: Evidence,
        any_paths: list[tuple[int, ...]],
        possible: P.Possibilities,
    ) -> None:
        self.graph = graph
        self.keep = keep
        self.s = s
        self.a, self.c = pair
        self.evidence = evidence
        self.any_paths = any_paths
        self.possible = possible

    def chains(self) -> tuple[ChainPath, ...]:
        g, s, a, c = self.graph, self.s, self.a, self.c
        chains = [expanded_chain(g, s, p, m, a, c) for m, p in self.evidence]
        needed = supporting([(P.of_all(ch.possibilities), ch) for ch in chains], self.possible)
        chains = needed + sorted((ch for ch in chains if ch not in needed), key=chain_quality, reverse=True)
        room = max(self.keep - len(chains), 0)
        chains += [expanded_chain(g, s, p, P.ANY, a, c) for p in self.any_paths[:room]]
        return tuple(chains[: self.keep])


def supporting(chains: Sequence[tuple[P.Possibilities, ChainPath]], goal: P.Possibilities) -> list[ChainPath]:
    """A small set of chains whose intersection is already ``goal``: greedy, then drop the redundant."""
    chosen: list[tuple[P.Possibilities, ChainPath]] = []
    mask = P.ANY
    for m, ch in sorted(chains, key=lambda item: P.size(item[0])):
        if mask & m != mask:
            chosen.append((m, ch))
            mask &= m
            if mask == goal:
                break
    for item in list(reversed(chosen)):
        rest = [x for x in chosen if x is not item]
        rest_mask = P.ANY
        for m, _ in rest:
            rest_mask &= m
        if rest_mask == goal:
            chosen = rest
    return [ch for _, ch in chosen]


def combined(chains: Sequence[ChainPath]) -> tuple[int | None, float | None, Rationale | None]:
    """Provenance of chains that decide a relation only together: the weakest of all of them."""
    return weakest([c.strength for c in chains], [c.confidence for c in chains], [c.rationale for c in chains])
