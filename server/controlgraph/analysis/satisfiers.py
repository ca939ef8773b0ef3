"""Which controls satisfy X: every mapping from or to X, read from X's side."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox

from controlgraph.errors import NotFound
from controlgraph.store.base import GraphStore
from controlgraph.store.read_cache import cached
from controlgraph.store.tenancy import PUBLIC, Visibility, tenant_audit_graph, tenant_graph
from controlgraph.vocabulary import (
    CG,
    DCTERMS,
    RDF,
    RDFS,
    SSSOM,
    Authority,
    ControlRef,
    Relation,
    framework_iri,
    sparql_prefixes,
)

FULL = frozenset({Relation.EQUAL, Relation.SUBSET_OF})
PARTIAL = frozenset({Relation.SUPERSET_OF, Relation.INTERSECTS_WITH})


def notation_key(notation: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key reading numbers as numbers: A.5.3 before A.5.14, Art.9 before Art.10."""
    return tuple((0, int(part)) if part.isdigit() else (1, part) for part in re.split(r"(\d+)", notation) if part)


def coverage_of(relation: Relation) -> str:
    """How far Y covers X when ``X relation Y`` holds."""
    if relation in FULL:
        return "full"
    if relation in PARTIAL:
        return "partial"
    return "none"


@dataclass(frozen=True)
class ControlInfo:
    iri: str
    framework: str
    notation: str
    title: str
    kind: str

    @property
    def ref(self) -> str:
        return f"{self.framework}:{self.notation}"


@dataclass(frozen=True)
class Satisfier:
    control: ControlInfo
    relation: Relation  # read as "X relation control"
    coverage: str
    inferred: bool
    mapping: str | None
    mapping_set: str | None
    set_title: str | None
    authority: str | None
    publisher: str | None
    strength: int | None
    comment: str | None
    rationale: str | None = None  # syntactic, semantic or functional
    justification: str | None = None  # semapv term, e.g. ManualMappingCuration or MappingChaining
    confidence: float | None = None
    licence: str | None = None
    path: tuple[str, ...] = ()  # for inferred mappings: the asserted mappings chained, in order from X
    rolled_up_from: ControlInfo | None = None  # mapped to this item beneath X, not to X (analysis/rollup.py)
    # When one row stands for a pair several sets assert (analysis/sources.py): every asserting satisfier.
    sources: tuple[Satisfier, ...] = ()


_CONTROL_QUERY = sparql_prefixes() + """
SELECT ?x ?notation ?title ?kind ?slug WHERE {
  ?x a cg:Control ; skos:notation ?notation ; skos:prefLabel ?title ; cg:kind ?kind ; skos:inScheme ?scheme .
  ?scheme cg:slug ?slug .
}"""

# The mapping nodes around the controls in scope, with the graph each one's set membership sits in:
# a read drops mappings from graphs it may not see (other tenants' custom mappings). Details of the
# nodes and of their sets come in two further queries over the nodes found, which is several times
# faster in pyoxigraph than one query with an OPTIONAL per property.
_MAPPINGS_QUERY = sparql_prefixes() + """
SELECT ?x ?other ?rel ?dir ?m ?set ?g WHERE {
  %(scope)s
  { ?m cg:mappingSubject ?x ; cg:mappingObject ?other ; cg:relation ?rel . BIND("forward" AS ?dir) }
  UNION
  { ?m cg:mappingObject ?x ; cg:mappingSubject ?other ; cg:relation ?rel . BIND("inverse" AS ?dir) }
  GRAPH ?g { ?m cg:inMappingSet ?set }
}"""

# A tenant's own mappings: the same rows, from its own graphs only (a few nodes, looked up from the items).
_OWN_MAPPINGS_QUERY = sparql_prefixes() + """
SELECT ?x ?other ?rel ?dir ?m ?set ?g WHERE {
  %(scope)s
  VALUES ?g { %(graphs)s }
  GRAPH ?g {
    { ?m cg:mappingSubject ?x ; cg:mappingObject ?other ; cg:relation ?rel . BIND("forward" AS ?dir) }
    UNION
    { ?m cg:mappingObject ?x ; cg:mappingSubject ?other ; cg:relation ?rel . BIND("inverse" AS ?dir) }
    ?m cg:inMappingSet ?set
  }
}"""

# Every property of the nodes, kept or dropped in Python: restricting ?p in the query (VALUES or
# FILTER) made pyoxigraph 0.5 up to 40 times slower than fetching them all.
_NODE_DETAILS_QUERY = """SELECT ?node ?p ?o WHERE { VALUES ?node { %s } ?node ?p ?o . }"""
_DETAIL_PROPERTIES = frozenset({
    RDF + "type", CG + "strength", RDFS + "comment", CG + "rationale", SSSOM + "mapping_justification",
    SSSOM + "confidence", CG + "pathText", CG + "authority", DCTERMS + "title", DCTERMS + "publisher",
    DCTERMS + "license",
})

_OTHER_QUERY = sparql_prefixes() + """
SELECT ?other ?notation ?title ?kind ?slug WHERE {
  VALUES ?other { %s }
  ?other skos:notation ?notation ; skos:prefLabel ?title ; cg:kind ?kind ; skos:inScheme ?scheme .
  ?scheme cg:slug ?slug .
}"""

_INFERRED_MAPPING = CG + "InferredMapping"


def _text(solution: ox.QuerySolution, name: str | int) -> str | None:
    # Positional access (the projection's order) is about three times faster than by name in pyoxigraph.
    term = solution[name]
    return None if term is None else str(term.value)


def iri_values(iris: Iterable[str]) -> str:
    """IRIs written for a VALUES block; each goes through pyoxigraph's IRI check, so none can break out."""
    return " ".join(str(ox.NamedNode(iri)) for iri in sorted(set(iris)))


def _one_control_scope(iris: Iterable[str]) -> str:
    return f"VALUES ?x {{ {iri_values(iris)} }}"


def _framework_scope(slug: str) -> str:
    return f"?x skos:inScheme {ox.NamedNode(framework_iri(slug))} ."


def control_info(store: GraphStore, ref: ControlRef) -> ControlInfo:
    rows = cached(store, ("control", ref.iri), lambda: list(
        store.query(_CONTROL_QUERY, substitutions={"x": ox.NamedNode(ref.iri)})))  # type: ignore[arg-type]
    if not rows:
        raise NotFound(f"no control {ref} in the graph (is the framework slug and identifier right?)")
    row = rows[0]
    return ControlInfo(ref.iri, str(_text(row, "slug")), str(_text(row, "notation")),
                       str(_text(row, "title")), str(_text(row, "kind")))


def describe_controls(store: GraphStore, iris: Collection[str]) -> dict[str, ControlInfo]:
    """Framework, notation, title and kind of each control IRI found (unknown IRIs are left out)."""
    if not iris:
        return {}
    infos = {}
    for row in store.query(_OTHER_QUERY % iri_values(iris)):  # type: ignore[union-attr]
        iri, notation, title, kind, slug = (str(_text(row, i)) for i in range(5))
        infos[iri] = ControlInfo(iri, slug, notation, title, kind)
    return infos


def node_details(store: GraphStore, nodes: Collection[str]) -> dict[str, dict[str, list[str]]]:
    """The properties satisfiers report, of each node (mapping or mapping set): predicate IRI -> values."""
    details: dict[str, dict[str, list[str]]] = {}
    if not nodes:
        return details
    for row in store.query(_NODE_DETAILS_QUERY % iri_values(nodes)):  # type: ignore[union-attr]
        predicate = str(_text(row, 1))
        if predicate not in _DETAIL_PROPERTIES:
            continue
        values = details.setdefault(str(_text(row, 0)), {}).setdefault(predicate, [])
        value = str(_text(row, 2))
        if value not in values:
            values.append(value)
    return details


@dataclass(frozen=True)
class _Found:
    x: str
    other: str
    relation: Relation
    inferred: bool
    mapping: str | None = None
    mapping_set: str | None = None
    read_backwards: bool = False  # X is the node's object: its chain is read from the other end


def _first(props: dict[str, list[str]], iri: str) -> str | None:
    values = props.get(iri)
    return values[0] if values else None


def _satisfiers(
    store: GraphStore,
    scope: str,
    *,
    frameworks: Collection[str],
    include_inferred: bool,
    include_partial: bool,
    include_not_related: bool = False,
    visibility: Visibility = PUBLIC,
) -> dict[str, list[Satisfier]]:
    """The shared answer, cached under a key without a tenant, and for a tenant its own mappings laid over it.

    A tenant's write renews only the cache entries of that tenant (store/read_cache.py): keeping the shared
    part apart means it recomputes its own few mappings after each of its writes, not every mapping of the
    framework (a crosswalk took about a second, and a writing tenant's reads did it after every write).
    """
    options = (tuple(sorted(frameworks)), include_inferred, include_partial, include_not_related)
    shared = cached(store, ("satisfiers", scope, *options, PUBLIC), lambda: _compute_satisfiers(
        store, scope, frameworks=frameworks, include_inferred=include_inferred, include_partial=include_partial,
        include_not_related=include_not_related, visibility=PUBLIC))
    found = {x: list(rows) for x, rows in shared.items()}  # callers may reorder or extend their copy
    if visibility.tenant is None:
        return found
    own = cached(store, ("satisfiers-own", scope, *options, visibility), lambda: _compute_satisfiers(
        store, scope, frameworks=frameworks, include_inferred=include_inferred, include_partial=include_partial,
        include_not_related=include_not_related, visibility=visibility, own_only=True))
    for x, rows in own.items():
        known = {(s.mapping, s.control.iri) for s in found.get(x, [])}
        merged = found.setdefault(x, [])
        merged += [s for s in rows if (s.mapping, s.control.iri) not in known]
        _order(merged)
    return found


def _order(rows: list[Satisfier]) -> None:
    rows.sort(key=lambda s: (_COVERAGE_ORDER[s.coverage], s.inferred, s.control.framework,
                             notation_key(s.control.notation), s.mapping_set or ""))


_COVERAGE_ORDER = {"full": 0, "partial": 1, "none": 2}


def _compute_satisfiers(
    store: GraphStore,
    scope: str,
    *,
    frameworks: Collection[str],
    include_inferred: bool,
    include_partial: bool,
    include_not_related: bool,
    visibility: Visibility,
    own_only: bool = False,
) -> dict[str, list[Satisfier]]:
    """Rows from every graph ``visibility`` sees; with ``own_only``, from the tenant's own graphs only."""
    raw: list[_Found] = []
    seen: set[tuple[str | None, str | None, str | None]] = set()
    if own_only:
        assert visibility.tenant is not None
        graphs = iri_values([tenant_graph(visibility.tenant), tenant_audit_graph(visibility.tenant)])
        query = _OWN_MAPPINGS_QUERY % {"scope": scope, "graphs": graphs}
    else:
        query = _MAPPINGS_QUERY % {"scope": scope}
    for row in store.query(query):  # type: ignore[union-attr]
        x, other, rel_iri, direction, m, mapping_set, graph = (_text(row, i) for i in range(7))
        if not visibility.sees_graph(str(graph)) or (x, m, direction) in seen:
            continue
        seen.add((x, m, direction))
        rel = Relation.from_iri(str(rel_iri))
        raw.append(_Found(str(x), str(other), rel.inverse if direction == "inverse" else rel, False, m, mapping_set,
                          direction == "inverse"))
    details = node_details(store, {f.mapping for f in raw if f.mapping} | {f.mapping_set for f in raw if f.mapping_set})
    raw = [
        _Found(f.x, f.other, f.relation, _INFERRED_MAPPING in details.get(str(f.mapping), {}).get(RDF + "type", []),
               f.mapping, f.mapping_set, f.read_backwards)
        for f in raw
    ]
    if not include_inferred:
        raw = [f for f in raw if not f.inferred]
    infos = describe_controls(store, {f.other for f in raw})
    found: dict[str, list[Satisfier]] = {}
    for f in raw:
        coverage = coverage_of(f.relation)
        info = infos.get(f.other)
        if info is None or (coverage == "none" and not include_not_related):
            continue
        if coverage == "partial" and not include_partial:
            continue
        if frameworks and info.framework not in frameworks:
            continue
        found.setdefault(f.x, []).append(_satisfier(f, info, coverage, details))
    for rows in found.values():
        _order(rows)
    return found


def _satisfier(f: _Found, info: ControlInfo, coverage: str, details: dict[str, dict[str, list[str]]]) -> Satisfier:
    node = details.get(str(f.mapping), {})
    of_set = details.get(str(f.mapping_set), {})
    strength = _first(node, CG + "strength")
    rationale = _first(node, CG + "rationale")
    justification = _first(node, SSSOM + "mapping_justification")
    confidence = _first(node, SSSOM + "confidence")
    path = _first(node, CG + "pathText")
    return Satisfier(
        control=info,
        relation=f.relation,
        coverage=coverage,
        inferred=f.inferred,
        mapping=f.mapping,
        mapping_set=_set_id(f.mapping_set),
        set_title=_first(of_set, DCTERMS + "title"),
        authority=_local(_first(of_set, CG + "authority")),
        publisher=_first(of_set, DCTERMS + "publisher"),
        strength=int(strength) if strength is not None else None,
        comment=_first(node, RDFS + "comment"),
        rationale=rationale.rsplit("#", 1)[-1].lower() if rationale else None,
        justification=justification.rsplit("/", 1)[-1] if justification else None,
        confidence=float(confidence) if confidence is not None else None,
        licence=_first(of_set, DCTERMS + "license"),
        path=tuple(reversed(path.split()) if f.read_backwards else path.split()) if path else (),
    )


def satisfier_record(s: Satisfier) -> dict[str, Any]:
    """One satisfier as plain data (the CLI's ``--format json`` and the REST route)."""
    return {
        "control": s.control.ref,
        "title": s.control.title,
        "relation": s.relation.value,
        "coverage": s.coverage,
        "inferred": s.inferred,
        "mapping": s.mapping,
        "mappingSet": s.mapping_set,
        "authority": s.authority,
        "publisher": s.publisher,
        "strength": s.strength,
        "rationale": s.rationale,
        "justification": s.justification,
        "confidence": s.confidence,
        "comment": s.comment,
        "path": list(s.path),
        "rolledUpFrom": s.rolled_up_from.ref if s.rolled_up_from else None,
        "sources": [source_record(x) for x in (s.sources or ((s,) if not s.inferred else ()))],
    }


def source_record(s: Satisfier) -> dict[str, Any]:
    """One source of a pair as plain data: the set, who published it, on whose authority, the relation it states."""
    return {
        "mappingSet": s.mapping_set,
        "title": s.set_title,
        "publisher": s.publisher,
        "authority": s.authority,
        "licence": s.licence,
        "relation": s.relation.value,
        "mapping": s.mapping,
        "strength": s.strength,
        "confidence": s.confidence,
    }


def keep_satisfiers(
    found: Iterable[Satisfier], *, relations: Collection[Relation] = (), min_strength: int | None = None
) -> list[Satisfier]:
    """Those with one of ``relations`` (all when empty) and a strength of at least ``min_strength``.

    A mapping without a strength does not pass a strength threshold: nobody vouched for one.
    """
    return [
        s for s in found
        if (not relations or s.relation in relations)
        and (min_strength is None or (s.strength is not None and s.strength >= min_strength))
    ]


def find_satisfiers(
    store: GraphStore,
    ref: ControlRef,
    *,
    frameworks: Collection[str] = (),
    include_inferred: bool = True,
    include_partial: bool = True,
    visibility: Visibility = PUBLIC,
) -> list[Satisfier]:
    """Controls Y with a mapping X relation Y that covers X fully or (optionally) partially."""
    control_info(store, ref)
    found = _satisfiers(store, _one_control_scope([ref.iri]), frameworks=frameworks,
                        include_inferred=include_inferred, include_partial=include_partial, visibility=visibility)
    return found.get(ref.iri, [])


def satisfiers_of_controls(
    store: GraphStore,
    iris: Collection[str],
    *,
    frameworks: Collection[str] = (),
    include_inferred: bool = True,
    include_partial: bool = True,
    visibility: Visibility = PUBLIC,
) -> dict[str, list[Satisfier]]:
    """Satisfiers of many controls at once (a fixed number of store queries), keyed by control IRI."""
    if not iris:
        return {}
    return _satisfiers(store, _one_control_scope(iris), frameworks=frameworks, include_inferred=include_inferred,
                       include_partial=include_partial, visibility=visibility)


def satisfiers_in_framework(
    store: GraphStore,
    slug: str,
    *,
    frameworks: Collection[str] = (),
    include_inferred: bool = True,
    include_partial: bool = True,
    include_not_related: bool = False,
    visibility: Visibility = PUBLIC,
) -> dict[str, list[Satisfier]]:
    """Satisfiers of every item of framework ``slug``, keyed by the item's IRI, in four store queries.

    With ``include_not_related`` the not-related mappings come too (coverage "none"): a crosswalk shows them.
    """
    return _satisfiers(store, _framework_scope(slug), frameworks=frameworks, include_inferred=include_inferred,
                       include_partial=include_partial, include_not_related=include_not_related,
                       visibility=visibility)


def _set_id(iri: str | None) -> str | None:
    return None if iri is None else iri.rsplit("/", 1)[-1]


def _local(iri: str | None) -> str | None:
    if iri is None:
        return None
    try:
        return Authority.from_iri(iri).value
    except ValueError:
        return iri
