"""Mappings, mapping sets, conflicts and audit records looked up by IRI or listed, as a caller may see them.

Every lookup reads which graph a node sits in and drops nodes of graphs the caller's
:class:`~controlgraph.store.tenancy.Visibility` hides (another tenant's custom mappings). Lookups by IRI take
many IRIs at once, so a page of results costs a fixed number of store queries.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass

import pyoxigraph as ox

from controlgraph.analysis.satisfiers import iri_values
from controlgraph.data.terms import term_value
from controlgraph.store.base import GraphStore
from controlgraph.store.read_cache import cached
from controlgraph.store.tenancy import PUBLIC, Visibility, tenant_audit_graph, tenant_graph
from controlgraph.vocabulary import CG, DCTERMS, GRAPH, MAPPING, OWL, PROV, RDF, RDFS, SSSOM, Authority, Relation

CONFLICTS_GRAPH = GRAPH + "conflicts"

_NODES_QUERY = "SELECT ?node ?p ?o ?g WHERE { VALUES ?node { %s } GRAPH ?g { ?node ?p ?o } }"
_SETS_QUERY = f"SELECT ?node ?p ?o ?g WHERE {{ GRAPH ?g {{ ?node a <{CG}MappingSet> ; ?p ?o }} }}"
_SET_SIZES_QUERY = (f"SELECT ?set ?g (COUNT(?m) AS ?n) WHERE {{ GRAPH ?g {{ ?m <{CG}inMappingSet> ?set }} }} "
                    "GROUP BY ?set ?g")
_CONFLICTS_QUERY = (f"SELECT ?node ?p ?o ?g WHERE {{ VALUES ?g {{ <{CONFLICTS_GRAPH}> }} "
                    f"GRAPH ?g {{ ?node a <{CG}Conflict> ; ?p ?o }} }}")
_AUDIT_QUERY = (f"SELECT ?node ?p ?o WHERE {{ GRAPH ?g {{ ?node <{PROV}wasAttributedTo> ?who ; ?p ?o }} }}")

Properties = dict[str, list[str]]


def _value(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple | None) -> str:
    return "" if term is None else term_value(term)


def _first(props: Properties, predicate: str) -> str | None:
    values = props.get(predicate)
    return values[0] if values else None


def _visible_nodes(store: GraphStore, query: str, visibility: Visibility) -> dict[str, Properties]:
    nodes: dict[str, Properties] = defaultdict(lambda: defaultdict(list))
    for row in store.query(query):  # type: ignore[union-attr]
        node, predicate, obj, graph = (_value(row[i]) for i in range(4))
        if visibility.sees_graph(graph):
            values = nodes[node][predicate]
            if obj not in values:
                values.append(obj)
    return nodes


@dataclass(frozen=True)
class MappingRecord:
    iri: str
    subject: str
    object: str
    relation: Relation
    mapping_set: str
    rationale: str | None
    strength: int | None
    confidence: float | None
    justification: str | None
    comment: str | None
    inferred: bool
    path: tuple[str, ...]  # for an inferred mapping: the asserted mappings chained, in order


def mapping_records(
    store: GraphStore, iris: Collection[str], visibility: Visibility = PUBLIC
) -> dict[str, MappingRecord]:
    """The mappings among ``iris`` the caller may see, keyed by IRI (in one store query)."""
    if not iris:
        return {}
    found: dict[str, MappingRecord] = {}
    for iri, props in _visible_nodes(store, _NODES_QUERY % iri_values(iris), visibility).items():
        subject, obj, relation = (_first(props, CG + p) for p in ("mappingSubject", "mappingObject", "relation"))
        if subject is None or obj is None or relation is None:
            continue  # not a mapping node (or only partly visible)
        strength = _first(props, CG + "strength")
        confidence = _first(props, SSSOM + "confidence")
        rationale = _first(props, CG + "rationale")
        justification = _first(props, SSSOM + "mapping_justification")
        path = _first(props, CG + "pathText")
        found[iri] = MappingRecord(
            iri=iri,
            subject=subject,
            object=obj,
            relation=Relation.from_iri(relation),
            mapping_set=_first(props, CG + "inMappingSet") or "",
            rationale=rationale.rsplit("#", 1)[-1].lower() if rationale else None,
            strength=int(strength) if strength is not None else None,
            confidence=float(confidence) if confidence is not None else None,
            justification=justification.rsplit("/", 1)[-1] if justification else None,
            comment=_first(props, RDFS + "comment"),
            inferred=CG + "InferredMapping" in props.get(RDF + "type", []),
            path=tuple(path.split()) if path else (),
        )
    return found


@dataclass(frozen=True)
class MappingSetInfo:
    iri: str
    title: str
    authority: str | None
    publisher: str | None
    source: str | None
    version: str | None
    issued: str | None
    licence: str | None

    @property
    def set_id(self) -> str:
        return self.iri.rsplit("/", 1)[-1]


def _authority(iri: str | None) -> str | None:
    if iri is None:
        return None
    try:
        return Authority.from_iri(iri).value
    except ValueError:
        return iri


def mapping_set_sizes(store: GraphStore, visibility: Visibility = PUBLIC) -> dict[str, int]:
    """Number of mappings of each set the caller may see, by set IRI (one aggregate over every mapping)."""
    sizes: dict[str, int] = defaultdict(int)
    for row in store.query(_SET_SIZES_QUERY):  # type: ignore[union-attr]
        if visibility.sees_graph(_value(row[1])):
            sizes[_value(row[0])] += int(_value(row[2]))
    return dict(sizes)


def mapping_sets(store: GraphStore, visibility: Visibility = PUBLIC) -> list[MappingSetInfo]:
    """Every mapping set the caller may see, by set id, with its provenance."""
    return list(cached(store, ("mapping_sets", visibility), lambda: _mapping_sets(store, visibility)))


def _mapping_sets(store: GraphStore, visibility: Visibility) -> list[MappingSetInfo]:
    out = []
    for iri, props in _visible_nodes(store, _SETS_QUERY, visibility).items():
        out.append(MappingSetInfo(
            iri=iri,
            title=_first(props, DCTERMS + "title") or iri,
            authority=_authority(_first(props, CG + "authority")),
            publisher=_first(props, DCTERMS + "publisher"),
            source=_first(props, DCTERMS + "source"),
            version=_first(props, OWL + "versionInfo"),
            issued=_first(props, DCTERMS + "issued"),
            licence=_first(props, DCTERMS + "license"),
        ))
    out.sort(key=lambda s: s.set_id)
    return out


@dataclass(frozen=True)
class ConflictRecord:
    """Sources that cannot all be true about one pair of controls (from the composition engine)."""

    iri: str
    subject: str | None
    object: str | None
    mappings: tuple[str, ...]
    explanation: str | None


# As the composition engine writes them (reasoning/results_rdf.py).
_CONFLICT_SUBJECT = (CG + "mappingSubject",)
_CONFLICT_OBJECT = (CG + "mappingObject",)
_CONFLICT_TEXT = (RDFS + "comment",)


def conflicts(store: GraphStore) -> list[ConflictRecord]:
    """The ``cg:Conflict`` nodes of the conflicts graph, in IRI order.

    The composition engine writes them; the mappings involved are every mapping IRI the node points to.
    """
    out = []
    for iri, props in _visible_nodes(store, _CONFLICTS_QUERY, PUBLIC).items():
        mappings = sorted({v for vs in props.values() for v in vs if v.startswith(MAPPING)})
        out.append(ConflictRecord(
            iri=iri,
            subject=next((_first(props, p) for p in _CONFLICT_SUBJECT if p in props), None),
            object=next((_first(props, p) for p in _CONFLICT_OBJECT if p in props), None),
            mappings=tuple(mappings),
            explanation=next((_first(props, p) for p in _CONFLICT_TEXT if p in props), None),
        ))
    return sorted(out, key=lambda c: c.iri)


@dataclass(frozen=True)
class AuditRecord:
    iri: str
    action: str
    at: str
    node: str
    what: str
    agent: str


def audit_records(store: GraphStore, tenant: str) -> list[AuditRecord]:
    """Every change the tenant made, oldest first."""
    # The audit graph, and the tenant graph where stores written before the audit graph keep their records.
    graphs = f"{ox.NamedNode(tenant_audit_graph(tenant))} {ox.NamedNode(tenant_graph(tenant))}"
    query = _AUDIT_QUERY.replace("GRAPH ?g", f"VALUES ?g {{ {graphs} }} GRAPH ?g")
    nodes: dict[str, Properties] = defaultdict(lambda: defaultdict(list))
    for row in store.query(query):  # type: ignore[union-attr]
        nodes[_value(row[0])][_value(row[1])].append(_value(row[2]))
    records = [
        AuditRecord(iri, _first(p, DCTERMS + "type") or "", _first(p, PROV + "generatedAtTime") or "",
                    _first(p, DCTERMS + "subject") or "", _first(p, RDFS + "comment") or "",
                    _first(p, PROV + "wasAttributedTo") or "")
        for iri, p in nodes.items()
    ]
    return sorted(records, key=lambda r: (r.at, r.iri))
