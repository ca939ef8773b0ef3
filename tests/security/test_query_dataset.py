"""The dataset public queries run over, on each kind of store: tenant graphs are never part of it.

The same checks run on the in-memory store (the thread runner's path), on a real Oxigraph server
(the remote store, through the protocol's default-graph-uri / named-graph-uri) and on the public
copy a query worker keeps.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pyoxigraph as ox
import pytest

from controlgraph.errors import QueryRefused
from controlgraph.service.public_view import PublicCopies, public_copy
from controlgraph.service.query_dataset import named_in_query, visible_dataset
from controlgraph.service.query_results import answer_query
from controlgraph.store.base import GraphStore
from controlgraph.store.embedded import EmbeddedStore
from controlgraph.store.remote import RemoteStore
from controlgraph.store.tenancy import PUBLIC, Visibility, tenant_graph

P = ox.NamedNode("http://example.org/p")
SHARED = "http://example.org/graph/shared"


def _fill(store: GraphStore, tag: str) -> None:
    def one(name: str, text: str) -> list[ox.Triple]:
        return [ox.Triple(ox.NamedNode(f"http://example.org/{tag}/{name}"), P, ox.Literal(text))]

    store.replace_graphs({SHARED: one("shared", "public"), tenant_graph(f"acme{tag}"): one("a", "acme-only"),
                          tenant_graph(f"beta{tag}"): one("b", "beta-only")})


@pytest.fixture(params=["memory", "remote"])
def store(request: pytest.FixtureRequest) -> Iterator[tuple[GraphStore, str]]:
    tag = secrets.token_hex(3)
    if request.param == "memory":
        made: GraphStore = EmbeddedStore(None)
    else:
        made = RemoteStore(request.getfixturevalue("module_oxigraph_server"))
    _fill(made, tag)
    yield made, tag
    if request.param == "remote":
        made.replace_graphs({}, remove=[SHARED, tenant_graph(f"acme{tag}"), tenant_graph(f"beta{tag}")])
    made.close()


FORMS = [
    "SELECT ?o WHERE {{ ?s ?p ?o }}",
    "SELECT ?o WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
    "SELECT ?o FROM <{acme}> WHERE {{ ?s ?p ?o }}",
    "SELECT ?o FROM NAMED <{acme}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
    "CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
    "CONSTRUCT WHERE {{ ?s ?p ?o }}",
]


@pytest.mark.parametrize("form", FORMS)
def test_callers_see_the_shared_graphs_and_their_own_only(store: tuple[GraphStore, str], form: str) -> None:
    graph_store, tag = store
    query = form.format(acme=tenant_graph(f"acme{tag}"))
    anonymous = answer_query(graph_store, query, graph_media_type="application/n-triples").body.decode()
    beta = answer_query(graph_store, query, visibility=Visibility(f"beta{tag}"),
                        graph_media_type="application/n-triples").body.decode()
    acme = answer_query(graph_store, query, visibility=Visibility(f"acme{tag}"),
                        graph_media_type="application/n-triples").body.decode()
    assert "acme-only" not in anonymous and "beta-only" not in anonymous
    assert "acme-only" not in beta
    if "FROM" not in query:
        assert "public" in anonymous and "public" in beta and "public" in acme
        assert "beta-only" in beta and "beta-only" not in acme
    assert "acme-only" in acme


def test_ask_and_describe(store: tuple[GraphStore, str]) -> None:
    graph_store, tag = store
    secret = f"<http://example.org/{tag}/a>"
    assert b"false" in answer_query(graph_store, f"ASK {{ {secret} ?p ?o }}").body
    assert b"true" in answer_query(graph_store, f"ASK {{ {secret} ?p ?o }}", visibility=Visibility(f"acme{tag}")).body
    assert b"acme-only" not in answer_query(graph_store, f"DESCRIBE {secret}").body


def test_the_public_copy_holds_no_tenant_graph() -> None:
    source = EmbeddedStore(None)
    _fill(source, "x")
    copy = public_copy(source, max_quads=1000)
    assert copy is not None and copy.graph_names() == [SHARED]
    assert public_copy(source, max_quads=1) is None  # too large: the restricted dataset serves instead
    copies = PublicCopies(1000)
    assert copies.store_for(source, PUBLIC) is not source
    assert copies.store_for(source, Visibility("nobody-with-a-graph")) is not source
    assert copies.store_for(source, Visibility("acmex")) is source  # sees more: the view lays its graph over
    plain = EmbeddedStore(None)
    plain.replace_graphs({SHARED: [ox.Triple(ox.NamedNode("http://example.org/s"), P, ox.Literal("x"))]})
    # Nothing hidden: the copy is still taken (memory answers faster), and the union needs no restriction.
    assert public_copy(plain, 1000) is not None and visible_dataset(plain, "SELECT * {}", PUBLIC) is None


def _rows(body: bytes) -> list[str]:
    """An answer's rows in a fixed order (SPARQL JSON bindings, or N-Triples lines)."""
    import json

    text = body.decode()
    if text.startswith("{"):
        return sorted(json.dumps(b, sort_keys=True) for b in json.loads(text)["results"]["bindings"])
    return sorted(text.splitlines())


@pytest.mark.parametrize("form", FORMS)
def test_a_tenant_view_over_the_copy_answers_what_the_restricted_dataset_answers(form: str) -> None:
    """The copy with the caller's own graph laid over it for one query gives the restricted dataset's answer,
    and the graph is gone from the copy afterwards (the next caller, anonymous or another tenant, never sees it)."""
    source = EmbeddedStore(None)
    _fill(source, "v")
    copies = PublicCopies(1000)
    query = form.format(acme=tenant_graph("acmev"))
    for visibility in (PUBLIC, Visibility("acmev"), Visibility("betav"), Visibility("nobody")):
        expected = answer_query(source, query, visibility=visibility, graph_media_type="application/n-triples")
        with copies.view(source, visibility) as answering:
            assert answering is not source  # answered from memory, not with the restricted dataset
            got = answer_query(answering, query, visibility=visibility, graph_media_type="application/n-triples")
        assert _rows(got.body) == _rows(expected.body), visibility
        copy = copies.store_for(source, PUBLIC)
        assert copy.graph_names() == [SHARED]  # the overlay is taken out again
    with pytest.raises(RuntimeError), copies.view(source, Visibility("acmev")) as answering:
        assert tenant_graph("acmev") in answering.graph_names()
        raise RuntimeError("a query failing inside the view")
    assert copies.store_for(source, PUBLIC).graph_names() == [SHARED]


def test_from_clauses_are_read_or_refused() -> None:
    assert named_in_query("SELECT * WHERE { ?s ?p 'FROM <http://x>' } # FROM <http://y>") is None
    assert named_in_query("SELECT ?from WHERE { ?from ex:from ?x }") is None
    assert named_in_query("PREFIX g: <http://g/> SELECT * FROM g:a FROM NAMED <http://b> {}") == (
        ["http://g/a"], ["http://b"])
    assert named_in_query("select * from<http://a>from named<http://b> {}") == (["http://a"], ["http://b"])
    for refused in ("SELECT * FROM <relative> {}", "SELECT * FROM nope:a {}", "SELECT * FROM ?x {}",
                    "SELECT * FROM <http://a b> {}"):
        with pytest.raises(QueryRefused):
            named_in_query(refused)


def test_a_tenant_graph_appearing_after_the_copy_keeps_anonymous_queries_on_the_copy() -> None:
    """A worker that started before any tenant wrote kept no copy (nothing was hidden) and, once a tenant graph
    appeared, answered every anonymous query with the restricted dataset: the slow path behind the soak's
    30 s saved queries. The copy is now taken either way and stays in use."""
    source = EmbeddedStore(None)
    source.replace_graphs({SHARED: [ox.Triple(ox.NamedNode("http://example.org/s"), P, ox.Literal("public"))]})
    copies = PublicCopies(1000)
    copies.prepare(source, "v1")
    source.replace_graphs({tenant_graph("late"): [ox.Triple(ox.NamedNode("http://example.org/t"), P,
                                                            ox.Literal("late-only"))]})
    answering = copies.store_for(source, PUBLIC, "v1")  # same shared version: the same copy
    assert answering is not source and answering.graph_names() == [SHARED]
    assert b"late-only" not in answer_query(answering, "SELECT ?o WHERE { ?s ?p ?o }").body
