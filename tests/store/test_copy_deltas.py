"""A query worker's copy of the shared graphs follows small writes by their own changes (store/copy_deltas.py),
and ends exactly as a copy taken whole from the new snapshot; where the changes cannot be followed, it is taken
whole."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pyoxigraph as ox
import pytest

from controlgraph.service.public_view import PublicCopies
from controlgraph.store import copy_deltas, embedded, read_snapshots
from controlgraph.store.copy_deltas import SharedVersion
from controlgraph.store.embedded import EmbeddedStore
from controlgraph.store.snapshot_copies import SnapshotCopies
from controlgraph.store.tenancy import PUBLIC, tenant_graph

P = ox.NamedNode("http://example.org/p")
A, B, C = (f"http://example.org/graph/{name}" for name in "abc")
TENANT = tenant_graph("acme")


def _triples(start: int, end: int, tag: str = "a") -> list[ox.Triple]:
    return [ox.Triple(ox.NamedNode(f"http://example.org/{tag}/{i}"), P, ox.Literal(f"{tag}-{i}"))
            for i in range(start, end)]


def _opened(root: Path) -> tuple[EmbeddedStore, SharedVersion]:
    """What a query worker opens: the newest snapshot, and the version of its shared graphs."""
    snapshot = read_snapshots.latest(root)
    assert snapshot is not None
    return EmbeddedStore.open_snapshot(snapshot), copy_deltas.shared_version(snapshot.graph_versions)


def _quads(store: EmbeddedStore) -> set[ox.Quad]:
    return set(store._store.quads_for_pattern(None, None, None, None))


def _whole(store: EmbeddedStore) -> set[ox.Quad]:
    """The shared graphs of ``store`` copied whole (no files, no changes followed)."""
    return _quads(store.in_memory_copy(PUBLIC.visible_graphs(store.graph_names())))


def _start(tmp_path: Path) -> tuple[EmbeddedStore, Path, PublicCopies, EmbeddedStore]:
    root = tmp_path / "store"
    writer = EmbeddedStore(root, snapshot_grace_seconds=60)
    writer.replace_graphs({A: _triples(0, 50), B: _triples(0, 20, "b"), TENANT: _triples(0, 3, "t")})
    copies = PublicCopies(100_000, files=SnapshotCopies(root / read_snapshots.SNAPSHOTS_DIR))
    store, version = _opened(root)
    copy = copies.store_for(store, PUBLIC, version)
    assert isinstance(copy, EmbeddedStore) and copy is not store and _quads(copy) == _whole(store)
    (first,) = _deltas(root)  # the first write's, of the shared graphs only: never a tenant's triples
    assert A in first.read_text("utf-8") and TENANT not in first.read_text("utf-8")
    first.unlink()  # the tests below count their own writes' files
    return writer, root, copies, copy


def _deltas(root: Path) -> list[Path]:
    return sorted((root / read_snapshots.SNAPSHOTS_DIR).glob("delta-*.ru"))


def test_a_copy_follows_a_chain_of_writes_in_place(tmp_path: Path) -> None:
    writer, root, copies, copy = _start(tmp_path)
    writer.replace_graphs({A: _triples(5, 60)})  # only what differs: 5 deleted, 10 added
    writer.replace_graphs({}, delete={B: _triples(0, 2, "b")}, append={B: _triples(30, 32, "b")})
    writer.replace_graphs({TENANT: _triples(0, 9, "t")})  # a tenant's write: no change to the shared graphs
    writer.replace_graphs({C: _triples(0, 4, "c")})
    writer.replace_graphs({}, remove=[B])
    store, version = _opened(root)
    assert copies.store_for(store, PUBLIC, version) is copy  # brought up to date, not taken again
    assert _quads(copy) == _whole(store)
    assert {q.graph_name.value for q in _quads(copy)} == {A, C}  # type: ignore[union-attr]
    assert len(_deltas(root)) == 4  # one per write of a shared graph
    assert not any(TENANT in path.read_text("utf-8") for path in _deltas(root))


def test_a_copy_already_holding_later_writes_ends_the_same(tmp_path: Path) -> None:
    """A checkpoint taken while a write lands holds it under the older version: following the changes from
    that version again leaves the copy as the newer snapshot has it."""
    writer, root, copies, _ = _start(tmp_path)
    _, older = _opened(root)
    writer.replace_graphs({A: _triples(10, 70)})
    writer.replace_graphs({}, delete={A: _triples(10, 20)}, append={A: _triples(0, 10)})
    store, newer = _opened(root)
    copies.prepare(store, older)  # the newer content, labelled with the older version
    copy = copies.store_for(store, PUBLIC, older)
    assert copies.store_for(store, PUBLIC, newer) is copy and _quads(copy) == _whole(store)


def test_blank_nodes_a_missing_file_a_large_update_or_a_new_generation_take_the_copy_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    writer, root, copies, copy = _start(tmp_path)

    # Blank nodes: INSERT DATA would give them new labels, the copy must hold the store's.
    writer.replace_graphs({C: [ox.Triple(ox.NamedNode("http://example.org/s"), P, ox.BlankNode("list0"))]})
    assert not _deltas(root)
    store, version = _opened(root)
    retaken = copies.store_for(store, PUBLIC, version)
    assert isinstance(retaken, EmbeddedStore) and retaken is not copy and _quads(retaken) == _whole(store)
    assert any(isinstance(q.object, ox.BlankNode) for q in _quads(retaken))  # with the store's label

    # A missing link: the copy is taken whole, with the same quads.
    writer.replace_graphs({A: _triples(0, 10)})
    (only,) = _deltas(root)
    only.unlink()
    store, version = _opened(root)
    third = copies.store_for(store, PUBLIC, version)
    assert third is not retaken and _quads(third) == _whole(store)  # type: ignore[arg-type]

    # An update too large to be worth following (loading the snapshot's file is as fast).
    monkeypatch.setattr(copy_deltas, "MOST_CHARACTERS", 100)
    writer.replace_graphs({A: _triples(0, 11)})
    assert not _deltas(root)
    monkeypatch.setattr(copy_deltas, "MOST_CHARACTERS", 4_000_000)

    # A write made as a new generation (a large import) leaves no changes to follow.
    monkeypatch.setattr(embedded, "REWRITE_MIN_TRIPLES", 0)
    monkeypatch.setattr(embedded, "REWRITE_SHARE", 0.0)
    writer.replace_graphs({A: _triples(0, 12)})
    assert not _deltas(root)
    store, version = _opened(root)
    fourth = copies.store_for(store, PUBLIC, version)
    assert fourth is not third and _quads(fourth) == _whole(store)  # type: ignore[arg-type]


def test_old_files_go_at_the_next_publication(tmp_path: Path) -> None:
    writer, root, _, _ = _start(tmp_path)
    writer.replace_graphs({A: _triples(0, 10)})
    (old,) = _deltas(root)
    half = old.with_name(f".{old.name}.deadbeef")  # a writer killed while writing one
    half.write_text("half", encoding="utf-8")
    past = time.time() - 120
    os.utime(old, (past, past))
    os.utime(half, (past, past))
    writer.replace_graphs({A: _triples(0, 5)})
    left = [p.name for p in (root / read_snapshots.SNAPSHOTS_DIR).iterdir() if "delta-" in p.name]
    assert len(left) == 1 and old.name not in left and half.name not in left
