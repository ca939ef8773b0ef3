"""A query worker's in-memory copy of the shared graphs, so anonymous queries never touch tenant data.

Restricting pyoxigraph's default graph to a list of graphs (how :mod:`controlgraph.service.query_dataset`
hides tenant graphs) makes every pattern a lookup per graph: on the on-disk store the saved queries
ran 17-44 times slower (e.g. ``satisfiers`` 1.2 s -> 51 s). A worker process therefore keeps a copy
of the shared graphs in memory while the store holds tenant graphs: the copy holds no tenant data at
all, and queries over it use the plain union default graph. Callers who see more than the shared
graphs (a tenant with a graph of its own) are answered from the store with the restricted dataset.

The copy is taken again when a shared graph changes (a build or an import; about 1.5 s and 60 MB per
worker at 100k quads), not after a tenant's write: the read snapshot says which graphs each write
changed. Without that information (no snapshot) it is taken again whenever the store object changes.
Past ``sparql_public_copy_max_quads`` no copy is kept and anonymous queries also run with the
restricted dataset.
"""

from __future__ import annotations

from collections.abc import Hashable

from controlgraph.store.base import GraphStore
from controlgraph.store.embedded import EmbeddedStore
from controlgraph.store.tenancy import PUBLIC, Visibility


def public_copy(store: GraphStore, max_quads: int) -> EmbeddedStore | None:
    """An in-memory store holding only the shared graphs; None when nothing is hidden or the store is too large."""
    names = store.graph_names()
    shared = PUBLIC.visible_graphs(names)
    if len(shared) == len(names) or store.quad_count() > max_quads:
        return None
    copy = EmbeddedStore(None)
    copy.replace_everything({g: store.graph_triples(g) for g in shared})
    return copy


class PublicCopies:
    """Per worker: the copy of the shared graphs, kept while they do not change."""

    def __init__(self, max_quads: int) -> None:
        self.max_quads = max_quads
        self._source: Hashable = None
        self._copy: EmbeddedStore | None = None

    def store_for(self, store: GraphStore, visibility: Visibility, shared_version: Hashable = None) -> GraphStore:
        """The store to answer ``visibility`` from: the copy when the caller sees exactly the shared graphs.

        ``shared_version`` identifies the content of the shared graphs (None: unknown, then the copy
        follows the store object).
        """
        names = store.graph_names()
        shared = PUBLIC.visible_graphs(names)
        # No copy is needed while nothing is hidden; the first tenant graph written makes one.
        anything_hidden = len(shared) != len(names)
        source = (shared_version if shared_version is not None else store, anything_hidden)
        if source != self._source:
            self._source, self._copy = None, None
            self._copy = public_copy(store, self.max_quads)
            self._source = source
        if self._copy is None:
            return store
        if visibility.visible_graphs(names) == shared:
            return self._copy
        return store
