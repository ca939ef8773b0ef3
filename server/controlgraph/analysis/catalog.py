"""The frameworks in the graph and their items: listing, provenance and text search."""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from controlgraph.analysis.coverage import framework_items
from controlgraph.analysis.satisfiers import ControlInfo
from controlgraph.data.terms import term_value
from controlgraph.store.base import GraphStore
from controlgraph.vocabulary import sparql_prefixes

_FRAMEWORKS_QUERY = sparql_prefixes() + """
SELECT ?slug ?title ?publisher ?source ?version ?issued ?licence (COUNT(?c) AS ?items) WHERE {
  ?fw a cg:Framework ; cg:slug ?slug .
  OPTIONAL { ?fw dcterms:title ?title }
  OPTIONAL { ?fw dcterms:publisher ?publisher }
  OPTIONAL { ?fw dcterms:source ?source }
  OPTIONAL { ?fw owl:versionInfo ?version }
  OPTIONAL { ?fw dcterms:issued ?issued }
  OPTIONAL { ?fw dcterms:license ?licence }
  OPTIONAL { ?c skos:inScheme ?fw }
}
GROUP BY ?slug ?title ?publisher ?source ?version ?issued ?licence
ORDER BY ?slug"""


@dataclass(frozen=True)
class FrameworkInfo:
    slug: str
    title: str
    publisher: str | None
    source: str | None
    version: str | None
    issued: str | None
    licence: str | None
    items: int


def _text(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple | None) -> str | None:
    return None if term is None else term_value(term)


def frameworks(store: GraphStore) -> list[FrameworkInfo]:
    """Every framework, by slug, with its provenance and number of items."""
    out: dict[str, FrameworkInfo] = {}
    for row in store.query(_FRAMEWORKS_QUERY):  # type: ignore[union-attr]
        slug, title, publisher, source, version, issued, licence, items = (_text(row[i]) for i in range(8))
        if slug is not None and slug not in out:  # one row per framework even if a fact has two values
            out[slug] = FrameworkInfo(slug, title or slug, publisher, source, version, issued, licence,
                                      int(items or 0))
    return list(out.values())


def search_controls(
    store: GraphStore, framework: str, *, text: str | None = None, kind: str | None = None
) -> list[ControlInfo]:
    """Items of ``framework`` in reading order, whose identifier or title contains ``text`` (any case)."""
    needle = (text or "").strip().casefold()
    found = []
    for item in framework_items(store, framework).items:
        info = item.info
        if kind and info.kind != kind:
            continue
        if needle and needle not in info.notation.casefold() and needle not in info.title.casefold():
            continue
        found.append(info)
    return found


_STATEMENTS_QUERY = sparql_prefixes() + "SELECT DISTINCT ?text WHERE { %s cg:statement ?text }"


def control_statements(store: GraphStore, iri: str) -> list[str]:
    """The official text of a control, when a user imported it (``cg:statement``); none ships with the graph."""
    rows = store.query(_STATEMENTS_QUERY % ox.NamedNode(iri))  # pyoxigraph checks the IRI: it cannot break out
    return sorted(str(_text(row[0])) for row in rows)  # type: ignore[union-attr]
