"""Where the probabilities of the "likely" coverage level come from: one function, one place to change.

A candidate link (chains that admit overlap but prove none) is shown as "likely" when its probability
reaches a threshold. The calibrated probability that a publisher maps the pair (``cg:probability``,
fitted by the reasoning engine on the graph's own published sets, DESIGN.md section 2) is read when the
build stored one; until then the candidate's ranking score (``cg:score``, a weighted share of the best
possible evidence, reasoning/candidate_ranking.py) stands in, and every report says so.
"""

from __future__ import annotations

from collections.abc import Iterable

from controlgraph.data.terms import term_value
from controlgraph.store.base import GraphStore
from controlgraph.vocabulary import CG, graph_iri

FROM_MODEL = -1.0  # the likely_threshold setting's default: take the build's operating threshold
FALLBACK_THRESHOLD = 0.5  # a store without a fitted model (no published set to learn from)
CALIBRATED = "calibrated"
RANKING_SCORE = "ranking-score"

SOURCES = {
    CALIBRATED: "calibrated probability that a publisher maps the pair (cg:probability, fitted on the graph's "
                "published sets)",
    RANKING_SCORE: "candidate ranking score (cg:score, reasoning/candidate_ranking.py) read as a probability: "
                   "uncalibrated until the build stores cg:probability",
}


def candidate_probability(score: float, probability: float | None) -> tuple[float, str]:
    """The probability to use for one candidate and the name of its source (a key of :data:`SOURCES`)."""
    if probability is not None:
        return min(max(probability, 0.0), 1.0), CALIBRATED
    return min(max(score, 0.0), 1.0), RANKING_SCORE


def describe_sources(sources: Iterable[str]) -> str:
    """One sentence naming where the probabilities of a report came from."""
    used = sorted(set(sources))
    if not used:
        return "no candidate probabilities used"
    return "; ".join(SOURCES[s] for s in used)


def likely_threshold_in(store: GraphStore, configured: float) -> float:
    """The "likely" cut: ``configured`` when set (0-1), else the operating threshold the build chose
    leave-one-set-out (``cg:operatingThreshold`` on the build node, docs/reasoning.md), else 0.5."""
    if configured >= 0:
        return configured
    query = f"SELECT ?t WHERE {{ GRAPH <{graph_iri('build')}> {{ ?b <{CG}operatingThreshold> ?t }} }}"
    for row in store.query(query):  # type: ignore[union-attr]
        return float(term_value(row[0]))
    return FALLBACK_THRESHOLD
