"""Cover-set statements: "X is covered by the union of Y1..Yn" (``cg:CoverSet``), and when one is met.

No single Yi need contain X, so no pairwise mapping proves full coverage; the statement does. X is
fully covered when every Yi is met: implemented itself, or contained in an implemented control
(equal or subset-of, asserted or definite). Statements sit in mapping sets like mappings do, and a
read sees only those in graphs it may see (another tenant's statements stay invisible).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import pyoxigraph as ox

from controlgraph.analysis.satisfiers import satisfiers_of_controls
from controlgraph.store.base import GraphStore
from controlgraph.store.tenancy import PUBLIC, Visibility
from controlgraph.vocabulary import framework_iri, sparql_prefixes

_COVER_SETS_QUERY = sparql_prefixes() + """
SELECT ?fw ?cs ?x ?y ?set ?g ?confidence ?comment WHERE {
  ?x skos:inScheme ?fw .
  GRAPH ?g { ?cs a cg:CoverSet ; cg:coverSubject ?x ; cg:coveredBy ?y ; cg:inMappingSet ?set . }
  OPTIONAL { ?cs sssom:confidence ?confidence }
  OPTIONAL { ?cs rdfs:comment ?comment }
}"""


@dataclass(frozen=True)
class CoverSet:
    node: str
    subject: str  # IRI of X
    covered_by: tuple[str, ...]  # IRIs of Y1..Yn
    mapping_set: str  # id of the set it belongs to
    confidence: float | None = None
    comment: str | None = None


@dataclass(frozen=True)
class CoverSetEvidence:
    statement: CoverSet
    met_by: dict[str, str]  # Yi IRI -> the implemented control IRI meeting it (itself when implemented)


def cover_sets(store: GraphStore, target: str, *, visibility: Visibility = PUBLIC) -> dict[str, list[CoverSet]]:
    """Every cover-set statement about an item of ``target``, keyed by the item's IRI."""
    members: dict[str, dict[str, object]] = {}
    for row in store.query(_COVER_SETS_QUERY, substitutions={"fw": ox.NamedNode(framework_iri(target))}):  # type: ignore[union-attr,arg-type]
        graph = str(row["g"].value)  # type: ignore[index]
        if not visibility.sees_graph(graph):
            continue
        node = str(row["cs"].value)  # type: ignore[index]
        entry = members.setdefault(node, {
            "x": str(row["x"].value), "ys": set(), "set": str(row["set"].value).rsplit("/", 1)[-1],  # type: ignore[index]
            "confidence": row["confidence"], "comment": row["comment"],  # type: ignore[index]
        })
        ys = entry["ys"]
        assert isinstance(ys, set)
        ys.add(str(row["y"].value))  # type: ignore[index]
    found: dict[str, list[CoverSet]] = {}
    for node, entry in sorted(members.items()):
        confidence, comment = entry["confidence"], entry["comment"]
        ys = entry["ys"]
        assert isinstance(ys, set)
        statement = CoverSet(
            node, str(entry["x"]), tuple(sorted(ys)), str(entry["set"]),
            float(confidence.value) if isinstance(confidence, ox.Literal) else None,
            str(comment.value) if isinstance(comment, ox.Literal) else None,
        )
        found.setdefault(statement.subject, []).append(statement)
    return found


def met_cover_sets(
    store: GraphStore, statements: dict[str, list[CoverSet]], implemented: Collection[str], *,
    visibility: Visibility = PUBLIC,
) -> dict[str, list[CoverSetEvidence]]:
    """The statements whose every member is met by the implemented controls, keyed by subject IRI."""
    members = {y for group in statements.values() for s in group for y in s.covered_by}
    contained_in: dict[str, str] = {y: y for y in members if y in implemented}
    pending = members - set(contained_in)
    if pending:
        found = satisfiers_of_controls(store, pending, include_partial=False, visibility=visibility)
        for y, rows in found.items():
            hit = next((s.control.iri for s in rows if s.control.iri in implemented), None)
            if hit is not None:
                contained_in[y] = hit
    met: dict[str, list[CoverSetEvidence]] = {}
    for subject, group in statements.items():
        for s in group:
            if all(y in contained_in for y in s.covered_by):
                met.setdefault(subject, []).append(CoverSetEvidence(s, {y: contained_in[y] for y in s.covered_by}))
    return met
