"""The remote store against a real `oxigraph serve`: builds, atomic switches, outages, value binding."""

from __future__ import annotations

import time

import httpx
import pyoxigraph as ox
import pytest

from controlgraph.analysis.satisfiers import find_satisfiers
from controlgraph.errors import QueryError, StoreError, StoreUnavailable
from controlgraph.pipeline.build import build
from controlgraph.settings import Settings
from controlgraph.store import open_store, remote
from controlgraph.store.embedded import EmbeddedStore
from controlgraph.store.remote import RemoteEndpoints, RemoteStore, bind_with_values
from controlgraph.vocabulary import parse_control_ref

EX = "http://example.org/"


def test_values_go_into_the_where_group_not_a_template_string_or_comment() -> None:
    x = {"x": ox.NamedNode(EX + "a")}
    construct = 'PREFIX e: <http://e/#a>\nCONSTRUCT { ?x e:p "}{" } # {\nWHERE { ?x ?p ?o }'
    bound = bind_with_values(construct, x)
    assert bound.endswith('WHERE { VALUES (?x) { (<http://example.org/a>) }  ?x ?p ?o }')
    select = "SELECT ?x (COUNT(*) AS ?n) FROM <http://g/#x> WHERE { ?x ?p ?o } GROUP BY ?x"
    assert "WHERE { VALUES (?x)" in bind_with_values(select, x)
    with pytest.raises(QueryError):
        bind_with_values("CONSTRUCT WHERE { ?x ?p ?o }", x)
    with pytest.raises(QueryError):
        bind_with_values("SELECT * WHERE { ?s ?p ?o }", {"x; DROP": ox.Literal("v")})


def test_the_server_applies_one_update_request_as_one_transaction(oxigraph_server: str) -> None:
    store = RemoteStore(oxigraph_server)
    store.replace_graphs({EX + "t/keep": [ox.Triple(ox.NamedNode(EX + "a"), ox.NamedNode(EX + "p"), ox.Literal("1"))]})
    # The second operation fails at run time (the graph does not exist): the first must not stick.
    with pytest.raises(StoreError):
        store._update(f"DROP GRAPH <{EX}t/keep> ; DROP GRAPH <{EX}t/absent>")
    assert len(store.graph_triples(EX + "t/keep")) == 1
    store.close()


@pytest.mark.parametrize("staged", [False, True], ids=["one-request", "staged"])
def test_a_rebuild_whose_upload_fails_keeps_the_previous_data(
    oxigraph_server: str, staged: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rebuild is one update up to ONE_REQUEST_MAX_TRIPLES, else staged graphs and one switch: either way a
    refused upload leaves the previous data, and a rebuild that succeeds leaves nothing else behind."""
    if staged:
        monkeypatch.setattr(remote, "ONE_REQUEST_MAX_TRIPLES", 0)
    old, new = EX + f"t/{staged}/old", EX + f"t/{staged}/new"
    store = RemoteStore(oxigraph_server)
    store.replace_everything({old: [ox.Triple(ox.NamedNode(EX + "a"), ox.NamedNode(EX + "p"), ox.Literal("1"))]})
    assert store.graph_names() == [old] and store.quad_count() == 1  # every other graph went
    refusing = RemoteEndpoints(graph_store="/no-such-endpoint") if staged else RemoteEndpoints(update="/no-such")
    broken = RemoteStore(oxigraph_server, endpoints=refusing)
    with pytest.raises(StoreError, match="previous data kept" if staged else "nothing was changed"):
        broken.replace_everything({new: [ox.Triple(ox.NamedNode(EX + "b"), ox.NamedNode(EX + "p"),
                                                   ox.Literal("2"))]})
    assert store.graph_names() == [old]
    assert store.quad_count() == 1
    store.replace_everything({new: [ox.Triple(ox.NamedNode(EX + "b"), ox.NamedNode(EX + "p"), ox.Literal("2"))],
                              old: []})
    assert store._all_graph_names() == [new] and store.quad_count() == 1  # no staged graph left either
    store.close()
    broken.close()


def test_the_real_graph_built_remotely_answers_like_the_embedded_store(
    oxigraph_server: str, built_store: EmbeddedStore
) -> None:
    settings = Settings.from_env({}, store=oxigraph_server)
    remote = open_store(settings)
    assert isinstance(remote, RemoteStore)
    result = build(settings, remote)
    assert result.triples == built_store.quad_count()
    assert remote.graph_names() == built_store.graph_names()
    for ref_text in ("nist-csf-2.0:PR.AA-01", "iso27002-2013:5.1.1", "gdpr:Art.32", "iso27017-2015:CLD.9.5.1"):
        ref = parse_control_ref(ref_text)
        here = [(s.control.ref, s.relation, s.mapping_set, s.inferred) for s in find_satisfiers(remote, ref)]
        there = [(s.control.ref, s.relation, s.mapping_set, s.inferred) for s in find_satisfiers(built_store, ref)]
        assert here == there, ref_text
    satisfiers = {s.control.ref for s in find_satisfiers(remote, parse_control_ref("nist-csf-2.0:PR.AA-01"))}
    assert {"iso27001-2022:A.5.15", "iso27001-2022:A.5.18", "iso27001-2022:A.8.5"} <= satisfiers
    remote.close()


def test_a_stopped_server_fails_fast_with_store_unavailable(oxigraph_process) -> None:  # type: ignore[no-untyped-def]
    store = RemoteStore(oxigraph_process.url, timeout=5.0)
    assert bool(store.query("ASK {}"))
    oxigraph_process.stop()
    started = time.monotonic()
    with pytest.raises(StoreUnavailable, match="does not answer"):
        store.query("SELECT * WHERE { ?s ?p ?o }")
    assert time.monotonic() - started < 2.0
    with pytest.raises(StoreUnavailable):
        store.replace_graphs({EX + "g": []})
    store.close()


def test_query_errors_from_the_server_are_query_errors(oxigraph_server: str) -> None:
    store = RemoteStore(oxigraph_server)
    with pytest.raises(QueryError, match="HTTP 400"):
        store.query("SELECT WHERE {")
    assert httpx.get(f"{oxigraph_server}/query", params={"query": "ASK {}"}).status_code == 200
    store.close()
