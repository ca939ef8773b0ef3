"""Query workers share one read of a snapshot's shared graphs through a file (store/snapshot_copies.py)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pyoxigraph as ox
import pytest

from controlgraph.errors import StoreError
from controlgraph.service.public_view import PublicCopies, public_copy
from controlgraph.store import embedded, read_snapshots
from controlgraph.store.embedded import EmbeddedStore
from controlgraph.store.snapshot_copies import SnapshotCopies
from controlgraph.store.tenancy import PUBLIC, tenant_graph

P = ox.NamedNode("http://example.org/p")
SHARED = "http://example.org/graph/shared"
TENANT = tenant_graph("acme")


def _shared_triples(n: int) -> list[ox.Triple]:
    # Blank nodes too (the ontology's lists have them): a copy from the file must keep their labels.
    head = ox.BlankNode("list0")
    listed = [ox.Triple(ox.NamedNode("http://example.org/s/0"), P, head), ox.Triple(head, P, ox.Literal("in a list"))]
    named = [ox.Triple(ox.NamedNode(f"http://example.org/s/{i}"), P, ox.Literal(f"shared-{i}")) for i in range(n)]
    return named + listed


def _quads(store: EmbeddedStore) -> set[ox.Quad]:
    return set(store._store.quads_for_pattern(None, None, None, None))


def _snapshot_store(root: Path) -> EmbeddedStore:
    snapshot = read_snapshots.latest(root)
    assert snapshot is not None
    return EmbeddedStore.open_snapshot(snapshot)


def _file(files: SnapshotCopies, store: EmbeddedStore, graphs: list[str]) -> Path:
    assert store.snapshot is not None
    key = files.key_of(store.snapshot.path, store.snapshot.database_id, graphs)
    assert key is not None
    return files.file_of(key)


def _written(tmp_path: Path) -> tuple[Path, EmbeddedStore, list[str]]:
    root = tmp_path / "store"
    writer = EmbeddedStore(root, snapshot_grace_seconds=0)
    writer.replace_graphs({SHARED: _shared_triples(50), TENANT: [ox.Triple(ox.NamedNode("http://t/1"), P,
                                                                           ox.Literal("tenant"))]})
    return root, writer, PUBLIC.visible_graphs(writer.graph_names())


def test_the_first_copy_writes_the_file_and_the_next_loads_it_with_the_same_quads(tmp_path: Path) -> None:
    root, _, shared = _written(tmp_path)
    files = SnapshotCopies(root / read_snapshots.SNAPSHOTS_DIR)
    store = _snapshot_store(root)
    expected = {q for q in _quads(store) if q.graph_name == ox.NamedNode(SHARED)}
    assert shared == [SHARED] and expected

    first = store.in_memory_copy(shared, files=files)
    path = _file(files, store, shared)
    assert path.exists() and _quads(first) == expected  # the tenant graph is not in it, blank labels kept

    # The next copy comes from the file, not the store: a quad added to the file shows in it.
    marker = ox.Quad(ox.NamedNode("http://example.org/marker"), P, ox.Literal("from the file"), ox.NamedNode(SHARED))
    path.write_text(path.read_text(encoding="utf-8") + f"{marker} .\n", encoding="utf-8")
    assert _quads(store.in_memory_copy(shared, files=files)) == expected | {marker}
    # In batches, as a background copy takes it, too.
    calls: list[int] = []
    assert _quads(store.in_memory_copy(shared, batch=10, between_batches=lambda: calls.append(1),
                                       files=files)) == expected | {marker}
    assert len(calls) >= 5


def test_an_unreadable_file_falls_back_to_the_store(tmp_path: Path) -> None:
    root, _, shared = _written(tmp_path)
    files = SnapshotCopies(root / read_snapshots.SNAPSHOTS_DIR)
    store = _snapshot_store(root)
    expected = _quads(store.in_memory_copy(shared))
    path = _file(files, store, shared)
    path.write_text('<http://a> <http://b> "unterminated\n', encoding="utf-8")
    assert _quads(store.in_memory_copy(shared, files=files)) == expected
    assert _quads(store.in_memory_copy(shared, files=files)) == expected  # and the file was written again


def test_a_store_not_opened_on_a_snapshot_never_uses_files(tmp_path: Path) -> None:
    root, writer, _ = _written(tmp_path)
    files = SnapshotCopies(root / read_snapshots.SNAPSHOTS_DIR)
    assert writer.snapshot is None
    copy = public_copy(writer, 1000, files=files)
    assert copy is not None and {q.graph_name for q in _quads(copy)} == {ox.NamedNode(SHARED)}
    assert not list(files.directory.glob("shared-*"))


def test_a_background_copy_waits_for_the_first_worker_a_starting_one_reads_the_store(tmp_path: Path) -> None:
    root, _, shared = _written(tmp_path)
    files = SnapshotCopies(root / read_snapshots.SNAPSHOTS_DIR)
    store = _snapshot_store(root)
    key = _file(files, store, shared).name.removesuffix(".nq")
    marker = ox.Quad(ox.NamedNode("http://example.org/marker"), P, ox.Literal("first"), ox.NamedNode(SHARED))
    results: list[set[ox.Quad]] = []
    with files.turn(key):  # "the first worker", copying to write the file
        # A worker starting meanwhile does not wait: it reads the store, and leaves the file to the first.
        starting = _quads(store.in_memory_copy(shared, files=files))
        assert marker not in starting and not files.file_of(key).exists()
        background = threading.Thread(target=lambda: results.append(
            _quads(store.in_memory_copy(shared, files=files, between_batches=lambda: None))))
        background.start()
        time.sleep(0.3)
        assert not results  # waiting for its turn, not reading the store meanwhile
        first = store.in_memory_copy(shared)
        first._store.add(marker)
        files.save(key, first._store)
    background.join(timeout=30)
    assert results == [_quads(first)]  # it loaded the first worker's file
    assert starting == _quads(first) - {marker}  # the same quads, read from the store


def test_a_new_snapshot_of_the_same_data_finds_the_file_and_a_shared_write_makes_a_new_one(tmp_path: Path) -> None:
    root, writer, shared = _written(tmp_path)
    files = SnapshotCopies(root / read_snapshots.SNAPSHOTS_DIR)
    # RocksDB compacts in the background after writes, rewriting table files under new numbers (the same
    # data under another name: a file is then not found, never wrong). Settle it first, as a store is
    # after a build's bulk load or a clean restart.
    writer._store.optimize()
    read_snapshots.publish(writer._store, root, {SHARED: "1", TENANT: "1"}, grace_seconds=0,
                           database_id=read_snapshots.database_identity(writer._generation))
    before = _snapshot_store(root)
    PublicCopies(1000, files=files).prepare(before)
    path = _file(files, before, shared)
    marker = ox.Quad(ox.NamedNode("http://example.org/marker"), P, ox.Literal("kept"), ox.NamedNode(SHARED))
    path.write_text(path.read_text(encoding="utf-8") + f"{marker} .\n", encoding="utf-8")
    # What a restarted writer does first: publish a snapshot of the data as it is (new graph versions).
    read_snapshots.publish(writer._store, root, {SHARED: "new", TENANT: "new"}, grace_seconds=0,
                           database_id=read_snapshots.database_identity(writer._generation))
    after = _snapshot_store(root)
    assert after.snapshot is not None and before.snapshot is not None
    assert after.snapshot.name != before.snapshot.name and _file(files, after, shared) == path
    assert marker in _quads(after.in_memory_copy(shared, files=files))

    (files.directory / f".{path.name}.deadbeef").write_text("half", encoding="utf-8")  # a worker killed mid-file
    writer.replace_graphs({SHARED: _shared_triples(3)})
    assert not [p.name for p in files.directory.iterdir() if p.name.lstrip(".").startswith("shared-")]
    changed = _snapshot_store(root)
    assert _file(files, changed, shared) != path
    copy = changed.in_memory_copy(shared, files=files)
    assert marker not in _quads(copy) and ox.Literal("shared-2") in {q.object for q in _quads(copy)}
    assert _file(files, changed, shared).exists()


def test_a_store_replaced_whole_leaves_the_file_the_next_writers_workers_load(tmp_path: Path) -> None:
    """A build writes the workers' file from the quads it wrote: a server opening the store next (a new
    writer publishing a new snapshot) finds it under its snapshot's content, and it holds exactly the
    shared graphs as RocksDB returns them, blank node labels included, and no tenant's graph."""
    root = tmp_path / "store"
    tenant = [ox.Triple(ox.NamedNode("http://t/1"), P, ox.Literal("tenant"))]
    EmbeddedStore(root, snapshot_grace_seconds=0).replace_everything({SHARED: _shared_triples(50), TENANT: tenant})
    files = SnapshotCopies(root / read_snapshots.SNAPSHOTS_DIR)
    (written,) = [p for p in files.directory.iterdir() if p.name.startswith("shared-")]

    server = EmbeddedStore(root, snapshot_grace_seconds=0)  # what `serve` does first: open, publish
    snapshot = _snapshot_store(root)
    shared = PUBLIC.visible_graphs(snapshot.graph_names())
    assert shared == [SHARED] and _file(files, snapshot, shared) == written
    from_file = EmbeddedStore(None)
    assert files.load(written.name.removesuffix(".nq"), from_file._store)
    from_store = snapshot.in_memory_copy(shared)  # no files: read from RocksDB
    assert _quads(from_file) == _quads(from_store) and len(_quads(from_file)) == 52
    assert ox.BlankNode("list0") in {q.object for q in _quads(from_file)}

    # A write to a shared graph names new content: the file goes, and the next copy reads the store.
    server.replace_graphs({SHARED: _shared_triples(3)})
    assert not written.exists()
    changed = _snapshot_store(root)
    assert ox.Literal("shared-2") in {q.object for q in _quads(changed.in_memory_copy(shared, files=files))}
    assert ox.Literal("shared-40") not in {q.object for q in _quads(changed.in_memory_copy(shared, files=files))}


def test_a_write_made_as_a_new_generation_leaves_the_file_of_what_it_wrote(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A large write (an import's) is bulk-loaded as a new generation, like a build: its file holds the
    graphs kept from the generation before with the write's deletions and additions applied, exactly
    what RocksDB then returns, and no tenant's graph."""
    monkeypatch.setattr(embedded, "REWRITE_MIN_TRIPLES", 0)  # every write is made as a new generation
    monkeypatch.setattr(embedded, "REWRITE_SHARE", 0.0)
    root = tmp_path / "store"
    other = "http://example.org/graph/other"
    gone, added = _shared_triples(50)[7], ox.Triple(ox.NamedNode("http://example.org/new"), P, ox.Literal("added"))
    writer = EmbeddedStore(root, snapshot_grace_seconds=0)
    writer.replace_graphs({SHARED: _shared_triples(50), TENANT: [ox.Triple(ox.NamedNode("http://t/1"), P,
                                                                           ox.Literal("tenant"))]})
    writer.replace_graphs({other: [added]}, delete={SHARED: [gone]}, append={SHARED: [added]})
    files = SnapshotCopies(root / read_snapshots.SNAPSHOTS_DIR)
    snapshot = _snapshot_store(root)
    shared = PUBLIC.visible_graphs(snapshot.graph_names())
    assert shared == sorted([SHARED, other])
    written = _file(files, snapshot, shared)
    assert written.exists()
    from_file = EmbeddedStore(None)
    assert files.load(written.name.removesuffix(".nq"), from_file._store)
    assert _quads(from_file) == _quads(snapshot.in_memory_copy(shared))  # no files: read from RocksDB
    objects = {(q.object, q.graph_name) for q in _quads(from_file)}
    assert (gone.object, ox.NamedNode(SHARED)) not in objects and (added.object, ox.NamedNode(SHARED)) in objects
    assert ox.Literal("tenant") not in {o for o, _ in objects}


class _Broken(list):  # type: ignore[type-arg]
    """Triples that fail half-way through being read, as a write that dies during its bulk load."""

    def __iter__(self):  # type: ignore[no-untyped-def]
        yield from super().__iter__()
        raise OSError("disk gone half-way")


def test_a_failed_load_leaves_no_file_and_a_killed_writers_leftover_goes(tmp_path: Path) -> None:
    root = tmp_path / "store"
    store = EmbeddedStore(root, snapshot_grace_seconds=0)
    store.replace_everything({SHARED: _shared_triples(20)})
    directory = root / read_snapshots.SNAPSHOTS_DIR
    (kept,) = [p.name for p in directory.iterdir() if p.name.startswith("shared-")]
    with pytest.raises((OSError, StoreError)):
        store.replace_everything({SHARED: _Broken(_shared_triples(30))})
    assert [p.name for p in directory.iterdir() if p.name.lstrip(".").startswith("shared-")] == [kept]
    assert ox.Literal("shared-19") in {q.object for q in _quads(store)}
    assert ox.Literal("shared-25") not in {q.object for q in _quads(store)}

    (directory / ".shared-pending-deadbeef.nq").write_text("half", encoding="utf-8")  # a writer killed mid-load
    store.replace_graphs({SHARED: _shared_triples(5)})  # the next publication
    assert not [p.name for p in directory.iterdir() if p.name.lstrip(".").startswith("shared-")]
