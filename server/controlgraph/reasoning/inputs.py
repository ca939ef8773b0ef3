"""Read asserted mappings, with the provenance the composition engine weighs, from triples or a store."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence

import pyoxigraph as ox

from controlgraph.data.terms import term_value
from controlgraph.reasoning.class_graph import AssertedMapping
from controlgraph.reasoning.readings import CoverStatement, MappingFacts, possible, read_all
from controlgraph.store.base import GraphStore
from controlgraph.vocabulary import (
    CG,
    DCTERMS,
    DIRECT_PREDICATES,
    GRAPH,
    INFERRED_GRAPH,
    RELATION_IRIS,
    SKOS,
    SSSOM,
    TENANT_GRAPH,
    Rationale,
    Relation,
)

_RATIONALES = {r.iri: r for r in Rationale}
_FIELDS = {
    CG + "mappingSubject": "subject",
    CG + "mappingObject": "object",
    CG + "relation": "relation",
    CG + "rationale": "rationale",
    CG + "strength": "strength",
    SSSOM + "confidence": "confidence",
    CG + "inMappingSet": "set",
    CG + "relationSource": "source",
    CG + "gapLevel": "gap",
    CG + "reading": "reading",
}
# Graphs whose mappings are not shared evidence: derived results, build metadata, tenants' own.
NOT_SHARED = (INFERRED_GRAPH, GRAPH + "candidates", GRAPH + "conflicts", GRAPH + "build", TENANT_GRAPH)


def asserted_mappings(triples: Iterable[ox.Triple]) -> list[AssertedMapping]:
    """Every complete mapping node in ``triples`` (publisher read from its set when present)."""
    fields: dict[str, dict[str, str]] = {}
    publishers: dict[str, str] = {}
    for t in triples:
        p = t.predicate.value
        if p == DCTERMS + "publisher":
            publishers[term_value(t.subject)] = term_value(t.object)
        name = _FIELDS.get(p)
        if name is not None:
            fields.setdefault(term_value(t.subject), {})[name] = term_value(t.object)
    found: list[AssertedMapping] = []
    facts: list[MappingFacts] = []
    for mapping, f in sorted(fields.items()):
        if not {"subject", "object", "relation"} <= f.keys() or f["relation"] not in RELATION_IRIS:
            continue
        strength = f.get("strength")
        confidence = f.get("confidence")
        set_iri = f.get("set")
        relation = Relation.from_iri(f["relation"])
        facts.append(MappingFacts(
            mapping, f["subject"], relation, f["object"], set_iri, f.get("source"), f.get("gap"), f.get("reading")
        ))
        found.append(AssertedMapping(
            mapping=mapping,
            subject=f["subject"],
            relation=relation,
            object=f["object"],
            rationale=_RATIONALES.get(f.get("rationale", "")),
            strength=int(strength) if strength is not None and strength.lstrip("-").isdigit() else None,
            confidence=float(confidence) if confidence is not None else None,
            mapping_set=set_iri,
            publisher=publishers.get(set_iri) if set_iri else None,
        ))
    readings, _ = read_all(facts)
    return [_read(m, readings[m.mapping]) for m in found]


def cover_statements(triples: Iterable[ox.Triple]) -> list[CoverStatement]:
    """The cover-set statements (a control contained in the union of several) of ``triples``."""
    facts = [
        MappingFacts(m.mapping, m.subject, m.relation, m.object, m.mapping_set, None, gap, None)
        for m, gap in _gap_levels(triples)
    ]
    return read_all(facts)[1]


def _gap_levels(triples: Iterable[ox.Triple]) -> list[tuple[AssertedMapping, str]]:
    listed = list(triples)
    gaps = {term_value(t.subject): term_value(t.object) for t in listed if t.predicate.value == CG + "gapLevel"}
    return [(m, gaps[m.mapping]) for m in asserted_mappings(listed) if m.mapping in gaps]


def _read(m: AssertedMapping, reading: str) -> AssertedMapping:
    if reading == "stated":
        return m
    return dataclasses.replace(m, possible=possible(m.relation, reading), reading=reading)


def shared_graphs(graphs: Mapping[str, Sequence[ox.Triple]]) -> list[ox.Triple]:
    """The triples of every graph whose mappings are shared evidence."""
    return [t for name, triples in graphs.items() if not name.startswith(NOT_SHARED) for t in triples]


def store_evidence(store: GraphStore, leave_out: Sequence[str] = ()) -> list[ox.Triple]:
    """What the composition engine reads from a store: the shared graphs (but those in ``leave_out``), without
    the direct ``A relation B`` triples materialised beside mapping nodes (they are read from the nodes)."""
    return [t for name in store.graph_names() if name not in leave_out and not name.startswith(NOT_SHARED)
            for t in store.graph_triples(name) if t.predicate.value not in DIRECT_PREDICATES]


def store_mappings(store: GraphStore) -> list[AssertedMapping]:
    """Asserted, shared mappings of a store (tenants' custom mappings and inferred ones left out)."""
    graphs = {name: store.graph_triples(name) for name in store.graph_names() if not name.startswith(NOT_SHARED)}
    return asserted_mappings(shared_graphs(graphs))


def control_texts(triples: Iterable[ox.Triple]) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """Titles, imported statements and parents of the controls in ``triples``."""
    titles: dict[str, str] = {}
    statements: dict[str, str] = {}
    parents: dict[str, str] = {}
    for t in triples:
        p = t.predicate.value
        if p == SKOS + "prefLabel":
            titles[term_value(t.subject)] = term_value(t.object)
        elif p == CG + "statement":
            statements[term_value(t.subject)] = term_value(t.object)
        elif p == SKOS + "broader":
            parents[term_value(t.subject)] = term_value(t.object)
    return titles, statements, parents


def store_texts(store: GraphStore) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """:func:`control_texts` over a store's shared graphs."""
    names = [name for name in store.graph_names() if not name.startswith(NOT_SHARED)]
    return control_texts(t for name in names for t in store.graph_triples(name))
