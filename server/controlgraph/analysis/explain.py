"""Explain the relation between two controls: the chains joining them, the verdict, the probability.

One hop-counting rule, the engine's: mappings are read as the engine reads them (readings and
data-quality findings applied, :mod:`reasoning.input_checks`), controls joined by ``equal`` form
one class and crossing a class is free, parallel mappings between two classes are one link (their
sets intersected), and a chain is a walk of 1..``max_hops`` links that never revisits a class. The
verdict is the engine's own result for the pair (a run restricted to the two frameworks, exactly
as the full run decides it), so ``explain`` and ``satisfiers`` agree on every pair; the chains
listed are every such walk, each composed with the table of DESIGN.md section 2.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from controlgraph.reasoning import possibilities as P
from controlgraph.reasoning.chain_results import MAPPING_CHAINING, CandidateLink, CompositionResult, InferredRelation
from controlgraph.reasoning.class_graph import AssertedMapping, ClassGraph, framework_from_iri
from controlgraph.reasoning.pair_features import PairFeatures, TextIndex
from controlgraph.reasoning.probability_fit import ScoringInputs
from controlgraph.reasoning.probability_model import ProbabilityModel
from controlgraph.vocabulary import Relation

MAX_CHAINS = 500  # an explanation past this many chains is no longer readable; the count is still given


@dataclass(frozen=True)
class Step:
    mapping: str
    mapping_set: str | None
    subject: str
    relation: Relation  # the mapping's relation of record, read in the direction of the walk
    object: str
    possibilities: frozenset[Relation] = frozenset()  # what the engine reads the link as, walk direction
    reading: str = "stated"


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
    verdict: str = "unknown"
    probability: float | None = None
    contributions: list[tuple[str, float, float]] = field(default_factory=list)  # feature, value, log-odds
    base_log_odds: float | None = None
    # How the engine proposed the pair when not by chaining (a candidate from the texts, lexical_candidates).
    justification: str | None = None

    def to_json(self) -> dict[str, Any]:
        def step(s: Step) -> dict[str, Any]:
            return {"mapping": s.mapping, "mapping_set": s.mapping_set, "subject": s.subject,
                    "relation": s.relation.value, "object": s.object, "reading": s.reading,
                    "possibilities": sorted(r.value for r in s.possibilities)}

        return {
            "subject": self.subject,
            "object": self.object,
            "verdict": self.verdict,
            "possibilities": sorted(r.value for r in self.possibilities),
            "probability": self.probability,
            "base_log_odds": self.base_log_odds,
            "justification": self.justification,
            "contributions": [{"feature": f, "value": v, "log_odds": round(c, 4)} for f, v, c in self.contributions],
            "direct": [step(s) for s in self.direct],
            "chains_total": self.chains_total,
            "chains": [{"possibilities": sorted(r.value for r in c.possibilities), "steps": [step(s) for s in c.steps]}
                       for c in self.chains],
        }


def engine_verdict(result: CompositionResult, subject: str, obj: str) -> tuple[str, P.Possibilities, Any]:
    """What the engine concluded about the pair: verdict, possibility set and the result item, if any."""
    g = result.graph
    assert g is not None
    if subject not in g.index or obj not in g.index:
        return "unknown", P.ANY, None
    cs, co = g.class_of[g.index[subject]], g.class_of[g.index[obj]]
    if cs == co:
        return "equal class", P.of(Relation.EQUAL), None
    for d in result.definite:
        for a, c in d.member_pairs():
            if (a, c) == (subject, obj):
                return "definite", P.of(d.relation), d
            if (c, a) == (subject, obj):
                return "definite", P.of(d.relation.inverse), d
    for conflict in result.conflicts:
        if {conflict.subject, conflict.object} == {subject, obj}:
            return "conflict", P.NONE, conflict
    asserted = g.link_mask(cs, co)
    if asserted is not None:
        return "asserted", asserted, None
    for cand in result.candidates:
        subjects, objects = (cand.subject, *cand.subject_equivalents), (cand.object, *cand.object_equivalents)
        if subject in subjects and obj in objects:
            return "candidate", P.of_all(cand.possibilities), cand
        if obj in subjects and subject in objects:
            return "candidate", P.inverse(P.of_all(cand.possibilities)), cand
    return "unknown", P.ANY, None


def explain(
    edges: Sequence[AssertedMapping],
    subject: str,
    obj: str,
    *,
    max_hops: int = 3,
    model: ProbabilityModel | None = None,
    texts: TextIndex | None = None,
    parent_of: Callable[[str], str | None] | None = None,
) -> Explanation:
    pair = (framework_from_iri(subject), framework_from_iri(obj))
    # The build's own composition (chains, then candidates from the texts), restricted to the two frameworks.
    result = ScoringInputs(edges, texts or TextIndex({}), parent_of, max_hops).compose(edges, between=pair)
    g = result.graph
    assert g is not None
    verdict, mask, item = engine_verdict(result, subject, obj)
    direct: list[Step] = []
    chains: list[Chain] = []
    total = 0
    if subject in g.index and obj in g.index:
        cs, co = g.class_of[g.index[subject]], g.class_of[g.index[obj]]
        link = g.links.get((min(cs, co), max(cs, co)))
        if link is not None:
            direct = [_step(g, k, cs) for k in link.edges]
        total, chains = _chains(g, cs, co, max_hops)
    out = Explanation(subject, obj, direct, chains, total, P.relations(mask), verdict)
    if isinstance(item, CandidateLink) and item.justification != MAPPING_CHAINING:
        out.justification = item.justification
    if model is not None and isinstance(item, InferredRelation | CandidateLink):
        values = PairFeatures(result, texts or TextIndex({}), parent_of).values(item)
        out.probability = round(model.predict_one(values), 4)
        out.contributions = model.contributions(values)
        out.base_log_odds = model.base_log_odds()
    return out


def _step(g: ClassGraph, k: int, from_class: int) -> Step:
    e = g.edges[k]
    forward = g.class_of[g.index[e.subject]] == from_class
    mask = e.mask if forward else P.inverse(e.mask)
    if forward:
        return Step(e.mapping, e.mapping_set, e.subject, e.relation, e.object, P.relations(mask), e.reading)
    return Step(e.mapping, e.mapping_set, e.object, e.relation.inverse, e.subject, P.relations(mask), e.reading)


def _chains(g: ClassGraph, start: int, end: int, max_hops: int) -> tuple[int, list[Chain]]:
    """Every class-simple walk of 2..max_hops links from ``start`` to ``end``, composed link by link."""
    chains: list[Chain] = []
    total = 0
    stack: list[tuple[int, tuple[int, ...], P.Possibilities]] = [(start, (start,), P.of(Relation.EQUAL))]
    while stack:
        cls, path, so_far = stack.pop()
        for nxt, link_mask in g.adjacency[cls]:
            if nxt in path:
                continue
            composed = P.compose(so_far, link_mask)
            if nxt == end:
                if len(path) > 1:  # the direct link is not a chain
                    total += 1
                    if len(chains) < MAX_CHAINS:
                        classes = (*path, nxt)
                        steps = tuple(
                            _step(g, g.links[(min(a, b), max(a, b))].best, a)
                            for a, b in itertools.pairwise(classes)
                        )
                        chains.append(Chain(steps, P.relations(composed)))
                continue
            if len(path) < max_hops:
                stack.append((nxt, (*path, nxt), composed))
    chains.sort(key=lambda c: (P.size(P.of_all(c.possibilities)), len(c.steps), [s.mapping for s in c.steps]))
    return total, chains
