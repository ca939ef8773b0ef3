"""The candidates graph over SPARQL: every candidate the engine keeps is there with its probability, and the
build summary's candidate count is what the graph holds.

The engine is run again on the shipped triples (as the build runs it) and compared with what the shipped
store answers on the real ``/sparql`` route: each kept candidate (constrained, or an 'any' one at or above
the floor) as a ``cg:CandidateLink`` node of ``id/graph/candidates`` for each of its control pairs, none of
the 'any' ones below the floor, and the summary's ``candidate_pairs_stored`` equal to the node count.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from controlgraph.reasoning.class_graph import framework_from_iri
from controlgraph.reasoning.inputs import asserted_mappings, control_texts
from controlgraph.reasoning.materialise import composition_graphs, stored_model
from controlgraph.reasoning.pair_features import texts_from
from controlgraph.reasoning.probability_fit import ScoringInputs, apply_model
from controlgraph.reasoning.results_rdf import CANDIDATES_GRAPH, stored_candidates
from controlgraph.settings import Settings
from controlgraph.vocabulary import CG, Relation
from controlgraph.web.app import create_app

NODES = f"""PREFIX cg: <{CG}>
SELECT ?c ?s ?o WHERE {{ GRAPH <{CANDIDATES_GRAPH}> {{
  ?c a cg:CandidateLink ; cg:mappingSubject ?s ; cg:mappingObject ?o }} }}"""
# Apart: an OPTIONAL inside the GRAPH block makes pyoxigraph take minutes (analysis/coverage.py says the same).
PROBABILITIES = f"""PREFIX cg: <{CG}>
SELECT ?c ?p WHERE {{ GRAPH <{CANDIDATES_GRAPH}> {{ ?c cg:probability ?p }} }}"""
COUNT = f"""PREFIX cg: <{CG}>
SELECT (COUNT(?c) AS ?n) WHERE {{ GRAPH <{CANDIDATES_GRAPH}> {{ ?c a cg:CandidateLink }} }}"""


def _select(http: TestClient, query: str) -> list[dict[str, Any]]:
    response = http.post("/sparql", content=query, headers={"Content-Type": "application/sparql-query",
                                                             "Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.text[:500]
    assert response.headers.get("X-Result-Truncated") != "true"
    return response.json()["results"]["bindings"]  # type: ignore[no-any-return]


def test_every_kept_candidate_is_in_its_graph_and_the_summary_counts_them(
    built_store: Any, shipped_triples: list  # type: ignore[type-arg]
) -> None:
    settings = Settings.from_env({}, store="memory", sparql_row_cap=100_000, sparql_timeout=120.0)
    floor = settings.candidate_probability_floor
    with TestClient(create_app(settings, store=built_store)) as http:
        probability = {b["c"]["value"]: float(b["p"]["value"]) for b in _select(http, PROBABILITIES)}
        stored = {(b["s"]["value"], b["o"]["value"]): probability.get(b["c"]["value"]) for b in _select(http, NODES)}
        counted = int(_select(http, COUNT)[0]["n"]["value"])
    assert counted == len(stored) > 1000

    # The model the build fitted, reused as the build reuses it (same inputs): the test is about storage.
    _graphs, stats, model = composition_graphs(shipped_triples, max_hops=settings.max_hops, probability_floor=floor,
                                               previous_model=stored_model(built_store))
    assert stats["candidate_pairs_stored"] == counted, "the build summary counts what the graph holds"

    edges = asserted_mappings(shipped_triples)
    titles, statements, parents = control_texts(shipped_triples)
    inputs = ScoringInputs(edges, texts_from(titles, statements), parents.get, settings.max_hops)
    result = inputs.compose(edges)
    apply_model(model, inputs, result)
    asserted = {(e.subject, e.object) for e in edges} | {(e.object, e.subject) for e in edges}
    kept = stored_candidates(result, floor)
    kept_ids = {id(c) for c in kept}  # identity: a list look-up per candidate would be quadratic
    assert stats["candidates_stored"] == len(kept)
    assert any(len(c.possibilities) == len(Relation) for c in kept), "'any' candidates reach the floor"
    assert any(len(c.possibilities) == len(Relation) for c in result.candidates if id(c) not in kept_ids), \
        "'any' candidates below the floor exist (and must be left out)"
    produced: dict[tuple[str, str], float | None] = {}
    for link in kept:
        for a in (link.subject, *link.subject_equivalents):
            for c in (link.object, *link.object_equivalents):
                if framework_from_iri(a) != framework_from_iri(c):
                    produced[(a, c)] = link.probability
    assert set(stored) <= set(produced), "every node of the graph is a kept candidate's pair"
    missing = set(produced) - set(stored)
    assert all(pair in asserted for pair in missing), "a kept pair is left out only when a set asserts it"
    assert len(missing) < len(stored) / 10
    for pair, got in stored.items():
        probability = produced[pair]
        assert (got is None) == (probability is None), pair
        if got is not None and probability is not None:
            assert abs(got - probability) < 1e-9, pair
    for link in result.candidates:
        if id(link) not in kept_ids:
            assert (link.probability or 0.0) < floor and len(link.possibilities) == len(Relation)


def test_the_saved_query_lists_a_controls_candidates(built_store: Any) -> None:
    from controlgraph.analysis.candidate_links import candidates_of
    from controlgraph.service.saved_queries import load_saved_queries, run_saved_query
    from controlgraph.vocabulary import parse_control_ref

    settings = Settings.from_env({}, store="memory")
    queries = load_saved_queries(Path(__file__).resolve().parents[2] / "queries")
    result = run_saved_query(built_store, settings, queries, "candidates",
                             {"control": "nist-csf-2.0:PR.AA-01", "minProbability": "0.3"})
    assert isinstance(result, tuple)
    header, rows = result
    got = {(r[header.index("other")], round(float(r[header.index("probability")]), 6),
            frozenset(r[header.index("possibleRelations")].split(","))) for r in rows}
    expected = {(c.object, round(c.probability or 0.0, 6), frozenset(x.value for x in c.possibilities))
                for c in candidates_of(built_store, parse_control_ref("nist-csf-2.0:PR.AA-01").iri,
                                       min_probability=0.3)}
    assert got == expected and len(got) >= 3
