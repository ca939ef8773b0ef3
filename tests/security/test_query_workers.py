"""Query workers under pressure (issue 21, findings 4, 7 and 9).

- 4: the copy of the shared graphs is taken when a worker starts and refreshed in the background, never
  inside a query's time: with a copy that takes longer than the time limit, queries still answer.
- 7: one caller cannot hold every worker (429 past its share); when all workers are busy, a query waits
  at most the queue wait (503); a query's whole life, waiting included, stays within its time limit.
- 9: an answer is capped in bytes as well as rows.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

from controlgraph.errors import QueryCapacityExceeded, TooManyQueries
from controlgraph.service.public_view import PublicCopies, public_copy
from controlgraph.service.query_admission import CallerLimits
from controlgraph.service.query_pool import ProcessQueryRunner
from controlgraph.settings import Settings
from controlgraph.store.embedded import EmbeddedStore
from controlgraph.store.tenancy import PUBLIC, Visibility, hash_key, tenant_graph
from controlgraph.web.app import create_app

SHARED = "https://w3id.org/controlgraph/id/graph/shared-test"
P = ox.NamedNode("http://example.org/p")
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
KEYS = {"acme": "acme-key-51f0", "beta": "beta-key-9a7d"}
QUADS = 60_000


def _triples(prefix: str, count: int, size: int = 8) -> list[ox.Triple]:
    return [ox.Triple(ox.NamedNode(f"http://example.org/{prefix}{i}"), P, ox.Literal(f"{prefix}{i}".ljust(size, "x")))
            for i in range(count)]


def _ready(runner: ProcessQueryRunner, within: float = 180) -> None:
    """Wait until every worker has started (a start is never charged to a query)."""
    deadline = time.monotonic() + within
    while True:
        try:
            runner.run("ASK {}")
            break
        except QueryCapacityExceeded:
            assert time.monotonic() < deadline, "the query workers did not start"
            time.sleep(0.2)
    for worker in list(runner._workers):  # replacements of workers stopped by an earlier test too
        assert worker.wait_ready(deadline), "a query worker did not start"


# ------------------------------------------------------------------ 4: livelock


def test_a_copy_slower_than_the_time_limit_never_makes_queries_time_out(tmp_path: Path) -> None:
    path = tmp_path / "store"
    writer = EmbeddedStore(path)
    writer.replace_everything({SHARED: _triples("shared", QUADS), tenant_graph("acme"): _triples("secret", 3)})
    started = time.monotonic()
    assert public_copy(writer, 2_000_000) is not None
    copy_seconds = time.monotonic() - started
    limit = max(0.15, copy_seconds / 2)  # the copy takes about twice the time limit (longer on a slow machine)
    assert copy_seconds > limit, f"the copy took {copy_seconds:.2f} s: not slower than the limit, nothing shown"
    settings = Settings.from_env({}, store=str(path), sparql_timeout=limit, sparql_workers=2, sparql_queue_wait=limit)
    runner = ProcessQueryRunner(path, settings)
    try:
        _ready(runner)
        writer.replace_graphs({tenant_graph("acme"): _triples("secret-new", 2)})  # a tenant write
        answers = [runner.run("ASK {}").body for _ in range(8)]
        assert all(b"true" in a for a in answers)
        # A shared write: the copy is retaken in the background; meanwhile the store answers (same data).
        writer.replace_graphs({SHARED: [*_triples("shared", QUADS), *_triples("fresh", 1)]})
        for _ in range(8):
            assert b"true" in runner.run("ASK { <http://example.org/fresh0> ?p ?o }").body
            assert b"false" in runner.run("ASK { <http://example.org/secret-new0> ?p ?o }").body
        assert b"true" in runner.run("ASK { <http://example.org/secret-new0> ?p ?o }",
                                     visibility=Visibility("acme")).body
    finally:
        runner.close()
        writer.close()


# ------------------------------------------------------------------ 7: queueing


def test_caller_limits_count_each_caller_apart() -> None:
    limits = CallerLimits(per_caller=1)
    with limits.slot("address:10.0.0.1"):
        with pytest.raises(TooManyQueries), limits.slot("address:10.0.0.1"):
            pass
        with limits.slot("tenant:acme"):
            assert limits.running("tenant:acme") == 1
    assert limits.running("address:10.0.0.1") == 0  # released, errors included


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, float]]:
    path = tmp_path_factory.mktemp("queue") / "store"
    writer = EmbeddedStore(path)
    writer.replace_everything({SHARED: _triples("row", 300)})
    writer.close()
    del writer  # RocksDB's lock goes with the object
    limit = 3.0
    keys = ",".join(f"{tenant}:{hash_key(key)}" for tenant, key in KEYS.items())
    settings = Settings.from_env({}, store=str(path), sparql_timeout=limit, sparql_workers=2, sparql_queue_wait=1.0,
                                 sparql_per_caller=1, api_keys=keys)
    with TestClient(create_app(settings)) as client:
        _ready(client.app.state.query_runner)  # type: ignore[attr-defined]
        yield client, limit


def _in_background(client: TestClient, query: str, key: str | None, outcome: dict[str, Any],
                   name: str) -> threading.Thread:
    def run() -> None:
        started = time.monotonic()
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        response = client.get("/sparql", params={"query": query}, headers=headers)
        outcome[name] = (response.status_code, time.monotonic() - started)

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_one_caller_cannot_hold_every_worker(served: tuple[TestClient, float]) -> None:
    client, limit = served
    outcome: dict[str, Any] = {}
    runaway = _in_background(client, RUNAWAY, None, outcome, "runaway")
    time.sleep(0.5)
    started = time.monotonic()
    second = client.get("/sparql", params={"query": RUNAWAY})  # the same anonymous caller again
    assert second.status_code == 429 and second.json()["kind"] == "TooManyQueries"
    assert second.headers["retry-after"] and time.monotonic() - started < 1.0
    other = client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"},
                       headers={"Authorization": f"Bearer {KEYS['acme']}"})
    assert other.status_code == 200  # another caller still finds a worker
    runaway.join()
    status, seconds = outcome["runaway"]
    assert status == 504 and seconds < limit + 1.0


def test_when_every_worker_is_busy_the_wait_is_bounded(served: tuple[TestClient, float]) -> None:
    client, limit = served
    _ready(client.app.state.query_runner)  # type: ignore[attr-defined]
    outcome: dict[str, Any] = {}
    threads = [_in_background(client, RUNAWAY, None, outcome, "anonymous"),
               _in_background(client, RUNAWAY, KEYS["acme"], outcome, "acme")]
    time.sleep(0.5)
    started = time.monotonic()
    third = client.get("/sparql", params={"query": "ASK {}"}, headers={"Authorization": f"Bearer {KEYS['beta']}"})
    waited = time.monotonic() - started
    assert third.status_code == 503 and third.json()["kind"] == "QueryCapacityExceeded"
    assert 0.8 < waited < 2.0, waited  # the queue wait (1 s), not the time limit
    for thread in threads:
        thread.join()
    for status, seconds in outcome.values():
        assert status == 504 and seconds < limit + 1.0, (status, seconds)  # waiting included, within the limit
    assert client.get("/sparql", params={"query": "ASK {}"}).status_code in (200, 503)  # workers being replaced


# ------------------------------------------------------------------ 9: answer size


@pytest.mark.parametrize("accept", ["application/sparql-results+json", "application/sparql-results+xml", "text/csv",
                                    "text/turtle", "application/n-triples"])
def test_answers_are_capped_in_bytes(accept: str) -> None:
    store = EmbeddedStore(None)
    store.replace_everything({SHARED: _triples("big", 200, size=1_000)})
    cap = 20_000
    settings = Settings.from_env({}, store="memory", sparql_max_result_bytes=cap)
    query = ("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }" if "triples" in accept or "turtle" in accept
             else "SELECT ?s ?o WHERE { ?s ?p ?o }")
    with TestClient(create_app(settings, store)) as client:
        response = client.get("/sparql", params={"query": query}, headers={"Accept": accept})
        assert response.status_code == 200, response.text[:200]
        assert len(response.content) <= cap
        assert response.headers["x-result-truncated"] == "true"
        assert 5 <= int(response.headers["x-result-rows"]) < 200
        small = client.get("/sparql", params={"query": "SELECT ?s WHERE { ?s ?p ?o } LIMIT 3"},
                           headers={"Accept": accept})
        assert "x-result-truncated" not in small.headers
    assert PUBLIC.tenant is None


def test_a_background_copy_waits_for_queries_and_the_store_answers_meanwhile() -> None:
    store = EmbeddedStore(None)
    store.replace_everything({SHARED: _triples("shared", 5_000), tenant_graph("acme"): _triples("secret", 1)})
    copies = PublicCopies(2_000_000, background=True)
    with copies.answering():  # a query is running: the copy may start but not advance past its first batch
        assert copies.store_for(store, PUBLIC, "v1") is store  # the store (restricted dataset) answers now
        time.sleep(0.3)
        assert not copies.built.is_set()
    assert copies.built.wait(60)
    copy = copies.store_for(store, PUBLIC, "v1")
    assert copy is not store and copy.graph_names() == [SHARED] and copy.quad_count() == 5_000
    assert copies.store_for(store, Visibility("acme"), "v1") is store  # a tenant with a graph: not the bare copy
    with copies.view(store, Visibility("acme"), "v1") as view:  # but the copy with its graph laid over it
        assert view is copy and set(view.graph_names()) == {SHARED, tenant_graph("acme")}
    assert copy.graph_names() == [SHARED]
    copies.refresh(store, "v2")  # the shared graphs changed: the old copy is not used meanwhile
    assert copies.store_for(store, PUBLIC, "v2") is not copy  # the outdated copy is never served again
    assert copies.built.wait(60) and copies.store_for(store, PUBLIC, "v2") is not store
