"""An embedded store's scratch copy and its fingerprint (what tests compare to say "the store is unchanged")."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from controlgraph.store.embedded import EmbeddedStore

EX = "http://example.org/"
G1, G2 = EX + "graph/one", EX + "graph/two"


def _triples(*objects: str) -> list[ox.Triple]:
    return [ox.Triple(ox.NamedNode(EX + "s"), ox.NamedNode(EX + "p"), ox.Literal(o)) for o in objects]


def test_the_fingerprint_follows_the_content_not_the_order_or_the_kind_of_store(tmp_path: Path) -> None:
    forward = EmbeddedStore(None)
    forward.replace_everything({G1: _triples("a", "b", "c"), G2: _triples("d")})
    backward = EmbeddedStore(tmp_path / "disk")
    backward.replace_graphs({G2: _triples("d")})
    backward.replace_graphs({G1: _triples("c", "b", "a")})
    assert forward.fingerprint() == backward.fingerprint()

    backward.replace_graphs({G2: _triples("e")})  # one literal differs
    assert forward.fingerprint() != backward.fingerprint()
    moved = EmbeddedStore(None)
    moved.replace_everything({G2: _triples("a", "b", "c"), G1: _triples("d")})  # same triples, other graphs
    assert forward.fingerprint() != moved.fingerprint()


def test_a_copy_holds_the_same_quads_and_takes_writes_of_its_own(tmp_path: Path) -> None:
    original = EmbeddedStore(tmp_path / "disk")
    original.replace_graphs({G1: _triples("a", "b"), G2: _triples("c")})
    before = original.fingerprint()
    copy = original.copy()
    assert copy.path is None and copy.fingerprint() == before
    assert copy.graph_names() == original.graph_names()

    copy.replace_graphs({G1: _triples("z")})
    assert sorted(t.object.value for t in copy.graph_triples(G1)) == ["z"]
    assert original.fingerprint() == before
    answer = copy.query(f"SELECT ?o WHERE {{ GRAPH <{G1}> {{ ?s ?p ?o }} }}")
    assert isinstance(answer, ox.QuerySolutions)
    assert [row["o"].value for row in answer] == ["z"]  # the copy's read cache follows its own writes
