"""What an importer needs to know about the graph it imports into, read once from the store.

Importers stay pure readers: they never touch the store. Before reading a file, the caller takes
a snapshot of the frameworks present and the notations of their items (per named graph), and
hands it to the reader, which uses it to decide whether to add facts to an existing framework or
emit a whole catalog, and to reject references to items the graph does not hold.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import pyoxigraph as ox

from controlgraph.store.base import GraphStore
from controlgraph.vocabulary import CG, INFERRED_GRAPH, SKOS

_FRAMEWORK_ITEMS = f"""
SELECT ?g ?slug ?notation WHERE {{
    GRAPH ?g {{ ?fw a <{CG}Framework> ; <{CG}slug> ?slug . }}
    OPTIONAL {{ ?item <{SKOS}inScheme> ?fw ; <{SKOS}notation> ?notation . }}
}}
"""
_SOURCE_URNS = f"SELECT ?g ?s ?urn WHERE {{ GRAPH ?g {{ ?s <{CG}sourceUrn> ?urn . }} }}"


@dataclass(frozen=True)
class ImportOptions:
    """Choices a user makes on the command line that a reader needs."""

    framework: str | None = None  # slug an OSCAL catalog or a CISO Assistant framework library is read as
    keep_going: bool = False  # SSSOM: skip rejected rows (reported) instead of refusing the file


@dataclass
class GraphContext:
    """Frameworks in the graph: slug -> defining named graph -> notations of its items."""

    frameworks: dict[str, dict[str, set[str]]] = field(default_factory=dict)
    urns: dict[str, dict[str, str]] = field(default_factory=dict)  # source URN -> named graph -> IRI it names
    _merged: dict[tuple[str, str], frozenset[str]] = field(default_factory=dict, repr=False)

    @classmethod
    def from_store(cls, store: GraphStore) -> GraphContext:
        found: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        result = store.query(_FRAMEWORK_ITEMS)
        assert isinstance(result, ox.QuerySolutions)
        for row in result:
            graph, slug, notation = row["g"], row["slug"], row["notation"]
            if not isinstance(graph, ox.NamedNode) or graph.value == INFERRED_GRAPH or slug is None:
                continue
            notations = found[slug.value][graph.value]
            if notation is not None:
                notations.add(notation.value)
        urns: dict[str, dict[str, str]] = defaultdict(dict)
        result = store.query(_SOURCE_URNS)
        assert isinstance(result, ox.QuerySolutions)
        for row in result:
            graph, subject, urn = row["g"], row["s"], row["urn"]
            if isinstance(graph, ox.NamedNode) and isinstance(subject, ox.NamedNode) and urn is not None:
                urns[urn.value.strip().lower()][graph.value] = subject.value
        return cls({slug: dict(graphs) for slug, graphs in found.items()}, dict(urns))

    def resolve_urn(self, urn: str, *, ignoring: str) -> str | None:
        """The IRI (framework or item) a source URN was registered for by a graph other than ``ignoring``."""
        graphs = self.urns.get(urn.strip().lower(), {})
        return next((iri for g, iri in sorted(graphs.items()) if g != ignoring), None)

    def has_framework(self, slug: str, *, ignoring: str) -> bool:
        """Whether a graph other than ``ignoring`` (the import's own graph, about to be replaced) defines it."""
        return any(g != ignoring for g in self.frameworks.get(slug, {}))

    def notations(self, slug: str, *, ignoring: str) -> frozenset[str]:
        """Notations of the framework's items held outside the import's own graph."""
        key = (slug, ignoring)
        if key not in self._merged:
            graphs = self.frameworks.get(slug, {})
            self._merged[key] = frozenset(n for g, ns in graphs.items() if g != ignoring for n in ns)
        return self._merged[key]
