"""The interface every store implements, so the engine never cares where the graph lives."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import pyoxigraph as ox

QueryResult = ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples
Triples = Sequence[ox.Triple]


@dataclass(frozen=True)
class QueryDataset:
    """The RDF dataset a query runs over, as the SPARQL Protocol's default-graph-uri / named-graph-uri give it.

    ``default``: the graphs whose union is the default graph (empty: an empty default graph);
    ``named``: the graphs ``GRAPH`` may reach (empty: none). It takes precedence over the query's own
    FROM / FROM NAMED, so a query can never reach a graph outside it.
    """

    default: tuple[str, ...]
    named: tuple[str, ...]


class GraphStore(Protocol):
    """A quad store holding one named graph per dataset.

    Writes are atomic per call: either every graph given is replaced, or nothing changes.
    """

    location: str
    # True when no other process can write meanwhile (the embedded store: its process holds the database),
    # so a write computed from what was read (only the triples that differ) cannot interleave with another's.
    sole_writer: bool

    def query(
        self,
        sparql: str,
        *,
        substitutions: Mapping[str, ox.NamedNode | ox.Literal] | None = None,
        union_default_graph: bool = True,
        dataset: QueryDataset | None = None,
    ) -> QueryResult:
        """Run a SPARQL query; variables named in ``substitutions`` are bound safely (no text splicing).

        A substituted variable must appear in the SELECT projection (a pyoxigraph rule). ``dataset``,
        when given, replaces the default graph and the named graphs (``union_default_graph`` is ignored).
        """
        ...

    def graph_names(self) -> list[str]: ...

    def graph_triples(self, graph: str) -> list[ox.Triple]: ...

    def subject_triples(self, graph: str, subjects: Collection[str]) -> list[ox.Triple]:
        """The triples of ``graph`` whose subject is one of ``subjects`` (IRIs)."""
        ...

    def replace_graphs(self, graphs: Mapping[str, Triples], *, remove: Sequence[str] = (),
                       append: Mapping[str, Triples] | None = None,
                       delete: Mapping[str, Triples] | None = None) -> None:
        """Atomically replace the named graphs given, drop those in ``remove``, delete ``delete``'s triples
        from theirs, then add ``append``'s triples to theirs (a log that only grows, or the changed part of
        a large graph whose stale triples the caller names in ``delete``)."""
        ...

    def replace_everything(self, graphs: Mapping[str, Triples]) -> None:
        """Atomically make the store hold exactly these graphs (a build)."""
        ...

    def quad_count(self) -> int: ...

    def close(self) -> None: ...
