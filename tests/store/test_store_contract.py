"""The GraphStore contract, checked on every store: embedded in memory, embedded on disk, and a real Oxigraph server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest

from controlgraph.errors import StoreError
from controlgraph.store import embedded, generations
from controlgraph.store.base import GraphStore
from controlgraph.store.embedded import EmbeddedStore
from controlgraph.store.remote import RemoteStore

EX = "http://example.org/"
G1, G2, G3 = EX + "graph/one", EX + "graph/two", EX + "graph/three"
P = ox.NamedNode(EX + "p")
HOSTILE = 'x" } } ; DROP ALL ; INSERT DATA { <a:b> <a:b> "c" } #{\\ \n\'\'\' """ \u00e9'


def triples(*pairs: tuple[str, str]) -> list[ox.Triple]:
    return [ox.Triple(ox.NamedNode(EX + s), P, ox.Literal(o)) for s, o in pairs]


@pytest.fixture(params=["memory", "memory-rewrites", "disk", "disk-generations", "remote"])
def store(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[GraphStore]:
    opened: GraphStore
    if request.param.endswith(("-rewrites", "-generations")):
        # Every write as large writes are made: a new store (on disk a new generation) holding the live one's
        # quads with the changes (EmbeddedStore._rewrite).
        monkeypatch.setattr(embedded, "REWRITE_MIN_TRIPLES", 0)
        monkeypatch.setattr(embedded, "REWRITE_SHARE", 0.0)
    if request.param.startswith("memory"):
        opened = EmbeddedStore(None)
    elif request.param.startswith("disk"):
        opened = EmbeddedStore(tmp_path / "store")
    else:
        url = request.getfixturevalue("oxigraph_server")
        httpx.post(f"{url}/update", content="DROP ALL", headers={"Content-Type": "application/sparql-update"})
        opened = RemoteStore(url)
    yield opened
    opened.close()


def contents(store: GraphStore) -> dict[str, set[ox.Triple]]:
    return {g: set(store.graph_triples(g)) for g in store.graph_names()}


def test_replace_graphs_writes_and_reads_back(store: GraphStore) -> None:
    store.replace_graphs({G1: triples(("a", "1"), ("b", "2")), G2: triples(("c", "3"))})
    assert store.graph_names() == [G1, G2]
    assert set(store.graph_triples(G1)) == set(triples(("a", "1"), ("b", "2")))
    assert store.quad_count() == 3
    store.replace_graphs({G1: triples(("z", "9"))}, remove=[G2])
    assert contents(store) == {G1: set(triples(("z", "9")))}
    assert store.quad_count() == 1
    assert store.graph_triples(G3) == []


def test_part_of_a_graph_is_deleted_and_added_in_one_write(store: GraphStore) -> None:
    store.replace_graphs({G1: triples(("a", "1"), ("a", "2"), ("b", "3")), G2: triples(("c", "4"))})
    assert set(store.subject_triples(G1, [EX + "a", EX + "nobody"])) == set(triples(("a", "1"), ("a", "2")))
    assert store.subject_triples(G2, [EX + "a"]) == []
    # Deleted first, then added: a triple in both stays; one deleted that is not there changes nothing.
    store.replace_graphs({G3: triples(("d", "5"))}, delete={G1: triples(("a", "1"), ("a", "2"), ("x", "0"))},
                         append={G1: triples(("a", "2"), ("a", "7")), G2: triples(("c", "8"))})
    assert contents(store) == {G1: set(triples(("a", "2"), ("a", "7"), ("b", "3"))),
                               G2: set(triples(("c", "4"), ("c", "8"))), G3: set(triples(("d", "5")))}
    # A graph replaced, deleted from and added to in one write: the deletions apply to its new content.
    store.replace_graphs({G3: triples(("d", "1"), ("d", "2"))}, delete={G3: triples(("d", "1"), ("d", "5"))},
                         append={G3: triples(("d", "3"))})
    assert set(store.graph_triples(G3)) == set(triples(("d", "2"), ("d", "3")))
    before = contents(store)
    with pytest.raises(StoreError):  # one bad graph name: the deletions are not made either
        store.replace_graphs({}, delete={G1: triples(("b", "3"))}, append={"not an iri> } #": triples(("e", "1"))})
    assert contents(store) == before


def test_a_refused_write_leaves_the_store_unchanged(store: GraphStore) -> None:
    store.replace_graphs({G1: triples(("a", "1")), G2: triples(("b", "2"))})
    before = contents(store)
    with pytest.raises(StoreError):
        store.replace_graphs({G1: triples(("new", "x")), "not an iri> } ; DROP ALL ; #": triples(("c", "3"))},
                             remove=[G2])
    assert contents(store) == before


def test_replace_everything_holds_exactly_the_new_graphs(store: GraphStore) -> None:
    store.replace_graphs({G1: triples(("a", "1")), G2: triples(("b", "2"))})
    store.replace_everything({G2: triples(("n", "2")), G3: triples(("m", "3"), ("k", "4"))})
    assert contents(store) == {G2: set(triples(("n", "2"))), G3: set(triples(("m", "3"), ("k", "4")))}
    assert store.quad_count() == 3


def test_a_failed_rebuild_keeps_the_previous_data(store: GraphStore) -> None:
    store.replace_graphs({G1: triples(("a", "1"))})
    before = contents(store)
    with pytest.raises((StoreError, ValueError)):
        store.replace_everything({G2: triples(("b", "2")), "bad graph name": triples(("c", "3"))})
    assert contents(store) == before


def test_query_binds_substitutions_safely(store: GraphStore) -> None:
    store.replace_graphs({G1: [*triples(("a", HOSTILE), ("b", "plain")),
                               ox.Triple(ox.NamedNode(EX + "a"), ox.NamedNode(EX + "q"), ox.NamedNode(EX + "b"))]})
    found = store.query("SELECT ?s ?v WHERE { ?s <http://example.org/p> ?v }",
                        substitutions={"v": ox.Literal(HOSTILE)})
    assert isinstance(found, ox.QuerySolutions)
    rows = [(r["s"], r["v"]) for r in found]
    assert rows == [(ox.NamedNode(EX + "a"), ox.Literal(HOSTILE))]
    two = store.query("SELECT ?s ?o ?v WHERE { ?s <http://example.org/q> ?o . ?o <http://example.org/p> ?v }",
                      substitutions={"s": ox.NamedNode(EX + "a"), "v": ox.Literal("plain")})
    assert [r["o"] for r in two] == [ox.NamedNode(EX + "b")]  # type: ignore[union-attr]
    assert store.quad_count() == 3  # the hostile value changed nothing


def test_query_result_kinds_and_union_default_graph(store: GraphStore) -> None:
    store.replace_graphs({G1: triples(("a", "1")), G2: triples(("b", "2"))})
    ask = store.query("ASK { ?s ?p \"2\" }")
    assert isinstance(ask, ox.QueryBoolean) and bool(ask)
    built = store.query("CONSTRUCT { ?s <http://example.org/copy> ?o } WHERE { ?s ?p ?o }")
    assert isinstance(built, ox.QueryTriples)
    assert {t.object for t in built} == {ox.Literal("1"), ox.Literal("2")}
    only_default = store.query("SELECT ?s WHERE { ?s ?p ?o }", union_default_graph=False)
    assert list(only_default) == []  # type: ignore[arg-type]


def test_large_writes_keep_the_live_generation_and_the_one_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A write as a new generation leaves the live one and the one it replaced (a reader opened before the swap
    keeps working); older ones and a generation a killed writer left half-written are removed."""
    monkeypatch.setattr(embedded, "REWRITE_MIN_TRIPLES", 0)
    monkeypatch.setattr(embedded, "REWRITE_SHARE", 0.0)
    root = tmp_path / "store"
    store = EmbeddedStore(root)
    store.replace_graphs({G1: triples(("a", "1"))})
    reader = EmbeddedStore(root, read_only=True)  # opened on the generation about to be replaced
    replaced = generations.current(root)
    leftover = root / "gen-99991231T000000-killed"  # what a writer killed mid-write leaves (the newest name)
    leftover.mkdir()
    store.replace_graphs({G1: triples(("a", "2"))}, append={G2: triples(("b", "1"))})
    assert contents(store) == {G1: set(triples(("a", "2"))), G2: set(triples(("b", "1")))}
    assert contents(reader) == {G1: set(triples(("a", "1")))}
    assert replaced is not None and replaced.is_dir() and not leftover.exists()
    assert len(list(root.glob("gen-*"))) == 2  # the live one and the one before
    store.replace_graphs({G1: triples(("a", "3"))})
    assert len(list(root.glob("gen-*"))) == 2
    store.close()
    reopened = EmbeddedStore(root, read_only=True)
    assert contents(reopened) == {G1: set(triples(("a", "3"))), G2: set(triples(("b", "1")))}
