"""Fitting the probability model on the graph's own published sets, leave-one-set-out.

For each published mapping set S between two frameworks (with at least :data:`MIN_SET_PAIRS`
pairs), the engine runs on every other mapping; each definite relation and candidate it finds
between S's two frameworks, among the controls S maps, is a row labelled 1 when S maps the pair.
So a pair is never scored with the set that asserts it. The model is fitted on all rows; its Platt
scaling on out-of-fold predictions (each set's rows predicted by a model fitted on the other
sets' rows, each set weighing the same), so the probabilities are those of a set the model has
not seen.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from controlgraph.reasoning.chain_results import CandidateLink, CompositionResult, InferredRelation
from controlgraph.reasoning.class_graph import AssertedMapping, framework_from_iri
from controlgraph.reasoning.composition import compose_mappings
from controlgraph.reasoning.forked_map import forked_map
from controlgraph.reasoning.gold_projection import GoldProjection, ancestors
from controlgraph.reasoning.lexical_candidates import lexical_links, text_proposals
from controlgraph.reasoning.pair_features import FEATURES, PairFeatures, PairRow, TextIndex
from controlgraph.reasoning.probability_model import DEFAULT_THRESHOLD, Matrix, ProbabilityModel
from controlgraph.vocabulary import Relation

MIN_SET_PAIRS = 20
# The engine's own code is an input of the fit too: a changed feature or walk must refit.
_CODE_DIGEST = hashlib.sha256(
    b"".join(f.read_bytes() for f in sorted(Path(__file__).resolve().parent.glob("*.py")))
).hexdigest()
Pair = tuple[str, str]


@dataclass
class ScoringInputs:
    """What fitting and scoring read: the asserted mappings, control texts, parents, hops."""

    edges: Sequence[AssertedMapping]
    texts: TextIndex
    parent_of: Callable[[str], str | None] | None = None
    max_hops: int = 3

    def compose(
        self, edges: Sequence[AssertedMapping], between: tuple[str, str] | None = None
    ) -> CompositionResult:
        result = compose_mappings(edges, max_hops=self.max_hops, parent_of=self.parent_of, between=between)
        # Pairs no chain reaches but whose texts match (lexical_candidates): candidates too, scored alike.
        lexical = lexical_links(result, self.texts, between)
        result.candidates.extend(lexical)
        result.stats["lexical_candidates"] = len(lexical)
        return result


@dataclass
class HeldOut:
    """One set held out: its gold pairs, the rows found without it and their labels."""

    set_iri: str
    frameworks: tuple[str, str]
    gold: set[Pair]  # oriented (subject framework, object framework)
    rows: list[tuple[Pair, PairRow]]  # one per member pair, oriented like gold
    labels: list[int]
    result: CompositionResult
    rest: list[AssertedMapping]
    gold_edges: list[AssertedMapping] = field(default_factory=list)
    # Built once: the fit stacks every set's matrix once per out-of-fold model (sets squared times).
    _matrix: Matrix | None = field(default=None, repr=False, compare=False)

    def matrix(self) -> Matrix:
        if self._matrix is None or len(self._matrix) != len(self.rows):
            self._matrix = np.array([row.values for _, row in self.rows], dtype=float).reshape(-1, len(FEATURES))
        return self._matrix


def orient(a: str, c: str, frameworks: tuple[str, str]) -> Pair | None:
    fa, fc = framework_from_iri(a), framework_from_iri(c)
    if (fa, fc) == frameworks:
        return a, c
    if (fc, fa) == frameworks:
        return c, a
    return None


def gold_pairs(edges: Sequence[AssertedMapping], frameworks: tuple[str, str]) -> set[Pair]:
    """The pairs ``edges`` map (not-related ones left out), oriented by ``frameworks``."""
    out = set()
    for e in edges:
        if e.relation is Relation.NOT_RELATED:
            continue
        pair = orient(e.subject, e.object, frameworks)
        if pair is not None:
            out.add(pair)
    return out


def eligible_sets(edges: Sequence[AssertedMapping]) -> list[str]:
    """Sets with enough pairs between two distinct frameworks to learn from."""
    by_set: dict[str, list[AssertedMapping]] = defaultdict(list)
    for e in edges:
        if e.mapping_set:
            by_set[e.mapping_set].append(e)
    out = []
    for set_iri, members in sorted(by_set.items()):
        first = members[0]
        frameworks = (framework_from_iri(first.subject), framework_from_iri(first.object))
        if frameworks[0] != frameworks[1] and len(gold_pairs(members, frameworks)) >= MIN_SET_PAIRS:
            out.append(set_iri)
    return out


def score_pairs(
    inputs: ScoringInputs, result: CompositionResult, gold: set[Pair], frameworks: tuple[str, str]
) -> list[tuple[Pair, PairRow]]:
    """Rows of ``result`` between the two frameworks, one per pair as ``gold`` names it.

    A pair to an item beneath a control the gold maps stands for that control (:class:`GoldProjection`):
    a publisher mapping at the level of SOC 2's criteria is asked about CC6.1, whatever point of focus the
    chains reach. A pair found as it is named wins; among pairs lifted to the same one, the row with the
    strongest evidence (:func:`_evidence`).
    """
    project = GoldProjection(gold, inputs.parent_of)
    features = PairFeatures(result, inputs.texts, inputs.parent_of)

    def keep(a: str, c: str) -> bool:
        pair = orient(a, c, frameworks)
        return pair is not None and project(pair) is not None

    chosen: dict[Pair, tuple[bool, tuple[float, ...], PairRow]] = {}
    for row in features.rows(keep):
        for a, c in row.members:
            pair = orient(a, c, frameworks)
            named = project(pair) if pair is not None else None
            if named is None:
                continue
            direct, evidence = pair == named, _evidence(row)
            held = chosen.get(named)
            if held is None or (not held[0] and (direct or evidence > held[1])):
                chosen[named] = (direct, evidence, row)
    return [(pair, row) for pair, (_, _, row) in chosen.items()]


_EVIDENCE = tuple(FEATURES.index(name) for name in ("definite", "proven_overlap", "pivot_walk", "chains", "lexical"))


def _evidence(row: PairRow) -> tuple[float, ...]:
    """How strongly a row's chains join its pair, for choosing among pairs lifted to one (most first)."""
    return tuple(row.values[i] for i in _EVIDENCE)


def hold_out(inputs: ScoringInputs, set_iri: str, exclude: Collection[str] = ()) -> HeldOut:
    """Run the engine without any mapping between ``set_iri``'s two frameworks (nor ``exclude``)
    and label what it finds by that set."""
    held = [e for e in inputs.edges if e.mapping_set == set_iri]
    frameworks = (framework_from_iri(held[0].subject), framework_from_iri(held[0].object))
    # Every mapping between the two frameworks goes, not only the set's: another set asserting the
    # same pairs (CSA's gap analysis beside its OLIR submission) would otherwise hand them over.
    pair = set(frameworks)
    rest = [
        e for e in inputs.edges
        if e.mapping_set != set_iri and e.mapping_set not in exclude
        and {framework_from_iri(e.subject), framework_from_iri(e.object)} != pair
    ]
    gold = gold_pairs(held, frameworks)
    # No chain can join them, nor their texts: nothing to compose.
    project = GoldProjection(gold, inputs.parent_of)
    chained = _connected(rest, frameworks) and _touched(rest, project)
    if not chained and not _texts_join(inputs.texts, project):
        return HeldOut(set_iri, frameworks, gold, [], [], CompositionResult(), rest, held)
    result = inputs.compose(rest, between=frameworks)
    rows = score_pairs(inputs, result, gold, frameworks)
    return HeldOut(set_iri, frameworks, gold, rows, [int(p in gold) for p, _ in rows], result, rest, held)


def _texts_join(texts: TextIndex, gold: GoldProjection) -> bool:
    """True when the texts propose a pair the gold can name (:func:`lexical_candidates.text_proposals`)."""
    return any(gold((a, c)) is not None or gold((c, a)) is not None for a, c, _ in text_proposals(texts))


def _touched(edges: Sequence[AssertedMapping], gold: GoldProjection) -> bool:
    """True when some subject and some object of the gold (or an item beneath one) have a mapping left: a
    control with none is in no chain, so without both no row can be found."""
    ends = {e.subject for e in edges} | {e.object for e in edges}
    return any(gold.subject(e) is not None for e in ends) and any(gold.object(e) is not None for e in ends)


def _connected(edges: Sequence[AssertedMapping], frameworks: tuple[str, str]) -> bool:
    """True when some mappings join the two frameworks through others (any number of hops)."""
    near: dict[str, set[str]] = defaultdict(set)
    for e in edges:
        a, b = framework_from_iri(e.subject), framework_from_iri(e.object)
        near[a].add(b)
        near[b].add(a)
    seen, stack = {frameworks[0]}, [frameworks[0]]
    while stack:
        for nxt in near[stack.pop()] - seen:
            seen.add(nxt)
            stack.append(nxt)
    return frameworks[1] in seen


def inputs_digest(inputs: ScoringInputs, exclude: Collection[str] = (), l2: float = 10.0) -> str:
    """A digest of everything a fit reads: the mappings as read, texts, parents, hops, features, settings."""
    h = hashlib.sha256()
    for e in sorted(inputs.edges, key=lambda e: e.mapping):
        h.update(repr((e.mapping, e.subject, e.relation.value, e.object, e.possible, e.reading, e.mapping_set,
                       e.publisher, e.strength, e.confidence, e.rationale)).encode())
    h.update(_CODE_DIGEST.encode())
    h.update(repr((inputs.texts.digest(), inputs.max_hops, FEATURES, sorted(exclude), l2, MIN_SET_PAIRS)).encode())
    if inputs.parent_of is not None:
        controls = sorted({e.subject for e in inputs.edges} | {e.object for e in inputs.edges})
        # Every ancestor: a pair is scored at the level its gold maps at (GoldProjection).
        h.update(repr([(c, ancestors(inputs.parent_of, c)) for c in controls]).encode())
    return h.hexdigest()


@dataclass(frozen=True)
class FitPart:
    """What the fit keeps of one held-out set: its rows' features and labels, and its number of gold pairs."""

    set_iri: str
    x: Matrix
    labels: list[int]
    gold: int


def fit_parts(inputs: ScoringInputs, sets: Sequence[str], workers: int | None = None) -> list[FitPart]:
    """Each of ``sets`` held out in turn (:func:`hold_out`), side by side in forked processes when it can
    (:mod:`forked_map`); the parts with rows, in the order of ``sets``."""

    def part(set_iri: str) -> FitPart:
        held = hold_out(inputs, set_iri)
        return FitPart(set_iri, held.matrix(), held.labels, len(held.gold))

    return [p for p in forked_map(part, sets, workers) if p.labels]


def fit_model(
    inputs: ScoringInputs, exclude: Collection[str] = (), l2: float = 10.0, previous: ProbabilityModel | None = None,
    *, workers: int | None = None,
) -> ProbabilityModel:
    """Fit on every eligible set but those in ``exclude``, leave-one-set-out.

    A set in ``exclude`` (the one ``evaluate`` holds out) gives no labels; it stays in the graph as
    evidence for the others' rows, as it is in the build. Its own rows are computed without it
    (:func:`hold_out`), so none of its pairs is ever scored or learnt from with its help.

    ``previous`` (the last build's model) is returned as it is when it was fitted on the same inputs
    (:func:`inputs_digest`): the fit is deterministic, so refitting would give the same model.
    ``workers``: processes for the held-out runs (default: one per CPU, when forking is safe).
    """
    digest = inputs_digest(inputs, exclude, l2)
    if previous is not None and previous.inputs_digest == digest:
        return previous
    model = _fit(inputs, exclude, l2, workers)
    model.inputs_digest = digest
    return model


def _fit(inputs: ScoringInputs, exclude: Collection[str], l2: float, workers: int | None) -> ProbabilityModel:
    text_proposals(inputs.texts)  # made once here, inherited by the held-out runs' forked processes
    parts = fit_parts(inputs, [s for s in eligible_sets(inputs.edges) if s not in exclude], workers)
    if len({label for p in parts for label in p.labels}) < 2:
        # Too little published data to learn from: a flat model at the overall rate.
        rate = float(np.mean([x for p in parts for x in p.labels])) if parts else 0.0
        model = ProbabilityModel(FEATURES, [0.0] * len(FEATURES), [1.0] * len(FEATURES), [0.0] * len(FEATURES), 0.0)
        model.platt_a, model.platt_b = 0.0, float(np.log(max(rate, 1e-6) / max(1 - rate, 1e-6)))
        return model
    x = np.vstack([p.x for p in parts])
    y = np.array([label for p in parts for label in p.labels], dtype=float)
    model = ProbabilityModel.fit(FEATURES, x, y, l2)
    folds = [_out_of_fold(parts, i, l2, model) for i in range(len(parts))]
    # Each set has the same say in the calibration, whatever its number of rows: the probabilities
    # are for a framework pair the model has not seen, and the two large CSA sets (2,700 of the
    # 4,900 rows) would otherwise set the level for every other pair.
    per_set = np.concatenate([np.full(len(p.labels), len(y) / len(parts) / len(p.labels)) for p in parts])
    model.calibrate(np.concatenate(folds), y, per_set)
    model.threshold = operating_threshold(
        [(model.platt(z), np.array(p.labels, dtype=float), p.gold) for p, z in zip(parts, folds, strict=True)]
    )
    model.trained_on = {p.set_iri.rsplit("/", 1)[-1]: len(p.labels) for p in parts}
    definite = x[:, FEATURES.index("definite")] == 1.0
    if definite.any():
        model.definite_precision = float(y[definite].mean())
        model.definite_rows = int(definite.sum())
    return model


def best_cut(probabilities: Matrix, labels: Matrix, gold: int) -> float:
    """The probability cut (keep pairs at or above it) with the best F1 against ``gold`` pairs."""
    order = np.argsort(-probabilities, kind="stable")
    ranked, hits = probabilities[order], np.cumsum(labels[order])
    kept = np.arange(1, len(ranked) + 1)
    f1 = 2 * hits / (kept + gold)
    last = np.r_[ranked[1:] != ranked[:-1], True]  # cut only between distinct probabilities
    f1 = np.where(last, f1, -1.0)
    return float(ranked[int(np.argmax(f1))])


def operating_threshold(folds: Sequence[tuple[Matrix, Matrix, int]]) -> float:
    """The cut for a set not seen: the median, over training sets with a published pair among their rows,
    of the cut that maximises that set's F1 on its out-of-fold probabilities (``(probabilities, labels,
    gold pairs)`` per set). A median, not a pooled optimum, so one large set does not decide alone."""
    cuts = [best_cut(p, y, gold) for p, y, gold in folds if len(p) and y.sum() > 0]
    return round(float(np.median(cuts)), 4) if cuts else DEFAULT_THRESHOLD


def _out_of_fold(parts: Sequence[FitPart], i: int, l2: float, full: ProbabilityModel) -> Matrix:
    others = [p for j, p in enumerate(parts) if j != i]
    x = np.vstack([p.x for p in others])
    y = np.array([label for p in others for label in p.labels], dtype=float)
    if len(set(y.tolist())) < 2:
        return np.zeros(len(parts[i].labels))
    return ProbabilityModel.fit(FEATURES, x, y, l2, like=full).log_odds(parts[i].x)


def apply_model(model: ProbabilityModel, inputs: ScoringInputs, result: CompositionResult) -> None:
    """Set ``probability`` on every definite relation and candidate of ``result``.

    A model fitted on nothing (no published set with both mapped and unmapped inferred pairs) sets
    none: a probability without data behind it would be invented, so readers fall back to the score.
    """
    if not model.trained_on:
        return
    features = PairFeatures(result, inputs.texts, inputs.parent_of)
    items: list[InferredRelation | CandidateLink] = [*result.definite, *result.candidates]
    if not items:
        return
    x: Matrix = np.array([features.values(item) for item in items], dtype=np.float64)
    for item, p in zip(items, model.predict(x).tolist(), strict=True):
        item.probability = round(float(p), 4)
