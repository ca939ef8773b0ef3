"""A query worker's in-memory copy of the shared graphs: the queries it answers read memory, not a restricted dataset.

Restricting pyoxigraph's default graph to a list of graphs (how :mod:`controlgraph.service.query_dataset`
hides tenant graphs) makes every pattern a lookup per graph: on the on-disk store the saved queries
ran 17-44 times slower (e.g. ``satisfiers`` 1.2 s -> 51 s). A worker process therefore keeps a copy
of the shared graphs in memory (the in-memory store also answers 5-10 times faster than the on-disk one):

- an anonymous caller is answered from the copy, with the plain union default graph: it holds no
  tenant data at all;
- a tenant is answered from the same copy with its own graph laid over it for the time of the query
  (:meth:`PublicCopies.view`): the union default graph is then exactly the shared graphs and that
  tenant's graph, what the restricted dataset gave, without its cost. The tenant graph is taken out
  again before the next query, whoever asks it.

When a shared graph changes (a build or an import) the copy is brought up to date with the write's own
changes where the writer left them (:mod:`controlgraph.store.copy_deltas`: milliseconds for a small
import), else taken again (about 1-4 s of CPU per worker at 300k quads); not after a tenant's write: the
read snapshot says which graphs each write changed. Without that information (no snapshot) it is taken
again whenever the store object changes.
Past ``sparql_public_copy_max_quads`` no copy is kept and queries read the store (anonymous ones, and
tenants', with the restricted dataset when the store holds tenant graphs).

Taking the copy is never part of a query's time. A query worker the app starts with takes it before it
says it is ready (even when nothing is hidden yet: a tenant's first write must not leave the worker without
one); a worker replacing one stopped at a time limit says ready at once and takes it in a background
thread (one runaway query must not leave the pool with no ready worker for seconds), as every worker takes
a new one after a shared change. The background copy
advances only while the worker runs no query, so it never slows one down (while queries keep coming,
they keep reading the store). Taking the copy inside a query's time limit made every query time out
once the copy took longer than the limit: each timeout killed the worker, and the next one started the
copy over.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from typing import cast

from controlgraph.store import copy_deltas
from controlgraph.store.base import GraphStore
from controlgraph.store.embedded import EmbeddedStore
from controlgraph.store.snapshot_copies import SnapshotCopies
from controlgraph.store.tenancy import PUBLIC, Visibility


def public_copy(store: GraphStore, max_quads: int, between_batches: Callable[[], object] | None = None,
                files: SnapshotCopies | None = None) -> EmbeddedStore | None:
    """An in-memory store holding only the shared graphs; None when the store is too large.

    ``files``: where the workers of one store share what they copied from a read snapshot.
    """
    shared = PUBLIC.visible_graphs(store.graph_names())
    if store.quad_count() > max_quads:
        return None
    if isinstance(store, EmbeddedStore):
        return store.in_memory_copy(shared, between_batches=between_batches, files=files)
    copy = EmbeddedStore(None)
    copy.replace_everything({g: store.graph_triples(g) for g in shared})
    return copy


class PublicCopies:
    """Per worker: the copy of the shared graphs, kept while they do not change.

    With ``background`` (query workers), a copy that must be retaken is built on a thread of its own
    and :meth:`store_for` answers from the store meanwhile; without it (tests), it is built at once.
    """

    def __init__(self, max_quads: int, *, background: bool = False, files: SnapshotCopies | None = None) -> None:
        self.max_quads = max_quads
        self.background = background
        self.files = files
        self._lock = threading.Lock()
        self._source: Hashable = None
        self._copy: EmbeddedStore | None = None
        self._building: Hashable = None
        self.built = threading.Event()  # set whenever a background copy is complete
        self._no_query = threading.Event()  # a background copy advances only while no query runs
        self._no_query.set()

    @contextmanager
    def answering(self) -> Iterator[None]:
        """Around a query: a background copy waits, so the query has the process to itself."""
        self._no_query.clear()
        try:
            yield
        finally:
            self._no_query.set()

    @staticmethod
    def _wanted(store: GraphStore, shared_version: Hashable) -> tuple[Hashable, list[str], list[str]]:
        names = store.graph_names()
        shared = PUBLIC.visible_graphs(names)
        # The copy depends on the shared graphs only: a tenant graph appearing or going (a write, a retraction)
        # changes whether the copy is needed (store_for), never what it holds, so it is not taken again.
        source: Hashable = shared_version if shared_version is not None else cast(Hashable, store)
        return source, names, shared

    def prepare(self, store: GraphStore, shared_version: Hashable = None) -> None:
        """Take the copy now (a worker starting, before it takes any query).

        Also when nothing is hidden yet: the first tenant write would otherwise leave the worker without a
        copy (its shared version is unchanged), answering everyone with the restricted dataset.
        """
        source, _, _ = self._wanted(store, shared_version)
        copy = public_copy(store, self.max_quads, files=self.files)
        with self._lock:
            self._source, self._copy = source, copy

    def refresh(self, store: GraphStore, shared_version: Hashable = None) -> None:
        """Bring the copy up to date, or start taking a new one in the background, when the shared graphs
        changed (an idle worker)."""
        source, _, _ = self._wanted(store, shared_version)
        if not self._advanced(source):
            self._start_build(store, source)

    def _advanced(self, source: Hashable) -> bool:
        """Whether the copy is at ``source``, brought there by the writes' changes the writer left; False
        when there is no copy, the versions are unknown or the changes do not lead there."""
        with self._lock:
            copy, held = self._copy, self._source
        if source == held:
            return True
        if copy is None or self.files is None or not isinstance(held, tuple) or not isinstance(source, tuple):
            return False
        update = copy_deltas.chain(self.files.directory, held, source)
        if update is None:
            return False
        try:
            copy.apply_update(update)
        except (OSError, SyntaxError, ValueError):  # not expected: a whole copy is taken instead
            with self._lock:
                self._source, self._copy = None, None
            return False
        with self._lock:
            # A whole copy being taken meanwhile is of an older version or the same one: not kept.
            self._source, self._building = source, None
        return True

    def _start_build(self, store: GraphStore, source: Hashable) -> None:
        with self._lock:
            if source == self._source or source == self._building:
                return
            self._building = source
            self.built.clear()

        def build() -> None:
            try:
                copy = public_copy(store, self.max_quads, between_batches=self._no_query.wait, files=self.files)
            except Exception:  # the store changed under it: the next query or idle tick starts again
                copy, failed = None, True
            else:
                failed = False
            with self._lock:
                if self._building == source:
                    self._building = None
                    if not failed:
                        self._source, self._copy = source, copy
            self.built.set()

        threading.Thread(target=build, name="controlgraph-public-copy", daemon=True).start()

    def _current_copy(self, store: GraphStore, source: Hashable) -> EmbeddedStore | None:
        """The copy of the shared graphs as ``source`` has them; None while it is not there (yet)."""
        with self._lock:
            current = source == self._source
            copy = self._copy
        if current:
            return copy
        if self._advanced(source):
            with self._lock:  # the copy brought up to date: a background copy may have replaced ``copy`` meanwhile
                return self._copy
        if self.background:
            self._start_build(store, source)
            return None  # the store answers until the copy is complete
        copy = public_copy(store, self.max_quads, files=self.files)
        with self._lock:
            self._source, self._copy = source, copy
        return copy

    def store_for(self, store: GraphStore, visibility: Visibility, shared_version: Hashable = None) -> GraphStore:
        """The store to answer ``visibility`` from without laying anything over the copy.

        The copy when the caller sees exactly the shared graphs of ``store``; else ``store`` itself
        (a tenant with a graph of its own: :meth:`view` lays it over the copy instead).
        ``shared_version`` identifies the content of the shared graphs (None: unknown, then the copy
        follows the store object).
        """
        source, names, shared = self._wanted(store, shared_version)
        copy = self._current_copy(store, source)
        if copy is None or visibility.visible_graphs(names) != shared:
            return store
        return copy

    @contextmanager
    def view(self, store: GraphStore, visibility: Visibility, shared_version: Hashable = None) -> Iterator[GraphStore]:
        """For one query: the copy, with the caller's own tenant graph laid over it while the query runs.

        Without a copy (not taken yet, or the store is too large) the store itself, which the query
        then reads with the restricted dataset.
        """
        source, names, shared = self._wanted(store, shared_version)
        copy = self._current_copy(store, source)
        own = [g for g in visibility.visible_graphs(names) if g not in shared]
        if copy is None:
            yield store
            return
        if not own:
            yield copy
            return
        copy.copy_graphs_from(store, own)
        try:
            yield copy
        finally:
            copy.drop_graphs(own)
