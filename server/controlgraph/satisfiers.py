"""Which controls satisfy X: every mapping from or to X, read from X's side."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox

from controlgraph.errors import NotFound
from controlgraph.store.base import GraphStore
from controlgraph.vocabulary import INFERRED_GRAPH, Authority, ControlRef, Relation, framework_iri, sparql_prefixes

FULL = frozenset({Relation.EQUAL, Relation.SUBSET_OF})
PARTIAL = frozenset({Relation.SUPERSET_OF, Relation.INTERSECTS_WITH})


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
    path: tuple[str, ...] = ()  # for inferred mappings: the asserted mappings chained, in order


_CONTROL_QUERY = sparql_prefixes() + """
SELECT ?x ?notation ?title ?kind ?slug WHERE {
  ?x a cg:Control ; skos:notation ?notation ; skos:prefLabel ?title ; cg:kind ?kind ; skos:inScheme ?scheme .
  ?scheme cg:slug ?slug .
}"""

_MAPPINGS_QUERY = sparql_prefixes() + """
SELECT %(projection)s ?x ?other ?rel ?dir ?m ?set ?setTitle ?authority ?publisher ?licence ?strength ?comment
       ?inferred ?rationale ?justification ?confidence ?pathText
WHERE {
  %(scope)s
  { ?m cg:mappingSubject ?x ; cg:mappingObject ?other ; cg:relation ?rel . BIND("forward" AS ?dir) }
  UNION
  { ?m cg:mappingObject ?x ; cg:mappingSubject ?other ; cg:relation ?rel . BIND("inverse" AS ?dir) }
  ?m cg:inMappingSet ?set .
  BIND (EXISTS { ?m a cg:InferredMapping } AS ?inferred)
  OPTIONAL { ?set cg:authority ?authority }
  OPTIONAL { ?set dcterms:title ?setTitle }
  OPTIONAL { ?set dcterms:publisher ?publisher }
  OPTIONAL { ?set dcterms:license ?licence }
  OPTIONAL { ?m cg:strength ?strength }
  OPTIONAL { ?m rdfs:comment ?comment }
  OPTIONAL { ?m cg:rationale ?rationale }
  OPTIONAL { ?m sssom:mapping_justification ?justification }
  OPTIONAL { ?m sssom:confidence ?confidence }
  OPTIONAL { ?m cg:pathText ?pathText }
}"""

# Relations entailed by the ontology axioms are bare triples in the inferred graph (no mapping node).
_ENTAILED_QUERY = sparql_prefixes() + f"""
SELECT %(projection)s ?x ?other ?rel WHERE {{
  %(scope)s
  GRAPH <{INFERRED_GRAPH}> {{ ?x ?rel ?other . }}
  FILTER (?rel IN (cg:equal, cg:subsetOf, cg:supersetOf, cg:intersectsWith, cg:notRelated))
}}"""

_OTHER_QUERY = sparql_prefixes() + """
SELECT ?other ?notation ?title ?kind ?slug WHERE {
  VALUES ?other { %s }
  ?other skos:notation ?notation ; skos:prefLabel ?title ; cg:kind ?kind ; skos:inScheme ?scheme .
  ?scheme cg:slug ?slug .
}"""

_ONE_CONTROL = {"projection": "", "scope": ""}
_ONE_FRAMEWORK = {"projection": "?fw", "scope": "?x skos:inScheme ?fw ."}


def _text(solution: ox.QuerySolution, name: str) -> str | None:
    term = solution[name]
    return None if term is None else str(term.value)


def control_info(store: GraphStore, ref: ControlRef) -> ControlInfo:
    rows = list(store.query(_CONTROL_QUERY, substitutions={"x": ox.NamedNode(ref.iri)}))  # type: ignore[arg-type]
    if not rows:
        raise NotFound(f"no control {ref} in the graph (is the framework slug and identifier right?)")
    row = rows[0]
    return ControlInfo(ref.iri, str(_text(row, "slug")), str(_text(row, "notation")),
                       str(_text(row, "title")), str(_text(row, "kind")))


def _describe(store: GraphStore, iris: Collection[str]) -> dict[str, ControlInfo]:
    if not iris:
        return {}
    # The IRIs come from the store itself, never from a request, so listing them is safe.
    values = " ".join(f"<{iri}>" for iri in sorted(iris))
    infos = {}
    for row in store.query(_OTHER_QUERY % values):  # type: ignore[union-attr]
        iri = str(_text(row, "other"))
        infos[iri] = ControlInfo(iri, str(_text(row, "slug")), str(_text(row, "notation")),
                                 str(_text(row, "title")), str(_text(row, "kind")))
    return infos


def _satisfiers(
    store: GraphStore,
    scope: dict[str, str],
    substitutions: dict[str, ox.NamedNode],
    *,
    frameworks: Collection[str],
    include_inferred: bool,
    include_partial: bool,
    include_not_related: bool = False,
) -> dict[str, list[Satisfier]]:
    raw: list[tuple[str, str, Relation, bool, ox.QuerySolution | None]] = []
    for row in store.query(_MAPPINGS_QUERY % scope, substitutions=substitutions):  # type: ignore[arg-type, union-attr]
        rel = Relation.from_iri(str(_text(row, "rel")))
        if _text(row, "dir") == "inverse":
            rel = rel.inverse
        inferred = _text(row, "inferred") == "true"
        if inferred and not include_inferred:
            continue
        raw.append((str(_text(row, "x")), str(_text(row, "other")), rel, inferred, row))
    if include_inferred:
        for row in store.query(_ENTAILED_QUERY % scope, substitutions=substitutions):  # type: ignore[arg-type, union-attr]
            raw.append((str(_text(row, "x")), str(_text(row, "other")), Relation.from_iri(str(_text(row, "rel"))),
                        True, None))
    infos = _describe(store, {other for _x, other, *_ in raw})
    found: dict[str, list[Satisfier]] = {}
    for x, other, rel, inferred, row in raw:
        coverage = coverage_of(rel)
        info = infos.get(other)
        if info is None or (coverage == "none" and not include_not_related):
            continue
        if coverage == "partial" and not include_partial:
            continue
        if frameworks and info.framework not in frameworks:
            continue
        strength = _text(row, "strength") if row is not None else None
        found.setdefault(x, []).append(
            Satisfier(
                control=info,
                relation=rel,
                coverage=coverage,
                inferred=inferred,
                mapping=_text(row, "m") if row is not None else None,
                mapping_set=_set_id(_text(row, "set")) if row is not None else None,
                set_title=_text(row, "setTitle") if row is not None else None,
                authority=_local(_text(row, "authority")) if row is not None else None,
                publisher=_text(row, "publisher") if row is not None else None,
                strength=int(strength) if strength is not None else None,
                comment=_text(row, "comment") if row is not None else None,
                **_provenance(row),
            )
        )
    order = {"full": 0, "partial": 1, "none": 2}
    for rows in found.values():
        rows.sort(key=lambda s: (order[s.coverage], s.inferred, s.control.framework, s.control.notation,
                                 s.mapping_set or ""))
    return found


def find_satisfiers(
    store: GraphStore,
    ref: ControlRef,
    *,
    frameworks: Collection[str] = (),
    include_inferred: bool = True,
    include_partial: bool = True,
) -> list[Satisfier]:
    """Controls Y with a mapping X relation Y that covers X fully or (optionally) partially."""
    control_info(store, ref)
    found = _satisfiers(store, _ONE_CONTROL, {"x": ox.NamedNode(ref.iri)}, frameworks=frameworks,
                        include_inferred=include_inferred, include_partial=include_partial)
    return found.get(ref.iri, [])


def satisfiers_in_framework(
    store: GraphStore,
    slug: str,
    *,
    frameworks: Collection[str] = (),
    include_inferred: bool = True,
    include_partial: bool = True,
    include_not_related: bool = False,
) -> dict[str, list[Satisfier]]:
    """Satisfiers of every item of framework ``slug``, keyed by the item's IRI, in two store queries.

    With ``include_not_related`` the not-related mappings come too (coverage "none"): a crosswalk shows them.
    """
    return _satisfiers(store, _ONE_FRAMEWORK, {"fw": ox.NamedNode(framework_iri(slug))}, frameworks=frameworks,
                       include_inferred=include_inferred, include_partial=include_partial,
                       include_not_related=include_not_related)


def _provenance(row: ox.QuerySolution | None) -> dict[str, Any]:
    if row is None:
        return {"justification": "MappingChaining"}
    rationale = _text(row, "rationale")
    justification = _text(row, "justification")
    confidence = _text(row, "confidence")
    path = _text(row, "pathText")
    return {
        "rationale": rationale.rsplit("#", 1)[-1].lower() if rationale else None,
        "justification": justification.rsplit("/", 1)[-1] if justification else None,
        "confidence": float(confidence) if confidence is not None else None,
        "licence": _text(row, "licence"),
        "path": tuple(path.split()) if path else (),
    }


def _set_id(iri: str | None) -> str | None:
    return None if iri is None else iri.rsplit("/", 1)[-1]


def _local(iri: str | None) -> str | None:
    if iri is None:
        return None
    try:
        return Authority.from_iri(iri).value
    except ValueError:
        return iri
