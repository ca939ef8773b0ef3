"""Sound composition of asserted mappings: definite inferences, ranked candidates and conflicts.

Input is a list of asserted mappings (:class:`AssertedMapping`), output is data; nothing here reads
or writes a store. Each mapping is also read backwards (with the inverse relation). For every pair
of equivalence classes joined by chains of 2..``max_hops`` links (see :mod:`class_graph`) and
holding controls of different frameworks, the engine composes each chain's relations with the
table of DESIGN.md section 2 (:mod:`possibilities`), intersects the results of all chains and of
any asserted mapping between the two, and reports:

- a **definite** relation when exactly one relation remains and the pair was not mapped directly;
- a **conflict** when nothing remains, naming the chains and mappings that cannot all be true;
- a **candidate** link otherwise, with its possibility set, its chains and a ranking score.

Choices (see docs/reasoning.md):

- Hops count links between classes; equal mappings inside a class are free. The walk
  (:mod:`possibility_walk`) propagates (class, possibility set) states, each with one witness chain.
- A chain whose possibility set reaches "any" is dropped from further extension: composing "any"
  with anything is "any" again, so it can neither narrow a pair nor be extended into evidence.
  This pruning is what keeps the walk tractable (intersects then intersects is already "any").
- Such "any" chains of exactly two links (A and C mapped to a common control) are still the
  naive-chaining signal the evaluation compares against; with ``shared_neighbour_candidates`` they
  make a candidate whose possibility set is "any", ranked below better-constrained ones by the
  score. Longer "any" chains are never reported.
- Strength of a chain is its weakest link's (None when any link has none); confidence is the
  product of the links' confidences, treated as independent (None when any link has none: an
  unknown is not invented as 1.0); rationale is the weakest (functional < semantic < syntactic,
  None when any link has none). A relation that needs several chains together takes the weakest
  of all of them.
"""

from __future__ import annotations

import gc
import heapq
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from controlgraph.reasoning import possibilities as P
from controlgraph.reasoning.candidate_ranking import CandidateWeights, ScoreTable
from controlgraph.reasoning.chain_results import (
    MAPPING_CHAINING,
    CandidateLink,
    ChainPath,
    CompositionResult,
    Conflict,
    EquivalenceClass,
    InferredRelation,
    chain_path,
)
from controlgraph.reasoning.class_graph import AssertedMapping, ClassGraph, FrameworkOf, framework_lookup
from controlgraph.reasoning.explanations import CandidateRecipe, DefiniteRecipe, expanded_chain, supporting
from controlgraph.reasoning.input_checks import check_inputs
from controlgraph.reasoning.possibility_walk import FirstChain, PairEvidence, grouped_links, walk_from
from controlgraph.vocabulary import Relation

__all__ = [
    "MAPPING_CHAINING",
    "AssertedMapping",
    "CandidateLink",
    "ChainPath",
    "CompositionResult",
    "Conflict",
    "EquivalenceClass",
    "InferredRelation",
    "compose_mappings",
]

ParentOf = Callable[[str], str | None]

_SIZE = tuple(P.size(mask) for mask in range(P.ANY + 1))  # relations left in each possibility set


@dataclass(slots=True)
class _Found:
    """A candidate scored during the walk, explained only if it is kept."""

    score: float
    start: int
    target: int
    pair: tuple[int, int] | None  # where to state it, when already worked out
    evidence: PairEvidence
    possible: P.Possibilities
    strength: int | None
    shared_parents: bool


def compose_mappings(
    edges: Sequence[AssertedMapping],
    framework_of: FrameworkOf | None = None,
    *,
    max_hops: int = 3,
    parent_of: ParentOf | None = None,
    shared_neighbour_candidates: bool = True,
    max_paths_kept: int = 5,
    max_candidates_per_control: int | None = None,
    weights: CandidateWeights | None = None,
    between: tuple[str, str] | None = None,
) -> CompositionResult:
    """Chain ``edges`` and report definite relations, ranked candidates and conflicts.

    ``framework_of`` maps a control to its framework (a callable or a dict); by default the slug
    is read from the control IRI. ``parent_of`` gives a control's parent, used to rank candidates
    whose parents are mapped to each other. Each result shows at most ``max_paths_kept`` chains
    (those that narrow its possibility set first) and counts all. A candidate is kept when it is
    among the ``max_candidates_per_control`` best of either of its controls' classes (None keeps all).
    ``between`` (two framework slugs) settles only class pairs that hold a control of each: the
    results for those pairs are exactly those of a full run (the walk from the lower class of each
    pair is the one that records it), at a fraction of the cost; the probability model's
    leave-one-set-out fitting uses it.
    """
    if max_hops < 1:
        raise ValueError(f"max_hops must be at least 1, got {max_hops}")
    edges, findings = check_inputs(edges, lambda name: framework_lookup(framework_of, name))
    graph = ClassGraph(edges, framework_of)
    if max_candidates_per_control is not None and max_candidates_per_control < 1:
        raise ValueError(f"max_candidates_per_control must be at least 1 or None, got {max_candidates_per_control}")
    run = _Run(graph, max_hops, parent_of, shared_neighbour_candidates, max_paths_kept, weights or CandidateWeights())
    run.cap = max_candidates_per_control
    # The walk creates millions of small acyclic objects; the cyclic garbage collector would
    # rescan them over and over (a third of the run time on large graphs) and can find nothing.
    collecting = gc.isenabled()
    gc.disable()
    try:
        run.asserted_conflicts()
        starts = range(len(graph.members))
        if between is not None:
            wanted = set(between)
            run.targets = {c for c, m in enumerate(graph.members) if {graph.framework[i] for i in m} & wanted}
            starts = sorted(run.targets)  # type: ignore[assignment]
        for start in starts:
            run.walk(start)
        run.result.candidates = run.candidates()
        # Still inside: with the collector back on, these allocations would trigger full scans of
        # the millions of result objects just built.
        run.result.equivalence_classes = [
            EquivalenceClass(
                tuple(graph.names[i] for i in m),
                tuple(sorted({graph.edges[k].mapping for i in m for _, k in graph.equal_adjacency[i]})),
            )
            for m in graph.members
            if len(m) > 1
        ]
    finally:
        if collecting:
            gc.enable()
    run.result.findings = findings
    run.result.graph = graph
    run.result.edges = list(edges)
    run.result.stats.update(
        findings=len(findings),
        controls=len(graph.names),
        classes=len(graph.members),
        links=len(graph.links),
        definite=len(run.result.definite),
        candidates=len(run.result.candidates),
        conflicts=len(run.result.conflicts),
    )
    return run.result


class _Run:
    def __init__(
        self,
        graph: ClassGraph,
        max_hops: int,
        parent_of: ParentOf | None,
        shared_neighbour: bool,
        max_paths_kept: int,
        weights: CandidateWeights,
    ) -> None:
        self.g = graph
        self.max_hops = max_hops
        self.parent_of = parent_of
        self.shared_neighbour = shared_neighbour
        self.keep = max_paths_kept
        self.weights = weights
        self._scores = ScoreTable(weights)
        self.result = CompositionResult()
        self.result.stats.update(chains=0, pruned_any=0)
        self._conflict_keys: set[frozenset[str]] = set()
        self.cap: int | None = None
        self.targets: set[int] | None = None  # classes worth settling pairs with (``between``), None: all
        self._candidates: list[_Found] = []
        self._best: dict[int, list[tuple[float, int, _Found]]] = {}
        self._sequence = 0
        self._groups = grouped_links(graph)

    # ------------------------------------------------------------------ walking

    def walk(self, start: int) -> None:
        """Walk from class ``start`` (:func:`walk_from`) and settle every class pair above it reached."""
        found, chains, pruned = walk_from(
            start, self._groups, self.g.sole_framework, self.max_hops, self.keep, self.shared_neighbour
        )
        self.result.stats["chains"] += chains
        self.result.stats["pruned_any"] += pruned
        settle, offer = self._settle, self._offer
        asserted = dict(self.g.adjacency[start])
        scored_alone = self.parent_of is None  # else the score needs the pair's parents
        targets = self.targets
        for target, ev in found.items():
            if targets is not None and target not in targets:
                continue
            link = asserted.get(target)
            if isinstance(ev, tuple):
                # One chain, the common case: as a candidate it is scored straight from the
                # chain, and most are dropped at once by the ranking cap.
                mask = ev[0]
                if link is None and scored_alone and _SIZE[mask] > 1:
                    offer(start, target, ev, mask, 1, ev[3], ev[4])
                    continue
                ev = PairEvidence(*ev)
            settle(start, target, ev, link)
        # Class pairs mapped directly but not reached by any chain still give every other member
        # pair of the two classes a relation (through the equal mappings).
        g = self.g
        for nxt, mask in g.adjacency[start]:
            wanted = targets is None or nxt in targets
            if nxt > start and nxt not in found and g.cross_framework(start, nxt) and wanted:
                settle(start, nxt, PairEvidence(), mask)

    # ------------------------------------------------------------------ settling one pair

    def _settle(self, s: int, t: int, ev: PairEvidence, asserted: P.Possibilities | None) -> None:
        """Decide one class pair; ``asserted`` is the set of the link joining them directly, if any."""
        total = ev.mask if asserted is None else ev.mask & asserted
        if total == P.NONE:
            self._conflict(s, t, ev, asserted)
            return
        if asserted is not None:
            if _SIZE[total] != 1:
                return
            if _SIZE[asserted] > 1:
                # The chains sharpen what the mappings say (an untyped reference shown to be subset-of).
                self._definite(s, t, ev, asserted, total, self._pair(s, t, ev))
                return
            pair = self._unasserted_pair(s, t)
            if pair is not None:
                self._definite(s, t, ev, asserted, total, pair)
            return
        if _SIZE[total] == 1:
            self._definite(s, t, ev, None, total, self._pair(s, t, ev))
        elif ev.count or ev.any_count:
            self._candidate(s, t, ev, total)

    def _pair(self, s: int, t: int, ev: PairEvidence) -> tuple[int, int]:
        """Where to state a class-level result: the ends of its first chain, if they differ in framework."""
        g = self.g
        paths = [p for _, p in ev.narrowing] + [p for _, p in ev.kept] + ev.any_kept
        if paths:
            first = paths[0]
            a = g.end_in(g.links[(min(s, first[0]), max(s, first[0]))].best, s)
            before = s if len(first) == 1 else first[-2]
            c = g.end_in(g.links[(min(before, t), max(before, t))].best, t)
            if g.framework[a] != g.framework[c]:
                return a, c
        for a in g.members[s]:
            for c in g.members[t]:
                if g.framework[a] != g.framework[c]:
                    return a, c
        raise AssertionError("a cross-framework class pair has no cross-framework member pair")

    def _unasserted_pair(self, s: int, t: int) -> tuple[int, int] | None:
        """A member pair of two directly mapped classes that has no mapping of its own, if any."""
        g = self.g
        if len(g.members[s]) == 1 and len(g.members[t]) == 1:
            return None
        link = g.links[(min(s, t), max(s, t))]
        mapped = set()
        for k in link.edges:
            e = g.edges[k]
            x, y = g.index[e.subject], g.index[e.object]
            mapped.add((x, y))
            mapped.add((y, x))
        for a in g.members[s]:
            for c in g.members[t]:
                if g.framework[a] != g.framework[c] and (a, c) not in mapped:
                    return a, c
        return None

    def _chain(self, s: int, path: tuple[int, ...], mask: P.Possibilities, a: int, c: int) -> ChainPath:
        return expanded_chain(self.g, s, path, mask, a, c)

    def _equivalents(self, cls: int, member: int) -> tuple[str, ...]:
        return tuple(self.g.names[i] for i in self.g.members[cls] if i != member)

    def _definite(
        self,
        s: int,
        t: int,
        ev: PairEvidence,
        asserted: P.Possibilities | None,
        total: P.Possibilities,
        pair: tuple[int, int],
    ) -> None:
        """State a definite relation; its chains are expanded into mappings only when first read."""
        a, c = pair
        evidence = ev.narrowing + ev.kept
        if asserted is not None:
            evidence.insert(0, (asserted, (t,)))
        del evidence[max(self.keep, len(ev.narrowing) + 1) :]
        relation = P.single(total)
        assert relation is not None
        self.result.definite.append(
            InferredRelation(
                self.g.names[a],
                self.g.names[c],
                relation,
                path_count=ev.count + (asserted is not None),
                subject_equivalents=self._equivalents(s, a),
                object_equivalents=self._equivalents(t, c),
                pending=DefiniteRecipe(self.g, self.keep, s, pair, evidence, len(ev.narrowing), total),
            )
        )

    def _candidate(self, s: int, t: int, ev: PairEvidence, total: P.Possibilities) -> None:
        """Score a candidate on its chains between classes (:meth:`_offer`)."""
        if self.parent_of is not None:
            pair: tuple[int, int] | None = self._pair(s, t, ev)
            shared = pair is not None and self._parents_linked(*pair)
        else:
            pair, shared = None, False
        self._offer(s, t, ev, total, ev.independent, ev.strength, ev.publisher_bits, pair, shared)

    def _offer(
        self,
        s: int,
        t: int,
        ev: PairEvidence | FirstChain,
        total: P.Possibilities,
        independent: int,
        strength: int,
        publisher_bits: int,
        pair: tuple[int, int] | None = None,
        shared: bool = False,
    ) -> None:
        """Keep a scored candidate while it ranks among the best of either end (all when uncapped).

        Explanations (the expansion into concrete mappings) are built only for the candidates kept.
        ``strength`` is a rank (-1 unknown); publishers are a bitmask, so agreement is a popcount.
        """
        score = self._scores.score(independent, _SIZE[total], strength, publisher_bits.bit_count(), shared)
        self._sequence += 1
        cap = self.cap
        if cap is not None:
            # Most class pairs of a large walk end here: among the best of neither end, they are
            # never explained, so nothing is built for them.
            heap_s, heap_t = self._best.get(s), self._best.get(t)
            if (
                heap_s is not None
                and heap_t is not None
                and len(heap_s) >= cap
                and len(heap_t) >= cap
                and score <= heap_s[0][0]
                and score <= heap_t[0][0]
            ):
                return
        if isinstance(ev, tuple):
            ev = PairEvidence(*ev)
        ev.used.clear()  # only needed while walking
        found = _Found(score, s, t, pair, ev, total, strength if strength >= 0 else None, shared)
        if cap is None:
            self._candidates.append(found)
            return
        # Later candidates lose ties (the sequence is negated).
        item = (score, -self._sequence, found)
        for end in (s, t):
            heap = self._best.setdefault(end, [])
            if len(heap) < cap:
                heapq.heappush(heap, item)
            elif item > heap[0]:
                heapq.heapreplace(heap, item)

    def candidates(self) -> list[CandidateLink]:
        """The kept candidates with their explanations, best first."""
        if self.cap is None:
            kept = self._candidates
        else:
            unique = {id(f): f for heap in self._best.values() for _, _, f in heap}
            kept = list(unique.values())
        out = [self._explain_candidate(f) for f in kept]
        out.sort(key=lambda c: (-c.score, c.subject, c.object))
        return out

    def _explain_candidate(self, f: _Found) -> CandidateLink:
        """The candidate as reported; its chains are expanded into mappings only when first read."""
        s, t, ev = f.start, f.target, f.evidence
        a, c = pair = f.pair or self._pair(s, t, ev)
        return CandidateLink(
            self.g.names[a],
            self.g.names[c],
            P.relations(f.possible),
            path_count=ev.count + ev.any_count,
            independent_paths=ev.independent,
            publishers=self._publishers(s, ev),
            strength=f.strength,
            shared_parents=f.shared_parents,
            score=f.score,
            subject_equivalents=self._equivalents(s, a),
            object_equivalents=self._equivalents(t, c),
            pending=CandidateRecipe(self.g, self.keep, s, pair, ev.narrowing + ev.kept, ev.any_kept, f.possible),
        )

    def _publishers(self, s: int, ev: PairEvidence) -> frozenset[str]:
        """Publishers of the mappings on a candidate's chains between classes (parallel mappings included)."""
        g = self.g
        out: set[str] = set()
        for path in [p for _, p in ev.narrowing] + [p for _, p in ev.kept] + ev.any_kept:
            previous = s
            for cls in path:
                out |= g.links[(min(previous, cls), max(previous, cls))].publishers
                previous = cls
        return frozenset(out)

    def _parents_linked(self, a: int, c: int) -> bool:
        """True when the two controls' parents are equal or mapped to each other (not as not-related)."""
        if self.parent_of is None:
            return False
        g = self.g
        pa, pc = self.parent_of(g.names[a]), self.parent_of(g.names[c])
        if pa is None or pc is None or pa not in g.index or pc not in g.index:
            return False
        ca, cc = g.class_of[g.index[pa]], g.class_of[g.index[pc]]
        if ca == cc:
            return True
        mask = g.link_mask(ca, cc)
        return mask is not None and P.admits_overlap(mask)

    # ------------------------------------------------------------------ conflicts

    def _conflict(self, s: int, t: int, ev: PairEvidence, asserted: P.Possibilities | None) -> None:
        a, c = self._pair(s, t, ev)
        candidates = [(m, p) for m, p in ev.narrowing]
        if asserted is not None:
            candidates.insert(0, (asserted, (t,)))
        chains = [(m, self._chain(s, p, m, a, c)) for m, p in candidates]
        needed = supporting(chains, P.NONE)
        self._add_conflict(Conflict(self.g.names[a], self.g.names[c], tuple(needed)))

    def _add_conflict(self, conflict: Conflict) -> None:
        # One contradiction shows up from each pair it touches (A-B, B-C, A-C); report it once.
        key = frozenset(m for ch in conflict.evidence for m in ch.mappings)
        if key not in self._conflict_keys:
            self._conflict_keys.add(key)
            self.result.conflicts.append(conflict)

    def asserted_conflicts(self) -> None:
        """Contradictions inside the asserted data: parallel mappings, and non-equal mappings within a class."""
        g = self.g
        for link in g.contradictory_links:
            # Parallel mappings may meet the two classes at different members: each is shown from
            # the same pair of controls, through the equal mappings that make them parallel.
            a, c = g.end_in(link.edges[0], link.low), g.end_in(link.edges[0], link.high)
            evidence = []
            for k in link.edges:
                e = g.edges[k]
                mask = e.mask if g.class_of[g.index[e.subject]] == link.low else P.inverse(e.mask)
                route = [*g.equal_chain(a, g.end_in(k, link.low)), k, *g.equal_chain(g.end_in(k, link.high), c)]
                evidence.append(chain_path([g.edges[j] for j in route], mask))
            self._add_conflict(Conflict(g.names[a], g.names[c], tuple(evidence)))
        for k in g.intra_class:
            e = g.edges[k]
            x, y = g.index[e.subject], g.index[e.object]
            # A direct equal mapping is the plainest explanation; else the route through the class.
            direct_equal = [j for n, j in g.equal_adjacency[x] if n == y][:1]
            route = direct_equal or g.equal_chain(x, y)
            equal_route = chain_path([g.edges[j] for j in route], P.of(Relation.EQUAL))
            direct = chain_path([e], e.mask)
            self._add_conflict(Conflict(e.subject, e.object, (equal_route, direct)))
