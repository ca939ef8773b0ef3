"""Read snapshots: what query workers open, so a writer's compaction never pulls files from under a query."""

from __future__ import annotations

import time
from pathlib import Path

import pyoxigraph as ox

from controlgraph.service.public_view import PublicCopies
from controlgraph.store import read_snapshots
from controlgraph.store.embedded import EmbeddedStore
from controlgraph.store.tenancy import PUBLIC, tenant_graph

P = ox.NamedNode("http://example.org/p")
SHARED = "http://example.org/graph/shared"
TENANT = tenant_graph("acme")


def _triples(tag: str, n: int = 1) -> list[ox.Triple]:
    return [ox.Triple(ox.NamedNode(f"http://example.org/{tag}/{i}"), P, ox.Literal(f"{tag}-{i}")) for i in range(n)]


def _values(store: EmbeddedStore) -> set[str]:
    return {q.object.value for q in store._store.quads_for_pattern(None, None, None, None)}


def test_every_write_publishes_a_snapshot_with_the_new_content(tmp_path: Path) -> None:
    writer = EmbeddedStore(tmp_path / "store")
    first = read_snapshots.latest(tmp_path / "store")
    assert first is not None  # opening for writing publishes one
    writer.replace_graphs({SHARED: _triples("shared", 3)})
    second = read_snapshots.latest(tmp_path / "store")
    assert second is not None and second.name != first.name
    assert _values(EmbeddedStore.open_snapshot(second)) == {"shared-0", "shared-1", "shared-2"}
    assert _values(EmbeddedStore.open_snapshot(first)) == set()  # a snapshot never changes


def test_graph_versions_change_only_for_the_graphs_a_write_replaced(tmp_path: Path) -> None:
    root = tmp_path / "store"
    writer = EmbeddedStore(root)
    writer.replace_graphs({SHARED: _triples("shared"), TENANT: _triples("acme")})
    before = read_snapshots.latest(root)
    writer.replace_graphs({TENANT: _triples("acme", 2)})
    writer.publish_pending()  # a tenant write is published in the background, or when a reader asks
    after = read_snapshots.latest(root)
    assert before is not None and after is not None
    assert after.graph_versions[SHARED] == before.graph_versions[SHARED]
    assert after.graph_versions[TENANT] != before.graph_versions[TENANT]
    writer.replace_graphs({}, remove=[TENANT])
    writer.publish_pending()
    removed = read_snapshots.latest(root)
    assert removed is not None and TENANT not in removed.graph_versions
    # A new writer (a restart) cannot know what changed while it was away: every version is new.
    writer.close()
    del writer
    restarted = EmbeddedStore(root)
    reopened = read_snapshots.latest(root)
    assert reopened is not None and reopened.graph_versions[SHARED] != removed.graph_versions[SHARED]
    restarted.close()


def test_a_tenant_write_is_published_for_its_tenant_at_once_and_for_everyone_soon(tmp_path: Path) -> None:
    """A tenant's write does not wait for its snapshot (a checkpoint flushes the memtables): the tenant's next
    query asks for it (read-your-writes), and the background publisher brings it within its interval."""
    from controlgraph.store.embedded import BACKGROUND_PUBLISH_INTERVAL
    from controlgraph.store.tenancy import Visibility

    root = tmp_path / "store"
    writer = EmbeddedStore(root)
    writer.replace_graphs({SHARED: _triples("shared")})
    shared = read_snapshots.latest(root)
    assert shared is not None and _values(EmbeddedStore.open_snapshot(shared)) == {"shared-0"}  # published at once
    writer.replace_graphs({TENANT: _triples("acme")})
    writer.publish_pending(PUBLIC.sees_graph)  # an anonymous reader sees no tenant graph: nothing to wait for
    writer.publish_pending(Visibility("beta").sees_graph)
    writer.publish_pending(Visibility("acme").sees_graph)
    mine = read_snapshots.latest(root)
    assert mine is not None and _values(EmbeddedStore.open_snapshot(mine)) == {"shared-0", "acme-0"}
    writer.replace_graphs({TENANT: _triples("acme", 2)})
    deadline = time.monotonic() + BACKGROUND_PUBLISH_INTERVAL + 30
    while time.monotonic() < deadline:
        newest = read_snapshots.latest(root)
        if newest is not None and "acme-1" in _values(EmbeddedStore.open_snapshot(newest)):
            break
        time.sleep(0.05)
    else:
        raise AssertionError("the background publisher never published the tenant's write")
    writer.close()


def test_a_reader_keeps_its_snapshot_through_hundreds_of_writes_and_compactions(tmp_path: Path) -> None:
    root = tmp_path / "store"
    writer = EmbeddedStore(root)
    writer.replace_graphs({SHARED: _triples("base", 200)})
    snapshot = read_snapshots.latest(root)
    assert snapshot is not None
    reader = EmbeddedStore.open_snapshot(snapshot)
    generation = root / (root / "CURRENT").read_text().strip()
    files_at_open = {p.name for p in generation.glob("*.sst")}
    for i in range(150):  # every write flushes a table file; RocksDB compacts them away as they pile up
        writer.replace_graphs({f"http://example.org/graph/w{i % 5}": _triples(f"w{i}", 20)})
    assert files_at_open - {p.name for p in generation.glob("*.sst")}, "no compaction happened: the test proves nothing"
    assert len(_values(reader)) == 200  # reads every table file of its snapshot, none of them gone
    newest = read_snapshots.latest(root)
    assert newest is not None and len(_values(EmbeddedStore.open_snapshot(newest))) == 200 + 5 * 20


def test_superseded_snapshots_go_after_the_grace_period_and_the_live_one_stays(tmp_path: Path) -> None:
    root = tmp_path / "store"
    writer = EmbeddedStore(root, snapshot_grace_seconds=3600)
    for i in range(4):
        writer.replace_graphs({SHARED: _triples(f"v{i}")})
    directory = root / read_snapshots.SNAPSHOTS_DIR
    assert len(list(directory.glob("snap-*"))) == 5  # within the grace period every one may still be read
    assert len(list(directory.glob("delta-*"))) == 4  # and what each write changed, for the workers' copies
    writer.snapshot_grace_seconds = 0.0
    time.sleep(0.01)
    writer.replace_graphs({SHARED: _triples("last")})
    live = read_snapshots.latest(root)
    assert live is not None and [p.name for p in directory.iterdir()] == [live.name]  # no file outlives it
    assert _values(EmbeddedStore.open_snapshot(live)) == {"last-0"}


def test_without_a_pointer_readers_are_told_there_is_no_snapshot(tmp_path: Path) -> None:
    root = tmp_path / "store"
    EmbeddedStore(root).replace_graphs({SHARED: _triples("x")})
    read_snapshots.withdraw(root)
    assert read_snapshots.latest(root) is None
    (root / read_snapshots.READ_POINTER).write_text("{not json", encoding="utf-8")
    assert read_snapshots.latest(root) is None


def test_the_public_copy_is_kept_across_tenant_writes_and_retaken_after_a_shared_one(tmp_path: Path) -> None:
    root = tmp_path / "store"
    writer = EmbeddedStore(root)
    writer.replace_graphs({SHARED: _triples("shared"), TENANT: _triples("acme")})
    copies = PublicCopies(max_quads=1000)

    def public_store_after(write: dict[str, list[ox.Triple]]) -> EmbeddedStore:
        writer.replace_graphs(write)
        snapshot = read_snapshots.latest(root)
        assert snapshot is not None
        shared = tuple(sorted((g, v) for g, v in snapshot.graph_versions.items() if PUBLIC.sees_graph(g)))
        store = copies.store_for(EmbeddedStore.open_snapshot(snapshot), PUBLIC, shared)
        assert isinstance(store, EmbeddedStore)
        return store

    first = public_store_after({TENANT: _triples("acme", 2)})
    assert _values(first) == {"shared-0"}  # the copy: no tenant data
    assert public_store_after({TENANT: _triples("acme", 3)}) is first  # a tenant write: same copy
    changed = public_store_after({SHARED: _triples("shared-new")})
    assert changed is not first and _values(changed) == {"shared-new-0"}



def test_a_write_that_changes_nothing_publishes_nothing(tmp_path: Path) -> None:
    root = tmp_path / "store"
    writer = EmbeddedStore(root)
    writer.replace_graphs({SHARED: _triples("same", 3), TENANT: _triples("acme")})
    before = read_snapshots.latest(root)
    writer.replace_graphs({SHARED: list(reversed(_triples("same", 3)))})  # same content, other order
    assert read_snapshots.latest(root) == before
    writer.replace_graphs({SHARED: _triples("same", 2)})  # one triple fewer: only that one is deleted
    after = read_snapshots.latest(root)
    assert after is not None and after != before
    assert _values(EmbeddedStore.open_snapshot(after)) == {"same-0", "same-1", "acme-0"}


def test_graphs_with_blank_nodes_are_replaced_whole(tmp_path: Path) -> None:
    writer = EmbeddedStore(tmp_path / "store")
    blank = ox.BlankNode()
    writer.replace_graphs({SHARED: [ox.Triple(ox.NamedNode("http://example.org/s"), P, blank),
                                    ox.Triple(blank, P, ox.Literal("inner"))]})
    writer.replace_graphs({SHARED: [ox.Triple(ox.NamedNode("http://example.org/s"), P, ox.Literal("flat"))]})
    assert _values(writer) == {"flat"}
