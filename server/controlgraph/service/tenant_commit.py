"""Committing a tenant graph: SHACL validation in the context that matters, then one atomic write.

:func:`controlgraph.pipeline.imports.commit_dataset` validates a dataset together with the whole graph, which
takes pyshacl 10-35 s on the shipped data: too slow for one mapping written from a GRC tool. A tenant's
mappings can only break a shape through the nodes they name, so they are validated with that
neighbourhood of the shared graphs as context:

- the controls they map, and the controls at the other end of every shared mapping touching those,
  each with its ancestors (``skos:broader``) and its framework node;
- those shared mappings and their sets (so "asserted both equal and not-related" is still caught).

Tenant mappings never feed the shared inferred graph, so the write replaces the tenant graph only.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import pyoxigraph as ox

from controlgraph.analysis.satisfiers import iri_values
from controlgraph.data.datasets import SHAPES_GRAPH
from controlgraph.data.interop import term_value
from controlgraph.data.literals import check_literal_lengths
from controlgraph.data.validation import validate_triples
from controlgraph.errors import ValidationFailed
from controlgraph.reasoning.materialise import asserted_edges, direct_triples
from controlgraph.store.base import GraphStore
from controlgraph.vocabulary import (
    CG,
    DIRECT_PREDICATES,
    GRAPH,
    INFERRED_GRAPH,
    TENANT_GRAPH,
    sparql_prefixes,
)

_SKIPPED_GRAPHS = (INFERRED_GRAPH, GRAPH + "build", SHAPES_GRAPH)

_TOUCHING_QUERY = sparql_prefixes() + """
SELECT ?m ?end ?set ?g WHERE {
  VALUES ?c { %s }
  { ?m cg:mappingSubject ?c ; cg:mappingObject ?end } UNION { ?m cg:mappingObject ?c ; cg:mappingSubject ?end }
  GRAPH ?g { ?m cg:inMappingSet ?set }
}"""

# Every framework node comes along (there are a few), since frameworks name each other (cg:supersedes).
_CONTROLS_QUERY = sparql_prefixes() + """
SELECT DISTINCT ?node WHERE {
  { VALUES ?c { %s } ?c skos:broader* ?node . } UNION { ?node a cg:Framework }
}"""

_NODES_QUERY = "SELECT ?s ?p ?o ?g WHERE { VALUES ?s { %s } GRAPH ?g { ?s ?p ?o } }"


def _shared(graph: str) -> bool:
    return not graph.startswith(TENANT_GRAPH) and graph not in _SKIPPED_GRAPHS


def _neighbourhood(store: GraphStore, controls: Collection[str]) -> list[ox.Triple]:
    if not controls:
        return []
    nodes: set[str] = set()
    ends = set(controls)
    for row in store.query(_TOUCHING_QUERY % iri_values(controls)):  # type: ignore[union-attr]
        mapping, end, mapping_set, graph = (term_value(row[i]) for i in range(4))
        if _shared(graph) and isinstance(row[2], ox.NamedNode):
            nodes |= {mapping, mapping_set}
            ends.add(end)
    for row in store.query(_CONTROLS_QUERY % iri_values(ends)):  # type: ignore[union-attr]
        if isinstance(row[0], ox.NamedNode):
            nodes.add(row[0].value)
    triples = []
    for row in store.query(_NODES_QUERY % iri_values(nodes)):  # type: ignore[union-attr]
        if _shared(term_value(row[3])) and term_value(row[1]) not in DIRECT_PREDICATES:
            triples.append(ox.Triple(row[0], row[1], row[2]))  # type: ignore[arg-type]
    return triples


def commit_tenant_graph(store: GraphStore, graph: str, triples: Sequence[ox.Triple], *, label: str,
                        validated_before: Sequence[ox.Triple] = (),
                        previous: Sequence[ox.Triple] | None = None) -> bool:
    """Validate ``triples`` as the new content of tenant ``graph``, then write it; False when nothing changed.

    ``validated_before`` is written too but not validated again: records that never change once written
    (audit records), so a tenant's writes do not get slower and larger as its history grows. ``previous``
    is the graph's content as the caller read it under the tenant's lock (read here when not given).
    """
    content = [t for t in triples if t.predicate.value not in DIRECT_PREDICATES]
    check_literal_lengths(content, label)
    edges = asserted_edges(content)
    controls = {e.subject for e in edges} | {e.object for e in edges}
    controls |= {term_value(t.object) for t in content
                 if t.predicate.value in (CG + "mappingSubject", CG + "mappingObject", CG + "coverSubject",
                                          CG + "coveredBy")}
    context = _neighbourhood(store, controls)
    origin = {str(t.subject): label for t in content}
    report = validate_triples([*context, *content], store.graph_triples(SHAPES_GRAPH), origin=origin)
    if not report.conforms:
        raise ValidationFailed([v for v in report.violations if v.severity == "Violation"])
    written = content + direct_triples(edges) + list(validated_before)
    if set(written) == set(store.graph_triples(graph) if previous is None else previous):
        return False
    store.replace_graphs({graph: written})
    return True
