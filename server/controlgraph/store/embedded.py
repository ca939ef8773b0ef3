"""The embedded store: pyoxigraph, on disk (default) or in memory (tests).

On disk, a store directory holds generations of the database and a ``CURRENT`` file naming the
live one::

    data/store/CURRENT          -> "gen-20261129T101500-3f2a"
    data/store/gen-.../         a RocksDB database

A build writes a complete new generation, flushes it, then replaces ``CURRENT`` with an atomic
rename. A build that fails or is killed midway leaves ``CURRENT`` pointing at the previous,
untouched generation. Other writes (tenant mappings, imports) are single SPARQL updates, which
pyoxigraph applies as one transaction and logs in RocksDB's write-ahead log; the write is durable once
that log is on disk (:meth:`EmbeddedStore._make_durable`), before it is acknowledged. A write of about
a third of the store or more (an import that changes most inferred nodes) is cheaper as a generation:
the live one's quads with the changes, bulk-loaded and swapped in like a build's.

A read-write store publishes read snapshots for other processes to query
(:mod:`controlgraph.store.read_snapshots`): when it opens, after every write of a shared graph, and after
writes of tenant graphs in the background, coalesced (a checkpoint flushes the memtables: about 100 ms
of disk work, which a tenant's write no longer waits for). A reader that sees a graph written since
the last snapshot (the tenant after its own write) calls :meth:`EmbeddedStore.publish_pending` first,
so it reads its own writes.
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import threading
import time
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from pathlib import Path

import pyoxigraph as ox

from controlgraph.errors import StoreError
from controlgraph.store import copy_deltas, generations, read_snapshots
from controlgraph.store.base import GraphStore, QueryDataset, QueryResult, Triples
from controlgraph.store.graph_changes import (
    Section,
    flattened,
    graph_sections,
    rewritten_sections,
    write_operations,
)
from controlgraph.store.read_cache import ReadCache
from controlgraph.store.read_snapshots import ReadSnapshot
from controlgraph.store.snapshot_copies import COPY_BATCH, SharedCapture, SnapshotCopies
from controlgraph.store.tenancy import PUBLIC
from controlgraph.store.write_ahead_log import WriteAheadLog
from controlgraph.vocabulary import TENANT_GRAPH

_log = logging.getLogger("controlgraph.store")
SNAPSHOT_GRACE_SECONDS = 120.0  # default; must exceed the longest a query may run on a snapshot
# Background snapshots of tenant writes come at most this often: each one flushes the memtables (a table
# file), so a stream of writes makes one checkpoint a second, not one per write.
BACKGROUND_PUBLISH_INTERVAL = 1.0
# A write this large, and at least this share of the store's quads, is written as a new store (a new
# generation on disk: _rewrite) instead of one transaction.
REWRITE_MIN_TRIPLES = 20_000
REWRITE_SHARE = 0.3


class EmbeddedStore:
    """A pyoxigraph store; ``path=None`` keeps everything in memory."""

    sole_writer = True  # RocksDB lets one process open the database for writing

    def __init__(self, path: Path | None = None, *, read_only: bool = False,
                 snapshot_grace_seconds: float = SNAPSHOT_GRACE_SECONDS) -> None:
        self.path = path
        self.read_only = read_only
        self.location = "memory" if path is None else str(path)
        self.snapshot: ReadSnapshot | None = None  # the read snapshot this store is opened on (open_snapshot)
        self.snapshot_grace_seconds = snapshot_grace_seconds
        # A write reads the graphs it replaces to change only what differs: nothing may write between.
        self._write_lock = threading.Lock()
        self._wal: WriteAheadLog | None = None
        self._generation: Path | None = None
        self._store = self._open_current()
        self.read_cache = ReadCache()
        self._graph_versions: dict[str, str] = {}
        self._init_publishing()
        if path is not None and not read_only:
            version = read_snapshots.new_graph_version()
            self._graph_versions = dict.fromkeys(self.graph_names(), version)
            self._publish_snapshot()

    @classmethod
    def open_snapshot(cls, snapshot: ReadSnapshot) -> EmbeddedStore:
        """A read-only store over a published read snapshot (see :mod:`controlgraph.store.read_snapshots`)."""
        store = cls.__new__(cls)
        store.path, store.read_only, store.location = None, True, str(snapshot.path)
        store.snapshot = snapshot
        store.snapshot_grace_seconds, store._write_lock = 0.0, threading.Lock()
        store.read_cache, store._graph_versions = ReadCache(), dict(snapshot.graph_versions)
        store._wal = None
        store._init_publishing()
        try:
            store._store = ox.Store.read_only(str(snapshot.path))
        except OSError as exc:
            raise StoreError(f"{snapshot.path}: cannot open the read snapshot: {exc}") from exc
        return store

    # ------------------------------------------------------------------ opening

    def _open_current(self) -> ox.Store:
        if self.path is None:
            return ox.Store()
        self.path.mkdir(parents=True, exist_ok=True)
        generation = generations.current(self.path)
        if generation is None:
            generation = generations.new_directory(self.path)
            ox.Store(str(generation)).flush()
            generations.point_current_at(self.path, generation)
        self._generation = generation
        self._wal = WriteAheadLog(generation)
        try:
            return ox.Store.read_only(str(generation)) if self.read_only else ox.Store(str(generation))
        except OSError as exc:
            if "lock" in str(exc).lower():
                raise StoreError(f"{self.path}: the store is in use by another process (a running `controlgraph "
                                 "serve`?); stop it first, or send imports to it with `controlgraph import "
                                 "--server URL`") from None
            raise StoreError(f"{generation}: cannot open the store: {exc}") from exc

    # ------------------------------------------------------------------ reading

    def query(
        self,
        sparql: str,
        *,
        substitutions: Mapping[str, ox.NamedNode | ox.Literal] | None = None,
        union_default_graph: bool = True,
        dataset: QueryDataset | None = None,
    ) -> QueryResult:
        subs: dict[ox.Variable, ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple] = {
            ox.Variable(k): v for k, v in (substitutions or {}).items()
        }
        if dataset is not None:
            # pyoxigraph lets the dataset given here override the query's FROM / FROM NAMED.
            return self._store.query(  # type: ignore[no-any-return]
                sparql, default_graph=[ox.NamedNode(g) for g in dataset.default],
                named_graphs=[ox.NamedNode(g) for g in dataset.named], substitutions=subs or None,
            )
        return self._store.query(  # type: ignore[no-any-return]
            sparql, use_default_graph_as_union=union_default_graph, substitutions=subs or None
        )

    def graph_names(self) -> list[str]:
        return sorted(g.value for g in self._store.named_graphs() if isinstance(g, ox.NamedNode))

    def graph_triples(self, graph: str) -> list[ox.Triple]:
        return [
            ox.Triple(q.subject, q.predicate, q.object)
            for q in self._store.quads_for_pattern(None, None, None, ox.NamedNode(graph))
        ]

    def subject_triples(self, graph: str, subjects: Collection[str]) -> list[ox.Triple]:
        name = ox.NamedNode(graph)
        return [
            ox.Triple(q.subject, q.predicate, q.object)
            for subject in subjects
            for q in self._store.quads_for_pattern(ox.NamedNode(subject), None, None, name)
        ]

    def in_memory_copy(self, graphs: Sequence[str], batch: int = COPY_BATCH,
                       between_batches: Callable[[], object] | None = None,
                       files: SnapshotCopies | None = None) -> EmbeddedStore:
        """A new in-memory store holding ``graphs``: quads go straight from store to store, in batches.

        pyoxigraph holds the GIL for a whole ``extend``: batches (:data:`COPY_BATCH`) keep a copy taken on a
        background thread from stalling the others, and ``between_batches`` may hold it back (e.g. while a
        query runs). With ``files``, a store opened on a read snapshot shares the copy with other processes
        through a file (:mod:`controlgraph.store.snapshot_copies`: loading it costs a third of reading RocksDB).
        """
        copy = EmbeddedStore(None)

        def from_store() -> None:
            for graph in graphs:
                quads = self._store.quads_for_pattern(None, None, None, ox.NamedNode(graph))
                while chunk := list(itertools.islice(quads, batch)):
                    copy._store.extend(chunk)
                    time.sleep(0)  # let other threads run between batches
                    if between_batches is not None:
                        between_batches()

        if files is None or self.snapshot is None:
            from_store()
        else:
            files.fill(copy._store, self.snapshot.path, self.snapshot.database_id, graphs, between_batches, batch,
                       from_store=from_store)
        return copy

    def quad_count(self) -> int:
        return len(self._store)

    def copy(self) -> EmbeddedStore:
        """A new in-memory store holding every quad of this one, for a scratch copy to write into.

        Store to store in one call: about four times faster than through a list of Python triples.
        """
        copy = EmbeddedStore(None)
        copy._store.bulk_extend(self._store)
        copy._renew_versions(copy.graph_names(), [])
        return copy

    def fingerprint(self) -> str:
        """A sha256 of every quad: equal for two stores holding the same quads, however they were written.

        The N-Quads lines are sorted first: an in-memory store lists quads in no fixed order. A blank node
        keeps its stored label, so two stores written separately with blank nodes differ.
        """
        dump = self._store.dump(format=ox.RdfFormat.N_QUADS)
        assert dump is not None  # no output file given: the dump is returned
        lines = dump.splitlines()
        lines.sort()
        return hashlib.sha256(b"\n".join(lines)).hexdigest()

    def copy_graphs_from(self, source: GraphStore, graphs: Sequence[str]) -> None:
        """Add ``graphs`` of ``source`` to this in-memory store as they are (a query worker's overlay).

        No snapshot, no validation, no difference: for a scratch store that :meth:`drop_graphs` empties again.
        """
        if self.path is not None:
            raise StoreError(f"{self.location}: only an in-memory store takes graphs over without a write")
        for graph in graphs:
            name = ox.NamedNode(graph)
            if isinstance(source, EmbeddedStore):
                self._store.extend(source._store.quads_for_pattern(None, None, None, name))
            else:
                self._store.extend(ox.Quad(t.subject, t.predicate, t.object, name) for t in source.graph_triples(graph))

    def apply_update(self, update: str) -> None:
        """Run a SPARQL update on this in-memory store as it is: no snapshot, no difference (a worker's copy
        brought up to date, :mod:`controlgraph.store.copy_deltas`)."""
        if self.path is not None:
            raise StoreError(f"{self.location}: only an in-memory store takes an update without a write")
        self._store.update(update)
        self.read_cache.clear()

    def drop_graphs(self, graphs: Sequence[str]) -> None:
        """Remove ``graphs`` from this in-memory store (the overlay of :meth:`copy_graphs_from`)."""
        if self.path is not None:
            raise StoreError(f"{self.location}: only an in-memory store drops graphs without a write")
        for graph in graphs:
            self._store.remove_graph(ox.NamedNode(graph))


    # ------------------------------------------------------------------ writing

    def _check_writable(self) -> None:
        if self.read_only:
            raise StoreError(f"{self.location}: the store is open read-only")

    def _init_publishing(self) -> None:
        # Writes are numbered; a graph maps to the number of its last write, and ``_published`` is the
        # number of the last write the newest snapshot holds.
        self._written = 0
        self._published = 0
        self._graph_written: dict[str, int] = {}
        self._publish_lock = threading.Lock()
        self._publish_wanted = threading.Event()
        self._publisher: threading.Thread | None = None
        self._closing = False

    def _publish_snapshot(self) -> bool:
        """Publish a read snapshot holding every write so far; True when one was published (or was not needed)."""
        if self.path is None or self.read_only:
            return False
        with self._publish_lock:
            with self._write_lock:
                written, versions, database = self._written, dict(self._graph_versions), self._store
                # Taken with the database: a build swapping generations meanwhile must not lend the
                # checkpoint of one database the identity of another (snapshot_copies names by both).
                identity = read_snapshots.database_identity(self._generation)
            if written <= self._published and self._published:
                return True  # another caller published these writes meanwhile
            if self._publish(database, versions, identity):
                self._published = written
                return True
            return False

    def _publish(self, database: ox.Store, versions: Mapping[str, str], identity: str | None) -> bool:
        assert self.path is not None
        try:
            # Writes landing during the checkpoint may be in it under their graph's older version: the
            # publication they asked for follows, with the new version.
            read_snapshots.publish(database, self.path, versions, grace_seconds=self.snapshot_grace_seconds,
                                   database_id=identity)
            return True
        except OSError as exc:
            # The write itself is durable and stays acknowledged. Without a pointer, readers open the
            # live database directly (fresh answers, at the risk of meeting a compacted file) until
            # the next write publishes again.
            _log.error("%s: the read snapshot could not be published: %s", self.location, exc)
            read_snapshots.withdraw(self.path)
            return False

    def publish_pending(self, sees: Callable[[str], bool] | None = None) -> None:
        """Publish a snapshot now if a graph ``sees`` accepts (any, when None) was written since the last one.

        For a reader in another process that must read its own writes (a tenant's query after its write).
        """
        if self.path is None or self.read_only:
            return
        with self._write_lock:
            waiting = any(number > self._published and (sees is None or sees(graph))
                          for graph, number in self._graph_written.items())
        if waiting:
            self._publish_snapshot()

    def _publish_later(self) -> None:
        """Ask the background publisher for a snapshot (started on the first call)."""
        self._publish_wanted.set()
        if self._publisher is None:
            self._publisher = threading.Thread(target=self._publish_in_background, name="snapshot-publisher",
                                               daemon=True)
            self._publisher.start()

    def _publish_in_background(self) -> None:
        while True:
            self._publish_wanted.wait()
            if self._closing:
                return
            self._publish_wanted.clear()
            self._publish_snapshot()
            time.sleep(BACKGROUND_PUBLISH_INTERVAL)  # later writes wait and go into one snapshot

    def _make_durable(self) -> None:
        """Put the write-ahead log on disk (:mod:`controlgraph.store.write_ahead_log`); flush when that fails."""
        if self._wal is None:
            return
        try:
            self._wal.sync()
        except OSError as exc:
            _log.warning("%s: the write-ahead log could not be synced (%s); flushing instead", self.location, exc)
            self._flush()

    def _renew_versions(self, changed: Sequence[str], removed: Sequence[str]) -> None:
        version = read_snapshots.new_graph_version()
        for graph in removed:
            self._graph_versions.pop(graph, None)
        self._graph_versions.update(dict.fromkeys(changed, version))

    def replace_graphs(self, graphs: Mapping[str, Triples], *, remove: Sequence[str] = (),
                       append: Mapping[str, Triples] | None = None,
                       delete: Mapping[str, Triples] | None = None) -> None:
        self._check_writable()
        added = {g: triples for g, triples in (append or {}).items() if triples}
        deleted = {g: triples for g, triples in (delete or {}).items() if triples}
        written: list[str] | None = None  # unknown until the write succeeded
        try:
            with self._write_lock:
                before = copy_deltas.shared_version(self._graph_versions)
                changed, operations = self._replace_graphs(graphs, remove, added, deleted)
                written = changed
                kept = [g for g in changed if graphs.get(g) or g in added or g in deleted]
                self._renew_versions(kept, [g for g in changed if g not in kept])
                if changed and self.path is not None:
                    self._make_durable()  # before the write is acknowledged
                    if operations is not None:  # for the query workers' copies, before the snapshot
                        copy_deltas.record(self.path / read_snapshots.SNAPSHOTS_DIR, before,
                                           copy_deltas.shared_version(self._graph_versions), operations)
                    self._written += 1
                    self._graph_written.update(dict.fromkeys(changed, self._written))
            if changed and self.path is not None:
                # Everyone reads shared graphs: their snapshot is published before the write returns.
                # Only a tenant reads its graph, and waits for the snapshot when it queries (publish_pending).
                if all(g.startswith(TENANT_GRAPH) for g in changed):
                    self._publish_later()
                else:
                    self._publish_snapshot()
        finally:
            # After the write: an answer computed from the old data during it is then never kept.
            self.read_cache.clear(written)

    def _replace_graphs(self, graphs: Mapping[str, Triples], remove: Sequence[str],
                        append: Mapping[str, Triples], delete: Mapping[str, Triples],
                        ) -> tuple[list[str], list[tuple[str, str]] | None]:
        """Write; the names of the graphs whose content changed, and the update operations made (None: the
        write was made as a new store)."""
        for graph in [*remove, *graphs, *append, *delete]:
            try:
                ox.NamedNode(graph)
            except ValueError:
                raise StoreError(f"{self.location}: {graph!r} is not a graph IRI; nothing was changed") from None
        volume = sum(len(ts) for ts in (*graphs.values(), *append.values(), *delete.values()))
        if volume >= REWRITE_MIN_TRIPLES and volume >= REWRITE_SHARE * len(self._store):
            return self._rewrite(graphs, remove, append, delete), None
        operations = write_operations(self._store, graphs, remove, append, delete)
        if not operations:
            return [], []
        try:
            # One update request is one transaction in pyoxigraph: all of it or none of it.
            self._store.update(" ;\n".join(op for _, op in operations))
        except (OSError, SyntaxError) as exc:
            raise StoreError(f"{self.location}: write failed, nothing was changed: {exc}") from exc
        return list(dict.fromkeys(graph for graph, _ in operations)), operations

    def _rewrite(self, graphs: Mapping[str, Triples], remove: Sequence[str],
                 append: Mapping[str, Triples], delete: Mapping[str, Triples]) -> list[str]:
        """The write of :meth:`_replace_graphs` as a new store: the live one's quads with the changes.

        For a write of about a third of the store or more (an import whose inferred graphs change almost
        whole): on disk a transaction costs about 25 us of CPU per changed triple, a bulk-loaded copy about
        8 us per quad of the store (in memory, after finding what differs, 5 and 2 us). All of it or none
        of it, like the transaction: a new generation goes live with one rename of ``CURRENT``; in memory
        the new store replaces the old one, which nobody writes meanwhile (the write lock is held). Every
        graph written is reported changed (none is compared).
        """
        live = self._store
        held = {g.value for g in live.named_graphs() if isinstance(g, ox.NamedNode)}
        replaced = {*graphs, *remove}
        try:
            self._swap_in(rewritten_sections(live, graphs, remove, append, delete))
        except OSError as exc:
            raise StoreError(f"{self.location}: write failed, nothing was changed: {exc}") from exc
        return sorted({*(g for g in replaced if g in held or graphs.get(g)), *append, *delete})

    def _flush(self) -> None:
        try:
            self._store.flush()
        except OSError as exc:
            raise StoreError(f"{self.location}: the write could not be flushed to disk: {exc}") from exc

    def replace_everything(self, graphs: Mapping[str, Triples]) -> None:
        self._check_writable()
        try:
            with self._write_lock:
                self._replace_everything(graphs)
                self._graph_versions = {}
                self._renew_versions([g for g, triples in graphs.items() if triples], [])
                self._written += 1
                self._graph_written = dict.fromkeys(self._graph_versions, self._written)
            self._publish_snapshot()
        finally:
            self.read_cache.clear()

    def _replace_everything(self, graphs: Mapping[str, Triples]) -> None:
        self._swap_in(graph_sections(graphs))

    def _swap_in(self, sections: Iterable[Section]) -> None:
        """Make a new store of the quads of ``sections`` the live one (the caller holds the write lock): on disk a new
        generation, in memory a new ``ox.Store``. No one reads it before, so its load needs no transaction
        (``bulk_extend``). On disk the shared graphs' quads are also written, as they pass, to the query
        workers' file (:class:`SharedCapture`), named once the generation is live by its table files,
        which hold this write and nothing else: the workers of the next snapshot load it instead of
        reading RocksDB (the first start after a build, a running server after a large import)."""
        if self.path is None:
            fresh = ox.Store()
            fresh.bulk_extend(flattened(sections))
            self._store = fresh
            return
        capture = SharedCapture(self.path / read_snapshots.SNAPSHOTS_DIR, PUBLIC.sees_graph)
        try:
            with generations.exclusive(self.path):
                previous = self._generation
                generation = generations.write(self.path, capture.through(sections))
                generations.point_current_at(self.path, generation)
                self._store = self._open_current()
                generations.remove_stale(self.path, generation, previous)
        except BaseException:
            capture.drop()
            raise
        shared = PUBLIC.visible_graphs(self.graph_names())
        capture.keep_as(SnapshotCopies.key_of(generation, read_snapshots.database_identity(generation), shared))

    def close(self) -> None:
        if self._publisher is not None:
            self._closing = True
            self._publish_wanted.set()
            self._publisher.join()
            self._publisher, self._closing = None, False
        if self.path is not None and not self.read_only:
            self._store.flush()

    def reopen(self) -> None:
        """Follow ``CURRENT`` to the newest generation (after another process rebuilt)."""
        if self.path is None and self.read_only:
            raise StoreError(f"{self.location}: a read snapshot does not change; open the newest one instead")
        with self._write_lock:  # the database and its generation change together (see _publish_snapshot)
            self._store = self._open_current()
        self.read_cache.clear()
