"""From mapping nodes to relation triples: the direct triple beside each node, and the closure."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pyoxigraph as ox

from controlgraph.data.interop import term_value
from controlgraph.reasoning.inputs import asserted_mappings, control_texts
from controlgraph.reasoning.pair_features import FEATURES, texts_from
from controlgraph.reasoning.probability_fit import ScoringInputs, apply_model, fit_model
from controlgraph.reasoning.probability_model import ProbabilityModel
from controlgraph.reasoning.results_rdf import CANDIDATES_GRAPH, result_graphs, stored_candidates
from controlgraph.store.base import GraphStore
from controlgraph.vocabulary import CG, RELATION_IRIS, Relation, graph_iri

BUILD_GRAPH = graph_iri("build")


@dataclass(frozen=True)
class AssertedEdge:
    mapping: str
    subject: str
    relation: Relation
    object: str


def asserted_edges(triples: Iterable[ox.Triple]) -> list[AssertedEdge]:
    """The (subject, relation, object) of every complete mapping node in ``triples``."""
    subject: dict[str, str] = {}
    obj: dict[str, str] = {}
    relation: dict[str, str] = {}
    for t in triples:
        p = t.predicate.value
        if p == CG + "mappingSubject":
            subject[term_value(t.subject)] = term_value(t.object)
        elif p == CG + "mappingObject":
            obj[term_value(t.subject)] = term_value(t.object)
        elif p == CG + "relation" and term_value(t.object) in RELATION_IRIS:
            relation[term_value(t.subject)] = term_value(t.object)
    return [
        AssertedEdge(m, subject[m], Relation.from_iri(relation[m]), obj[m])
        for m in sorted(relation)
        if m in subject and m in obj
    ]


def _triple(s: str, rel: Relation, o: str) -> ox.Triple:
    return ox.Triple(ox.NamedNode(s), ox.NamedNode(rel.iri), ox.NamedNode(o))


def direct_triples(edges: Sequence[AssertedEdge]) -> list[ox.Triple]:
    """The bare ``A rel B`` triple materialised beside each mapping node, for querying."""
    return [_triple(e.subject, e.relation, e.object) for e in edges]


def composition_graphs(
    triples: Sequence[ox.Triple], *, max_hops: int, probability_floor: float = 0.2,
    model: ProbabilityModel | None = None,
) -> tuple[dict[str, list[ox.Triple]], dict[str, int], ProbabilityModel]:
    """Run the composition engine over the shared asserted mappings in ``triples`` and score its pairs.

    The probability model is fitted leave-one-set-out on the published sets in ``triples``
    (:mod:`probability_fit`), unless ``model`` is given: an import scores with the model the last
    build fitted (:func:`stored_model`) and only a build refits it. Returns the inferred, candidates
    and conflicts graphs, the counts (``candidates_stored`` and ``candidate_pairs_stored`` are what
    the candidates graph holds) and the model.
    """
    edges = asserted_mappings(triples)
    titles, statements, parents = control_texts(triples)
    inputs = ScoringInputs(edges, texts_from(titles, statements), parents.get, max_hops)
    result = inputs.compose(edges)
    if model is None or model.features != FEATURES:  # none stored, or stored by a version with other features
        model = fit_model(inputs)
    apply_model(model, inputs, result)
    graphs = result_graphs(edges, result, probability_floor)
    stats = dict(result.stats)
    stored = stored_candidates(result, probability_floor)
    stats["candidates_stored"] = len(stored)
    stats["candidate_pairs_stored"] = sum(
        1 for t in graphs[CANDIDATES_GRAPH] if t.object == _CANDIDATE_TYPE and t.predicate == _RDF_TYPE
    )
    return graphs, stats, model


_MODEL_QUERY = f"SELECT ?model WHERE {{ GRAPH <{BUILD_GRAPH}> {{ <{BUILD_GRAPH}> <{CG}probabilityModel> ?model }} }}"


def stored_model(store: GraphStore) -> ProbabilityModel | None:
    """The probability model the store's last build fitted (``None`` before any build stored one)."""
    result = store.query(_MODEL_QUERY)
    assert isinstance(result, ox.QuerySolutions)
    for row in result:
        value = row["model"]
        if isinstance(value, ox.Literal):
            return ProbabilityModel.from_json(json.loads(value.value))
    return None


_RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_CANDIDATE_TYPE = ox.NamedNode(CG + "CandidateLink")
