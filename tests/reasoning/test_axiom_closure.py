"""The fast relation closure used in builds entails exactly what owlrl's OWL-RL closure does."""

from __future__ import annotations

import random
import time
from pathlib import Path

import owlrl
import rdflib

from controlgraph.data.datasets import data_root, shipped_datasets
from controlgraph.data.loader import load_files, parse_file
from controlgraph.reasoning.axioms import Edge, relation_closure
from controlgraph.reasoning.materialise import asserted_edges
from controlgraph.vocabulary import RELATION_IRIS, Relation

ONTOLOGY = Path(__file__).resolve().parents[2] / "ontology" / "controlgraph.ttl"


def owlrl_closure(edges: set[Edge]) -> set[Edge]:
    graph = rdflib.Graph()
    graph.parse(ONTOLOGY, format="turtle")
    for s, rel, o in edges:
        graph.add((rdflib.URIRef(s), rdflib.URIRef(rel.iri), rdflib.URIRef(o)))
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(graph)
    return {
        (str(s), Relation.from_iri(str(p)), str(o))
        for s, p, o in graph
        if str(p) in RELATION_IRIS and s != o and isinstance(o, rdflib.URIRef)
    }


def test_closure_equals_owlrl_on_shipped_iso_sample() -> None:
    root = data_root()
    sample = {"iso27001-2013--iso27002-2013", "iso27002-2013--iso27002-2022", "iso27017-2015--iso27002-2013",
              "iso27018-2019--iso27002-2013"}
    files = [f for f in shipped_datasets(root) if f.dataset_id in sample]
    assert len(files) == 4
    edges: set[Edge] = set()
    for f in load_files(files).datasets:
        edges |= {(e.subject, e.relation, e.object) for e in asserted_edges(f.triples)}
    assert any(rel is Relation.EQUAL for _, rel, _ in edges) and any(rel is Relation.SUPERSET_OF for _, rel, _ in edges)
    ours = relation_closure(edges)
    theirs = owlrl_closure(edges)
    assert ours == theirs, (sorted(ours - theirs)[:5], sorted(theirs - ours)[:5])
    assert len(ours) > 2 * len(edges)  # the sample really entails something


def test_closure_equals_owlrl_on_random_graphs() -> None:
    rng = random.Random(20261129)
    nodes = [f"http://example.org/c{i}" for i in range(30)]
    for _ in range(5):
        edges = {(rng.choice(nodes), rng.choice(list(Relation)), rng.choice(nodes)) for _ in range(40)}
        edges = {e for e in edges if e[0] != e[2]}
        ours = relation_closure(edges)
        theirs = owlrl_closure(edges)
        assert ours == theirs, (sorted(ours - theirs)[:5], sorted(theirs - ours)[:5])


def test_closure_is_fast_on_the_shipped_graph() -> None:
    """A sanity bound only (timings belong in bench/build.py): the whole shipped graph in well under a second."""
    edges = set()
    for f in shipped_datasets(data_root()):
        if f.role == "data":
            edges |= {(e.subject, e.relation, e.object) for e in asserted_edges(parse_file(f.path))}
    started = time.perf_counter()
    closure = relation_closure(edges)
    assert closure >= edges
    assert time.perf_counter() - started < 30
