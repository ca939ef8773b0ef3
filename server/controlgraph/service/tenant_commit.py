"""Committing a tenant graph: SHACL validation of what the change can affect, then one atomic write.

:func:`controlgraph.pipeline.imports.commit_dataset` validates a dataset together with the whole graph, which
takes pyshacl 10-35 s on the shipped data: too slow for one mapping written from a GRC tool. The tenant
graph conformed when it was last written, so a change can only produce a result on:

- the nodes whose triples changed (a new or edited mapping, the set with its new revision), and nodes of the
  tenant graph naming a node that was removed;
- the mapping sets holding a mapping on the same pair of controls as a changed mapping, in either direction
  (their SPARQL constraint: "asserted both equal and not-related"), shared sets included.

Those are the focus nodes. The data they are validated against is read with targeted patterns, not a
crawl: their own triples, the mappings on the changed pairs with their sets, and the ``rdf:type`` of every
IRI those name (what ``sh:class`` reads: the two controls, the sets, the frameworks a set names). A
write of one mapping so reads a few dozen triples, whatever the size of the graph or of the tenant's history.

"Conformed when last written" holds only while the shared graphs stay as they were: a build or an import
may remove a control a tenant mapping names. So the first write of a tenant graph in a process, and the
first after any write of shared graphs, validates every node of the graph the same way (the tenant then
hears of a mapping that a shared change broke); so does every write to a store without a read cache (a
remote store, whose shared graphs may change behind our back).

Tenant mappings never feed the shared inferred graph, so the write replaces the tenant graph only.
"""

from __future__ import annotations

import threading
import weakref
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

import pyoxigraph as ox

from controlgraph.analysis.satisfiers import iri_values
from controlgraph.data.datasets import SHAPES_GRAPH
from controlgraph.data.literals import check_literal_lengths
from controlgraph.data.terms import term_value
from controlgraph.data.validation import validate_triples
from controlgraph.errors import ValidationFailed
from controlgraph.reasoning.materialise import asserted_edges, direct_triples
from controlgraph.store.base import GraphStore
from controlgraph.store.read_cache import ReadCache, cached
from controlgraph.vocabulary import (
    CG,
    DIRECT_PREDICATES,
    GRAPH,
    INFERRED_GRAPH,
    RDF,
    TENANT_GRAPH,
    sparql_prefixes,
)

_SKIPPED_GRAPHS = (INFERRED_GRAPH, GRAPH + "build", SHAPES_GRAPH)
_SUBJECT, _OBJECT, _IN_SET = CG + "mappingSubject", CG + "mappingObject", CG + "inMappingSet"

# The shared mappings on the given pairs (either direction) with all their triples, graph by graph.
_PAIRS_QUERY = sparql_prefixes() + """
SELECT ?m ?p ?o ?g WHERE {
  VALUES (?a ?b) { %s }
  GRAPH ?g { ?m cg:mappingSubject ?a ; cg:mappingObject ?b ; ?p ?o }
}"""

_NODES_QUERY = "SELECT ?s ?p ?o ?g WHERE { VALUES ?s { %s } GRAPH ?g { ?s ?p ?o } }"

_TYPES_QUERY = "SELECT ?s ?o ?g WHERE { VALUES ?s { %s } GRAPH ?g { ?s a ?o } }"

Nodes = dict[str, list[ox.Triple]]

# Per store (its read cache, whose generation changes with every write of shared graphs): for each tenant
# graph, the generation its whole content was last validated at.
_validated_whole: weakref.WeakKeyDictionary[ReadCache, dict[str, int]] = weakref.WeakKeyDictionary()
_validated_lock = threading.Lock()


def _shared_generation(store: GraphStore) -> tuple[ReadCache, int] | None:
    cache = getattr(store, "read_cache", None)
    return (cache, cache.generation) if isinstance(cache, ReadCache) else None


def _whole_graph_validated(store: GraphStore, graph: str) -> bool:
    found = _shared_generation(store)
    if found is None:
        return False
    with _validated_lock:
        return _validated_whole.get(found[0], {}).get(graph) == found[1]


def _shared(graph: str) -> bool:
    return not graph.startswith(TENANT_GRAPH) and graph not in _SKIPPED_GRAPHS


def _by_subject(triples: Iterable[ox.Triple]) -> Nodes:
    grouped: Nodes = defaultdict(list)
    for t in triples:
        grouped[term_value(t.subject)].append(t)
    return grouped


def _one(triples: Sequence[ox.Triple], predicate: str) -> str | None:
    return next((term_value(t.object) for t in triples if t.predicate.value == predicate), None)


def _shared_rows(store: GraphStore, query: str) -> Iterable[ox.QuerySolution]:
    for row in store.query(query):  # type: ignore[union-attr]
        if _shared(term_value(row["g"])):
            yield row


def _changed_nodes(content: Nodes, previous: Nodes) -> set[str]:
    """The nodes of ``content`` that are new or differ, and those naming a node that is gone."""
    changed = {iri for iri, triples in content.items() if set(triples) != set(previous.get(iri, ()))}
    removed = set(previous) - set(content)
    if removed:
        changed |= {iri for iri, triples in content.items()
                    if any(isinstance(t.object, ox.NamedNode) and t.object.value in removed for t in triples)}
    return changed


def _validation_data(store: GraphStore, content: Nodes, previous: Nodes,
                     changed: set[str]) -> tuple[list[ox.Triple], set[str]]:
    """The focus nodes (``changed`` and the sets the changed pairs touch) and the triples the shapes read."""
    focus = set(changed)
    pairs: set[tuple[str, str]] = set()
    for iri in focus | (set(previous) - set(content)):
        for version in (content.get(iri, ()), previous.get(iri, ())):
            a, b = _one(version, _SUBJECT), _one(version, _OBJECT)
            if a is not None and b is not None:
                pairs |= {(a, b), (b, a)}
    nodes: Nodes = {iri: content[iri] for iri in focus}
    sets: set[str] = set()
    if pairs:
        for iri, triples in content.items():  # the tenant's own mappings on those pairs
            if (_one(triples, _SUBJECT), _one(triples, _OBJECT)) in pairs:
                nodes[iri] = triples
        shared: Nodes = defaultdict(list)
        values = " ".join(f"({ox.NamedNode(a)} {ox.NamedNode(b)})" for a, b in sorted(pairs))
        for row in _shared_rows(store, _PAIRS_QUERY % values):
            if term_value(row["p"]) not in DIRECT_PREDICATES:
                shared[term_value(row["m"])].append(ox.Triple(row["m"], row["p"], row["o"]))  # type: ignore[arg-type]
        nodes.update(shared)
        sets = {s for triples in nodes.values() if (s := _one(triples, _IN_SET)) is not None}
        focus |= sets
        missing = [s for s in sets if s not in nodes]
        for s in missing:
            if s in content:
                nodes[s] = content[s]
        outside = [s for s in missing if s not in content]
        if outside:
            for row in _shared_rows(store, _NODES_QUERY % iri_values(outside)):
                if term_value(row["p"]) not in DIRECT_PREDICATES:
                    nodes.setdefault(term_value(row["s"]), []).append(
                        ox.Triple(row["s"], row["p"], row["o"]))  # type: ignore[arg-type]
    data = [t for triples in nodes.values() for t in triples]
    # What sh:class reads: the types of every IRI named, from the shared graphs or from the tenant's.
    named = {t.object.value for t in data if isinstance(t.object, ox.NamedNode) and t.predicate.value != RDF + "type"}
    named -= set(nodes)
    data += [t for iri in named & set(content) for t in content[iri] if t.predicate.value == RDF + "type"]
    elsewhere = named - set(content)
    if elsewhere:
        rdf_type = ox.NamedNode(RDF + "type")
        data += [ox.Triple(row["s"], rdf_type, row["o"])  # type: ignore[arg-type]
                 for row in _shared_rows(store, _TYPES_QUERY % iri_values(elsewhere))]
    return data, focus


def commit_tenant_graph(store: GraphStore, graph: str, triples: Sequence[ox.Triple], *, label: str,
                        validated_before: Sequence[ox.Triple] = (),
                        previous: Sequence[ox.Triple] | None = None,
                        append: Mapping[str, Sequence[ox.Triple]] | None = None) -> bool:
    """Validate ``triples`` as the new content of tenant ``graph``, then write it; False when nothing changed.

    ``append`` (graph -> triples) is added in the same transaction, unvalidated: the audit record of the
    change, which no shape reads, into a graph that is never read back here.

    ``validated_before`` is written too but not validated again: records that never change once written
    (audit records), so a tenant's writes do not get slower and larger as its history grows. ``previous``
    is the graph's content as the caller read it under the tenant's lock (read here when not given).
    """
    content = [t for t in triples if t.predicate.value not in DIRECT_PREDICATES]
    check_literal_lengths(content, label)
    before = store.graph_triples(graph) if previous is None else list(previous)
    edges = asserted_edges(content)
    written = content + direct_triples(edges) + list(validated_before)
    if set(written) == set(before) and not any((append or {}).values()):
        return False
    nodes = _by_subject(content)
    unvalidated = {term_value(t.subject) for t in validated_before}
    previous_nodes = _by_subject(t for t in before if t.predicate.value not in DIRECT_PREDICATES
                                 and term_value(t.subject) not in unvalidated)
    shared_state = _shared_generation(store)  # read before validating: a shared write meanwhile counts
    changed = _changed_nodes(nodes, previous_nodes) if _whole_graph_validated(store, graph) else set(nodes)
    if changed:
        data, focus = _validation_data(store, nodes, previous_nodes, changed)
        origin = {str(t.subject): label for t in content}
        # The shapes change only with a shared write, which renews the read cache.
        shapes = cached(store, ("tenant_commit.shapes",), lambda: store.graph_triples(SHAPES_GRAPH))
        report = validate_triples(data, shapes, origin=origin, focus=focus)
        if not report.conforms:
            raise ValidationFailed([v for v in report.violations if v.severity == "Violation"])
    store.replace_graphs({graph: written}, append=append)
    if shared_state is not None:
        with _validated_lock:
            _validated_whole.setdefault(shared_state[0], {})[graph] = shared_state[1]
    return True
