"""The embedded store's read cache never serves an answer older than the data."""

from __future__ import annotations

import pyoxigraph as ox

from controlgraph.store.embedded import EmbeddedStore
from controlgraph.store.read_cache import ReadCache, cached

G = "https://w3id.org/controlgraph/id/graph/test"


def _count(store: EmbeddedStore) -> int:
    return cached(store, ("count",), lambda: len(store.graph_triples(G)))


def test_a_write_invalidates_cached_answers() -> None:
    store = EmbeddedStore(None)
    triple = ox.Triple(ox.NamedNode("http://example.org/a"), ox.NamedNode("http://example.org/p"), ox.Literal("1"))
    assert _count(store) == 0
    store.replace_graphs({G: [triple]})
    assert _count(store) == 1
    store.replace_graphs({}, remove=[G])
    assert _count(store) == 0


def test_an_answer_computed_during_a_write_is_not_kept() -> None:
    cache = ReadCache()

    def compute_while_data_changes() -> str:
        cache.clear()  # a write lands while this answer is computed from the old data
        return "stale"

    assert cache.get_or_compute("k", compute_while_data_changes) == "stale"
    assert cache.get_or_compute("k", lambda: "fresh") == "fresh"


def test_least_recently_used_entries_are_dropped() -> None:
    cache = ReadCache(max_entries=2)
    for key in ("a", "b", "c"):
        cache.get_or_compute(key, lambda k=key: k.upper())
    assert cache.get_or_compute("a", lambda: "recomputed") == "recomputed"


def test_a_tenant_write_leaves_the_answers_of_other_callers_valid() -> None:
    from controlgraph.store.tenancy import PUBLIC, Visibility, tenant_audit_graph, tenant_graph

    store = EmbeddedStore(None)
    triple = ox.Triple(ox.NamedNode("http://example.org/a"), ox.NamedNode("http://example.org/p"), ox.Literal("1"))
    computed: list[str] = []

    def answer(who: object) -> str:
        return cached(store, ("answer", who), lambda: computed.append(str(who)) or str(who))

    callers = [PUBLIC, Visibility("acme"), Visibility("beta"), None]
    for who in callers:
        answer(who)
    store.replace_graphs({tenant_graph("acme"): [triple]}, append={tenant_audit_graph("acme"): [triple]})
    computed.clear()
    for who in callers:
        answer(who)
    assert computed == [str(Visibility("acme"))]  # only acme's answer may have read acme's graphs
    store.replace_graphs({G: [triple]})  # a shared graph: every answer is stale
    computed.clear()
    for who in callers:
        answer(who)
    assert computed == [str(who) for who in callers]
