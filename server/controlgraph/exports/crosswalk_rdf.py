"""Crosswalk as RDF (Turtle, or JSON-LD with an ``@context``): the mapping nodes and their sets' provenance.

The graph holds, for every row: the mapping node with all its statements as stored, the direct
relation triple the build materialises beside it, and the mapping set with its provenance
(publisher, source, version, date, licence, authority); for a relation entailed by the ontology's
axioms, which has no node, the direct triple alone. Both ends carry their notation, title and
framework (and their responsibility, where recorded), so the file reads on its own. A pair several sets
assert keeps one node per set (each with its own provenance). With candidates, each ``cg:CandidateLink``
node comes as stored (possible relations, ``cg:probability``, chain counts, first chain), never a direct
relation triple: nothing is proven. rdflib serialises (the serving store is not involved).
"""

from __future__ import annotations

import pyoxigraph as ox
import rdflib

from controlgraph.exports.crosswalk_sssom import mapping_nodes
from controlgraph.exports.crosswalk_table import CrosswalkExport, per_source
from controlgraph.reasoning.results_rdf import RESULT_DIGEST
from controlgraph.store.base import GraphStore
from controlgraph.vocabulary import CG, MAPPING_SET, PREFIXES, SKOS, XSD, Relation

_SUBJECTS_QUERY = "SELECT ?s ?p ?o WHERE { VALUES ?s { %s } ?s ?p ?o }"
# Both ends: notation, title, framework, and whose obligation they are (27017 party, CCM ownership when imported).
_DESCRIBED = {SKOS + "notation", SKOS + "prefLabel", SKOS + "inScheme", CG + "responsibility",
              CG + "responsibleParty", *(f"{CG}responsibleParty{model}" for model in ("IaaS", "PaaS", "SaaS"))}
CONTEXT: dict[str, str] = {**PREFIXES, "mapping": "https://w3id.org/controlgraph/id/mapping/"}


def _term(term: ox.NamedNode | ox.Literal | ox.BlankNode) -> rdflib.term.Identifier:
    if isinstance(term, ox.NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return rdflib.BNode(term.value)
    if term.language:
        return rdflib.Literal(term.value, lang=term.language)
    if term.datatype.value == XSD + "string":  # plain literals stay plain in Turtle and JSON-LD
        return rdflib.Literal(term.value)
    return rdflib.Literal(term.value, datatype=rdflib.URIRef(term.datatype.value))


def _add_statements(graph: rdflib.Graph, store: GraphStore, subjects: set[str], keep: set[str] | None = None) -> None:
    ordered = sorted(subjects)
    for start in range(0, len(ordered), 500):
        # Every IRI here was read from the store, never taken from a request.
        values = " ".join(f"<{iri}>" for iri in ordered[start:start + 500])
        for solution in store.query(_SUBJECTS_QUERY % values):  # type: ignore[union-attr]
            if (keep is None or solution["p"].value in keep) and solution["p"].value != RESULT_DIGEST:
                graph.add((rdflib.URIRef(solution["s"].value), rdflib.URIRef(solution["p"].value),
                           _term(solution["o"])))


def crosswalk_graph(store: GraphStore, export: CrosswalkExport) -> rdflib.Graph:
    graph = rdflib.Graph()
    for prefix, namespace in CONTEXT.items():
        graph.bind(prefix, namespace)
    rows = per_source(export.rows)
    nodes = mapping_nodes(store, rows)
    for iri, statements in nodes.items():
        node = rdflib.URIRef(iri)
        for prop, values in statements.items():
            if prop == RESULT_DIGEST:  # the store's bookkeeping for imports, not a statement about the pair
                continue
            for value in values:
                graph.add((node, rdflib.URIRef(prop), _term(value)))
        subject, obj = statements[CG + "mappingSubject"][0], statements[CG + "mappingObject"][0]
        relation = Relation.from_iri(statements[CG + "relation"][0].value)
        graph.add((rdflib.URIRef(subject.value), rdflib.URIRef(relation.iri), rdflib.URIRef(obj.value)))
    sets = {MAPPING_SET + r.mapping.mapping_set for r in rows if r.mapping.mapping_set}
    _add_statements(graph, store, sets)
    _add_statements(graph, store, {c.candidate.iri for c in export.candidates})
    controls = {r.source.iri for r in rows} | {r.mapping.control.iri for r in rows}
    controls |= {c.source.iri for c in export.candidates} | {c.target.iri for c in export.candidates}
    _add_statements(graph, store, controls, keep=_DESCRIBED)
    return graph


def crosswalk_turtle(store: GraphStore, export: CrosswalkExport) -> str:
    return crosswalk_graph(store, export).serialize(format="turtle")


def crosswalk_jsonld(store: GraphStore, export: CrosswalkExport) -> str:
    return crosswalk_graph(store, export).serialize(format="json-ld", context=CONTEXT, indent=2)
