"""Which controls satisfy X: every mapping from or to X, read from X's side."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import pyoxigraph as ox

from controlgraph.errors import NotFound
from controlgraph.store.base import GraphStore
from controlgraph.vocabulary import INFERRED_GRAPH, Authority, ControlRef, Relation, sparql_prefixes

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


_CONTROL_QUERY = sparql_prefixes() + """
SELECT ?x ?notation ?title ?kind ?slug WHERE {
  ?x a cg:Control ; skos:notation ?notation ; skos:prefLabel ?title ; cg:kind ?kind ; skos:inScheme ?scheme .
  ?scheme cg:slug ?slug .
}"""

_ASSERTED_QUERY = sparql_prefixes() + """
SELECT ?x ?other ?rel ?dir ?m ?set ?setTitle ?authority ?publisher ?strength ?comment WHERE {
  { ?m cg:mappingSubject ?x ; cg:mappingObject ?other ; cg:relation ?rel . BIND("forward" AS ?dir) }
  UNION
  { ?m cg:mappingObject ?x ; cg:mappingSubject ?other ; cg:relation ?rel . BIND("inverse" AS ?dir) }
  ?m cg:inMappingSet ?set .
  OPTIONAL { ?set cg:authority ?authority }
  OPTIONAL { ?set dcterms:title ?setTitle }
  OPTIONAL { ?set dcterms:publisher ?publisher }
  OPTIONAL { ?m cg:strength ?strength }
  OPTIONAL { ?m rdfs:comment ?comment }
}"""

_INFERRED_QUERY = sparql_prefixes() + f"""
SELECT ?x ?other ?rel WHERE {{
  GRAPH <{INFERRED_GRAPH}> {{ ?x ?rel ?other . }}
  FILTER (?rel IN (cg:equal, cg:subsetOf, cg:supersetOf, cg:intersectsWith, cg:notRelated))
}}"""

_OTHER_QUERY = sparql_prefixes() + """
SELECT ?other ?notation ?title ?kind ?slug WHERE {
  VALUES ?other { %s }
  ?other skos:notation ?notation ; skos:prefLabel ?title ; cg:kind ?kind ; skos:inScheme ?scheme .
  ?scheme cg:slug ?slug .
}"""


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
    x = {"x": ox.NamedNode(ref.iri)}
    raw: list[tuple[str, Relation, bool, ox.QuerySolution | None]] = []
    for row in store.query(_ASSERTED_QUERY, substitutions=x):  # type: ignore[arg-type, union-attr]
        rel = Relation.from_iri(str(_text(row, "rel")))
        if _text(row, "dir") == "inverse":
            rel = rel.inverse
        raw.append((str(_text(row, "other")), rel, False, row))
    if include_inferred:
        for row in store.query(_INFERRED_QUERY, substitutions=x):  # type: ignore[arg-type, union-attr]
            raw.append((str(_text(row, "other")), Relation.from_iri(str(_text(row, "rel"))), True, None))
    infos = _describe(store, {other for other, *_ in raw})
    found = []
    for other, rel, inferred, row in raw:
        coverage = coverage_of(rel)
        info = infos.get(other)
        if info is None or coverage == "none" or (coverage == "partial" and not include_partial):
            continue
        if frameworks and info.framework not in frameworks:
            continue
        strength = _text(row, "strength") if row is not None else None
        found.append(
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
            )
        )
    order = {"full": 0, "partial": 1}
    found.sort(key=lambda s: (order[s.coverage], s.inferred, s.control.framework, s.control.notation,
                              s.mapping_set or ""))
    return found


def _set_id(iri: str | None) -> str | None:
    return None if iri is None else iri.rsplit("/", 1)[-1]


def _local(iri: str | None) -> str | None:
    if iri is None:
        return None
    try:
        return Authority.from_iri(iri).value
    except ValueError:
        return iri
