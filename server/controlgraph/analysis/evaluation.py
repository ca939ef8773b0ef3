"""Hold-out evaluation of inference: how well do chains through the other sets recover a published set?

One published mapping set is removed; the composition engine runs on everything else; the pairs
it finds between the held-out set's two frameworks are compared with the held-out pairs:

- definite relations: precision and recall of the pairs, and how often the relation matches;
- candidate links: precision at each recall level, walking down the ranking;
- naive two-hop chaining (any A-B-C, relation ignored), computed in the same run, as the baseline.
Pairs are compared unordered-by-framework: (item of the subject framework, item of the object framework).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from controlgraph.errors import NotFound
from controlgraph.reasoning.class_graph import AssertedMapping, framework_from_iri
from controlgraph.reasoning.composition import compose_mappings
from controlgraph.vocabulary import MAPPING_SET, Relation

Pair = tuple[str, str]


@dataclass(frozen=True)
class Scores:
    found: int
    correct: int
    expected: int

    @property
    def precision(self) -> float:
        return self.correct / self.found if self.found else 0.0

    @property
    def recall(self) -> float:
        return self.correct / self.expected if self.expected else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class EvaluationReport:
    held_out: str
    subject_framework: str
    object_framework: str
    held_out_pairs: int
    other_mappings: int
    definite: Scores
    definite_relation_agreement: int  # correct pairs whose inferred relation equals the held-out one
    candidates: Scores
    candidates_and_definite: Scores
    naive_two_hop: Scores
    precision_at_recall: list[tuple[float, float]] = field(default_factory=list)  # (recall level, precision)
    max_hops: int = 3


def _scores(found: Iterable[Pair], expected: set[Pair]) -> Scores:
    found_set = set(found)
    return Scores(len(found_set), len(found_set & expected), len(expected))


def _orient(a: str, c: str, subject_fw: str, object_fw: str) -> Pair | None:
    fa, fc = framework_from_iri(a), framework_from_iri(c)
    if (fa, fc) == (subject_fw, object_fw):
        return a, c
    if (fc, fa) == (subject_fw, object_fw):
        return c, a
    return None


def naive_two_hop(edges: Sequence[AssertedMapping], subject_fw: str, object_fw: str) -> set[Pair]:
    """Every pair joined through one intermediate control, whatever the relations say."""
    neighbours: dict[str, set[str]] = defaultdict(set)
    for e in edges:
        neighbours[e.subject].add(e.object)
        neighbours[e.object].add(e.subject)
    pairs: set[Pair] = set()
    for middle, around in neighbours.items():
        starts = [a for a in around if framework_from_iri(a) == subject_fw]
        ends = [c for c in around if framework_from_iri(c) == object_fw]
        pairs.update((a, c) for a in starts for c in ends if a != middle != c)
    return pairs


def precision_at_recall(
    ranked: Sequence[Pair], expected: set[Pair], levels: Sequence[float]
) -> list[tuple[float, float]]:
    """Interpolated precision at each recall level (the best precision at that recall or beyond)."""
    points: list[tuple[float, float]] = []
    correct = 0
    for position, pair in enumerate(ranked, start=1):
        if pair in expected:
            correct += 1
            points.append((correct / len(expected), correct / position))
    curve = []
    for level in levels:
        reachable = [p for r, p in points if r >= level - 1e-9]
        curve.append((level, max(reachable) if reachable else 0.0))
    return curve


def evaluate(edges: Sequence[AssertedMapping], held_out: str, *, max_hops: int = 3) -> EvaluationReport:
    """Hold out the mapping set ``held_out`` (its id or IRI) and score inference against it."""
    set_iri = held_out if held_out.startswith("http") else MAPPING_SET + held_out
    held = [e for e in edges if e.mapping_set == set_iri]
    if not held:
        raise NotFound(f"no mappings in a set {held_out!r}")
    rest = [e for e in edges if e.mapping_set != set_iri]
    subject_fw = framework_from_iri(held[0].subject)
    object_fw = framework_from_iri(held[0].object)
    expected_relation: dict[Pair, Relation] = {}
    for e in held:
        pair = _orient(e.subject, e.object, subject_fw, object_fw)
        if pair is not None:
            expected_relation[pair] = e.relation if pair == (e.subject, e.object) else e.relation.inverse
    expected = {p for p, rel in expected_relation.items() if rel is not Relation.NOT_RELATED}

    result = compose_mappings(rest, max_hops=max_hops)
    definite: dict[Pair, Relation] = {}
    for inferred in result.definite:
        for a, c in inferred.member_pairs():
            pair = _orient(a, c, subject_fw, object_fw)
            if pair is not None:
                definite[pair] = inferred.relation if pair == (a, c) else inferred.relation.inverse
    overlapping = {p for p, rel in definite.items() if rel is not Relation.NOT_RELATED}
    agreement = sum(1 for p, rel in definite.items() if expected_relation.get(p) is rel)

    ranked: list[Pair] = []
    seen: set[Pair] = set()
    for candidate in result.candidates:  # already sorted by score, best first
        for a in (candidate.subject, *candidate.subject_equivalents):
            for c in (candidate.object, *candidate.object_equivalents):
                pair = _orient(a, c, subject_fw, object_fw)
                if pair is not None and pair not in seen:
                    seen.add(pair)
                    ranked.append(pair)
    levels = [round(0.1 * i, 1) for i in range(1, 11)]
    return EvaluationReport(
        held_out=set_iri.rsplit("/", 1)[-1],
        subject_framework=subject_fw,
        object_framework=object_fw,
        held_out_pairs=len(expected),
        other_mappings=len(rest),
        definite=_scores(overlapping, expected),
        definite_relation_agreement=agreement,
        candidates=_scores(ranked, expected),
        candidates_and_definite=_scores([*ranked, *overlapping], expected),
        naive_two_hop=_scores(naive_two_hop(rest, subject_fw, object_fw), expected),
        precision_at_recall=precision_at_recall([*sorted(overlapping), *ranked], expected, levels),
        max_hops=max_hops,
    )
