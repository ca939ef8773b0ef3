"""From mapping nodes to relation triples: the direct triple beside each node, and the closure.

The direct triple says what the mapping says, read as :mod:`readings` reads it: ``A cg:subsetOf B``
for a typed relation, but ``A cg:overlaps B`` for a mapping that states less than one relation (an
untyped reference, a "related" link, a CSA gap level): an exclusive ``cg:intersectsWith`` there would
rule out equal and subset-of, which the source never claimed.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

import pyoxigraph as ox

from controlgraph.data.terms import term_value
from controlgraph.reasoning.chain_results import CompositionResult
from controlgraph.reasoning.class_graph import AssertedMapping
from controlgraph.reasoning.inputs import asserted_mappings, control_texts
from controlgraph.reasoning.pair_features import FEATURES, texts_from
from controlgraph.reasoning.probability_fit import ScoringInputs, apply_model, fit_model
from controlgraph.reasoning.probability_model import ProbabilityModel
from controlgraph.reasoning.readings import MappingFacts, read_all
from controlgraph.reasoning.results_rdf import (
    CANDIDATES_GRAPH,
    CONFLICTS_GRAPH,
    RESULT_DIGEST,
    result_changes,
    result_graphs,
    stored_candidates,
)
from controlgraph.store.base import GraphStore
from controlgraph.vocabulary import CG, INFERRED_GRAPH, RELATION_IRIS, Relation, graph_iri

BUILD_GRAPH = graph_iri("build")


@dataclass(frozen=True)
class AssertedEdge:
    mapping: str
    subject: str
    relation: Relation
    object: str
    reading: str = "stated"


OVERLAPS = CG + "overlaps"
_OPTIONAL = {CG + "inMappingSet": "set", CG + "relationSource": "source", CG + "gapLevel": "gap",
             CG + "reading": "reading"}


def asserted_edges(triples: Iterable[ox.Triple]) -> list[AssertedEdge]:
    """The (subject, relation, object) and reading of every complete mapping node in ``triples``."""
    subject: dict[str, str] = {}
    obj: dict[str, str] = {}
    relation: dict[str, str] = {}
    extra: dict[str, dict[str, str]] = {}
    for t in triples:
        p = t.predicate.value
        if p == CG + "mappingSubject":
            subject[term_value(t.subject)] = term_value(t.object)
        elif p == CG + "mappingObject":
            obj[term_value(t.subject)] = term_value(t.object)
        elif p == CG + "relation" and term_value(t.object) in RELATION_IRIS:
            relation[term_value(t.subject)] = term_value(t.object)
        elif p in _OPTIONAL:
            extra.setdefault(term_value(t.subject), {})[_OPTIONAL[p]] = term_value(t.object)
    facts = []
    for m in sorted(relation):
        if m in subject and m in obj:
            f = extra.get(m, {})
            facts.append(MappingFacts(m, subject[m], Relation.from_iri(relation[m]), obj[m], f.get("set"),
                                      f.get("source"), f.get("gap"), f.get("reading")))
    readings, _ = read_all(facts)
    return [AssertedEdge(f.mapping, f.subject, f.relation, f.object, readings[f.mapping]) for f in facts]


def _triple(s: str, predicate: str, o: str) -> ox.Triple:
    return ox.Triple(ox.NamedNode(s), ox.NamedNode(predicate), ox.NamedNode(o))


def direct_triples(edges: Sequence[AssertedEdge]) -> list[ox.Triple]:
    """The bare triple materialised beside each mapping node, for querying: ``A rel B`` when the mapping
    states one relation, ``A cg:overlaps B`` when its reading leaves several (never a claim it did not make)."""
    return [
        _triple(e.subject, e.relation.iri if e.reading == "stated" else OVERLAPS, e.object) for e in edges
    ]


def _composed(
    triples: Sequence[ox.Triple], max_hops: int, model: ProbabilityModel | None,
    previous_model: ProbabilityModel | None,
) -> tuple[list[AssertedMapping], CompositionResult, ProbabilityModel]:
    edges = asserted_mappings(triples)
    titles, statements, parents = control_texts(triples)
    inputs = ScoringInputs(edges, texts_from(titles, statements), parents.get, max_hops)
    result = inputs.compose(edges)
    if model is None or model.features != FEATURES:  # none stored, or stored by a version with other features
        model = fit_model(inputs, previous=previous_model)
    apply_model(model, inputs, result)
    return edges, result, model


def composition_graphs(
    triples: Sequence[ox.Triple], *, max_hops: int, probability_floor: float = 0.2,
    model: ProbabilityModel | None = None,
    previous_model: ProbabilityModel | None = None,
) -> tuple[dict[str, list[ox.Triple]], dict[str, int], ProbabilityModel]:
    """Run the composition engine over the shared asserted mappings in ``triples`` and score its pairs.

    The probability model is fitted leave-one-set-out on the published sets in ``triples``
    (:mod:`probability_fit`), unless ``model`` is given: an import scores with the model the last
    build fitted (:func:`stored_model`) and only a build refits it, reusing ``previous_model`` (the last
    build's) when it was fitted on the same inputs. Returns the inferred, candidates and conflicts graphs,
    the counts (``candidates_stored`` and ``candidate_pairs_stored`` are what the candidates graph holds)
    and the model.
    """
    edges, result, model = _composed(triples, max_hops, model, previous_model)
    graphs = result_graphs(edges, result, probability_floor)
    stats = dict(result.stats)
    stored = stored_candidates(result, probability_floor)
    stats["candidates_stored"] = len(stored)
    stats["candidate_pairs_stored"] = sum(
        1 for t in graphs[CANDIDATES_GRAPH] if t.object == _CANDIDATE_TYPE and t.predicate == _RDF_TYPE
    )
    return graphs, stats, model


@dataclass(frozen=True)
class DerivedWrite:
    """The write that brings the store's inferred, candidates and conflicts graphs to a new result:
    ``replace`` whole graphs (nothing usable was stored), or ``delete`` the stale nodes' triples and
    ``append`` the new and changed nodes' (see :func:`results_rdf.result_changes`)."""

    replace: dict[str, list[ox.Triple]]
    delete: dict[str, list[ox.Triple]]
    append: dict[str, list[ox.Triple]]
    unchanged: int  # nodes the write leaves as they are
    changed: int  # nodes it adds, changes or removes (-1: unknown, the graphs are replaced whole)


def composition_write(
    store: GraphStore, triples: Sequence[ox.Triple], *, max_hops: int, probability_floor: float = 0.2,
) -> tuple[DerivedWrite, dict[str, int]]:
    """Compose and score ``triples`` with the store's model, and the write that stores the result.

    Only the nodes whose digest differs from the stored one are made into triples and written: an import
    of two mappings changes a few dozen nodes of some 30,000. A store whose graphs carry no digests (one
    written by an earlier version) gets its graphs replaced whole, and so does a store other processes may
    write to meanwhile (a remote one): a write of what differs from what was read is only safe when nobody
    else writes between (in this process, imports take turns).
    """
    edges, result, _ = _composed(triples, max_hops, stored_model(store), None)
    stats = dict(result.stats)
    stats["candidates_stored"] = len(stored_candidates(result, probability_floor))
    digests = stored_digests(store) if store.sole_writer else None
    changes = result_changes(edges, result, probability_floor, digests)
    if digests is None:
        return DerivedWrite(changes.written, {}, {}, 0, -1), stats
    replace = {graph: changes.written[graph] for graph in changes.whole}
    delete: dict[str, list[ox.Triple]] = {}
    append: dict[str, list[ox.Triple]] = {}
    for graph, written in changes.written.items():
        if graph in changes.whole:
            continue
        # A changed node mostly says what it said (a new probability, the rest as it was): only the
        # triples that differ are deleted and added.
        old = set(stale_triples(store, graph, changes.stale.get(graph, ())))
        new = set(written)
        delete[graph] = [t for t in old if t not in new]
        append[graph] = [t for t in written if t not in old]
    return DerivedWrite(replace, delete, append, changes.unchanged, changes.changed), stats


_DIGESTS_QUERY = (f"SELECT ?g ?node ?digest WHERE {{ VALUES ?g {{ <{INFERRED_GRAPH}> <{CANDIDATES_GRAPH}> "
                  f"<{CONFLICTS_GRAPH}> }} GRAPH ?g {{ ?node <{RESULT_DIGEST}> ?digest }} }}")


def stored_digests(store: GraphStore) -> dict[str, dict[str, str]] | None:
    """The digest of every stored result node, per graph; None when a result graph holds nodes without
    (written before digests were): it must be replaced whole."""
    out: dict[str, dict[str, str]] = {g: {} for g in (INFERRED_GRAPH, CANDIDATES_GRAPH, CONFLICTS_GRAPH)}
    answer = store.query(_DIGESTS_QUERY)
    assert isinstance(answer, ox.QuerySolutions)
    for row in answer:
        out[row["g"].value][row["node"].value] = row["digest"].value
    for graph, held in out.items():
        if not held:
            anything = store.query(f"ASK {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
            assert isinstance(anything, ox.QueryBoolean)
            if anything:
                return None
    return out


def stale_triples(store: GraphStore, graph: str, nodes: Collection[str]) -> list[ox.Triple]:
    """Every stored triple of ``nodes`` in ``graph``, with the direct ``A relation B`` triple of an inferred
    mapping node (its subject is the control, not the node)."""
    out = store.subject_triples(graph, nodes)
    if graph == INFERRED_GRAPH:
        ends: dict[ox.NamedNode | ox.BlankNode | ox.Triple, dict[str, ox.NamedNode]] = {}
        for t in out:
            part = _DIRECT_PARTS.get(t.predicate.value)
            if part is not None and isinstance(t.object, ox.NamedNode):
                ends.setdefault(t.subject, {})[part] = t.object
        out += [ox.Triple(e["s"], e["r"], e["o"]) for e in ends.values() if len(e) == 3]
    return out


_DIRECT_PARTS = {CG + "mappingSubject": "s", CG + "relation": "r", CG + "mappingObject": "o"}


_MODEL_QUERY = f"SELECT ?model WHERE {{ GRAPH <{BUILD_GRAPH}> {{ <{BUILD_GRAPH}> <{CG}probabilityModel> ?model }} }}"


def stored_model(store: GraphStore) -> ProbabilityModel | None:
    """The probability model the store's last build fitted (``None`` before any build stored one, or when an
    older version stored it in another form: it is fitted again)."""
    result = store.query(_MODEL_QUERY)
    assert isinstance(result, ox.QuerySolutions)
    for row in result:
        value = row["model"]
        if isinstance(value, ox.Literal):
            try:
                return ProbabilityModel.from_json(json.loads(value.value))
            except (KeyError, TypeError, ValueError):
                return None
    return None


_RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_CANDIDATE_TYPE = ox.NamedNode(CG + "CandidateLink")
