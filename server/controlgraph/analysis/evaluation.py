"""How well does inference recover a published mapping it did not see? Scored next to naive chaining.

Two kinds of gold:

- ``--hold-out SET``: one of the graph's published sets. The engine runs on every other mapping;
  the probability model is fitted leave-one-set-out on the other sets only (the held-out set gives
  no label, see :func:`probability_fit.fit_model`).
- ``--gold FILE``: an external set (:mod:`importers.gold_sets`). Every mapping of the graph between
  the gold's two frameworks is left out first, so the pairs must be inferred, not looked up.

In both, pairs are compared oriented (subject framework, object framework) and restricted to the
identifiers both sides know: controls the gold maps on each side, present in the graph. Reported:
definite relations (precision, recall, agreement of the relation); every inferred pair ranked by
calibrated probability (P/R/F1 at the model's operating threshold, chosen leave-one-set-out on the
training sets without the gold, and at the best one in hindsight, average precision,
precision at k, calibration table and Brier score); naive chaining (any A-B-C, relations ignored)
through each pivot framework and through all.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field

from controlgraph.analysis.metrics import RankingReport, Scores, rank_report, scores
from controlgraph.errors import NotFound
from controlgraph.reasoning.class_graph import AssertedMapping, framework_from_iri
from controlgraph.reasoning.gold_projection import GoldProjection
from controlgraph.reasoning.pair_features import TextIndex
from controlgraph.reasoning.probability_fit import HeldOut, ScoringInputs, fit_model, hold_out, orient, score_pairs
from controlgraph.vocabulary import MAPPING_SET, Relation

Pair = tuple[str, str]


@dataclass
class EvaluationReport:
    held_out: str
    subject_framework: str
    object_framework: str
    held_out_pairs: int
    other_mappings: int
    definite: Scores
    definite_relation_agreement: int  # correct definite pairs whose relation is the gold one (when typed)
    inferred: Scores  # every pair the engine offers (definite + candidates), unranked
    ranking: RankingReport
    naive_all: Scores
    naive_by_pivot: dict[str, Scores] = field(default_factory=dict)
    model_trained_on: dict[str, int] = field(default_factory=dict)
    max_hops: int = 3
    # Inferred pairs scored as the gold names them, lifted from an item beneath (GoldProjection).
    lifted_pairs: int = 0

    @property
    def best_naive(self) -> Scores:
        return max([self.naive_all, *self.naive_by_pivot.values()], key=lambda s: s.f1)

    def to_json(self) -> dict[str, object]:
        return {
            "held_out": self.held_out,
            "subject_framework": self.subject_framework,
            "object_framework": self.object_framework,
            "gold_pairs": self.held_out_pairs,
            "other_mappings": self.other_mappings,
            "max_hops": self.max_hops,
            "definite": self.definite.to_json(),
            "definite_relation_agreement": self.definite_relation_agreement,
            "inferred_unranked": self.inferred.to_json(),
            "ranked": self.ranking.to_json(),
            "naive_all_pivots": self.naive_all.to_json(),
            "naive_by_pivot": {k: v.to_json() for k, v in self.naive_by_pivot.items()},
            "model_trained_on": self.model_trained_on,
            "lifted_pairs": self.lifted_pairs,
        }


def naive_by_pivot(
    edges: Sequence[AssertedMapping], frameworks: tuple[str, str], project: Callable[[Pair], Pair | None]
) -> dict[str, set[Pair]]:
    """Pairs joined through one intermediate control, whatever the relations say, per pivot framework;
    each as ``project`` names it (None: left out), like the engine's pairs (:class:`GoldProjection`)."""
    neighbours: dict[str, set[str]] = defaultdict(set)
    for e in edges:
        neighbours[e.subject].add(e.object)
        neighbours[e.object].add(e.subject)
    out: dict[str, set[Pair]] = defaultdict(set)
    for middle, around in neighbours.items():
        starts = [a for a in around if framework_from_iri(a) == frameworks[0]]
        ends = [c for c in around if framework_from_iri(c) == frameworks[1]]
        pivot = framework_from_iri(middle)
        out[pivot].update(
            named for a in starts for c in ends if a != middle != c and (named := project((a, c))) is not None
        )
    return dict(out)


def naive_two_hop(edges: Sequence[AssertedMapping], subject_fw: str, object_fw: str) -> set[Pair]:
    """Every pair joined through one intermediate control (all pivots)."""
    return {p for pairs in naive_by_pivot(edges, (subject_fw, object_fw), lambda p: p).values() for p in pairs}


def _report(
    name: str, held: HeldOut, model_sets: dict[str, int], probabilities: Sequence[float], hops: int, threshold: float,
    parent_of: Callable[[str], str | None] | None,
) -> EvaluationReport:
    gold = held.gold
    pivots = naive_by_pivot(held.rest, held.frameworks, GoldProjection(gold, parent_of))
    all_naive = {p for pairs in pivots.values() for p in pairs}
    definite_pairs = {}
    lifted = 0
    for pair, row in held.rows:
        relation = getattr(row.result, "relation", None)
        # A definite relation to an item beneath the gold's control is not one to the control: it is
        # ranked like any pair, not scored as definite.
        direct = any(orient(a, c, held.frameworks) == pair for a, c in row.members)
        lifted += not direct
        if isinstance(relation, Relation) and direct:
            a_is_subject = framework_from_iri(row.subject) == held.frameworks[0]
            definite_pairs[pair] = relation if a_is_subject else relation.inverse
    overlapping = {p for p, rel in definite_pairs.items() if rel is not Relation.NOT_RELATED}
    gold_relation = {}
    for e in held.gold_edges:
        oriented = orient(e.subject, e.object, held.frameworks)
        if oriented is not None:
            gold_relation[oriented] = e.relation if oriented == (e.subject, e.object) else e.relation.inverse
    agreement = sum(1 for p, rel in definite_pairs.items() if gold_relation.get(p) is rel)
    predicted = [(pair, p) for (pair, _), p in zip(held.rows, probabilities, strict=True)]
    return EvaluationReport(
        held_out=name,
        subject_framework=held.frameworks[0],
        object_framework=held.frameworks[1],
        held_out_pairs=len(gold),
        other_mappings=len(held.rest),
        definite=scores(overlapping, gold),
        definite_relation_agreement=agreement,
        inferred=scores([pair for pair, _ in held.rows], gold),
        ranking=rank_report(predicted, gold, threshold=threshold),
        naive_all=scores(all_naive, gold),
        naive_by_pivot={k: scores(v, gold) for k, v in sorted(pivots.items()) if v},
        model_trained_on=model_sets,
        max_hops=hops,
        lifted_pairs=lifted,
    )


def evaluate(
    edges: Sequence[AssertedMapping],
    held_out: str,
    *,
    texts: TextIndex | None = None,
    parent_of: Callable[[str], str | None] | None = None,
    max_hops: int = 3,
) -> EvaluationReport:
    """Hold out the mapping set ``held_out`` (its id or IRI) and score inference against it."""
    set_iri = held_out if held_out.startswith("http") else MAPPING_SET + held_out
    if not any(e.mapping_set == set_iri for e in edges):
        raise NotFound(f"no mappings in a set {held_out!r}")
    inputs = ScoringInputs(edges, texts or TextIndex({}), parent_of, max_hops)
    model = fit_model(inputs, exclude=[set_iri])
    held = hold_out(inputs, set_iri)
    probabilities = model.predict(held.matrix()).tolist() if held.rows else []
    return _report(set_iri.rsplit("/", 1)[-1], held, model.trained_on, probabilities, max_hops, model.threshold,
                   parent_of)


def evaluate_gold(
    edges: Sequence[AssertedMapping],
    gold: Collection[Pair],
    name: str,
    *,
    texts: TextIndex | None = None,
    parent_of: Callable[[str], str | None] | None = None,
    max_hops: int = 3,
) -> EvaluationReport:
    """Score inference against external gold pairs, the graph's own mappings between their frameworks left out."""
    if not gold:
        raise NotFound(f"{name}: no gold pair names two controls the graph knows")
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for a, c in gold:
        counts[(framework_from_iri(a), framework_from_iri(c))] += 1
    frameworks = max(sorted(counts), key=lambda k: counts[k])  # a tie (a set stated both ways): the same each run
    oriented = {p for a, c in gold if (p := orient(a, c, frameworks)) is not None}
    rest = [
        e for e in edges
        if {framework_from_iri(e.subject), framework_from_iri(e.object)} != set(frameworks)
    ]
    inputs = ScoringInputs(rest, texts or TextIndex({}), parent_of, max_hops)
    model = fit_model(inputs)
    result = inputs.compose(rest, between=frameworks)
    rows = score_pairs(inputs, result, oriented, frameworks)
    held = HeldOut(name, frameworks, oriented, rows, [int(p in oriented) for p, _ in rows], result, rest)
    probabilities = model.predict(held.matrix()).tolist() if rows else []
    return _report(name, held, model.trained_on, probabilities, max_hops, model.threshold, parent_of)
