"""A real uvicorn server on an on-disk store: a runaway query is stopped at the limit and never holds up others."""

from __future__ import annotations

import os
import shutil
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from serving import serving

TIMEOUT = 2.0
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
SIMPLE = "SELECT ?slug WHERE { ?f <https://w3id.org/controlgraph/ontology#slug> ?slug }"


@pytest.fixture(scope="module")
def server(built_disk_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    location = tmp_path_factory.mktemp("served") / "store"
    binary = str(Path(sys.executable).parent / "controlgraph")
    # A copy of the session's built store (RocksDB lets one process at a time open a store for writing).
    shutil.copytree(built_disk_store, location)
    env = {**os.environ, "CONTROLGRAPH_STORE": str(location), "CONTROLGRAPH_SPARQL_TIMEOUT": str(TIMEOUT),
           "CONTROLGRAPH_SPARQL_WORKERS": "2", "CONTROLGRAPH_LOG_LEVEL": "WARNING",
           "CONTROLGRAPH_SPARQL_PER_CALLER": "2"}  # both clients below come from 127.0.0.1
    with serving([binary, "serve", "--port", "{port}"], location.parent / "server.log", env=env) as running:
        # Warm the workers so that process start-up is not counted against the limit below.
        for _ in range(2):
            httpx.get(f"{running.url}/sparql", params={"query": SIMPLE}, timeout=30)
        yield running.url


def test_a_runaway_query_is_stopped_while_a_simple_one_answers(server: str) -> None:
    outcome: dict[str, object] = {}

    def runaway() -> None:
        started = time.monotonic()
        response = httpx.get(f"{server}/sparql", params={"query": RUNAWAY}, timeout=30)
        outcome["runaway"] = (response.status_code, response.json(), time.monotonic() - started)

    thread = threading.Thread(target=runaway)
    thread.start()
    time.sleep(0.3)  # the runaway query is now busy in its worker
    with httpx.Client(timeout=10) as other:  # another connection
        started = time.monotonic()
        simple = other.get(f"{server}/sparql", params={"query": SIMPLE})
        simple_seconds = time.monotonic() - started
    thread.join(timeout=30)
    assert simple.status_code == 200 and len(simple.json()["results"]["bindings"]) == 10
    assert simple_seconds < 1.5, simple_seconds  # about 0.01 s on an idle machine
    status, body, runaway_seconds = outcome["runaway"]  # type: ignore[misc]
    assert status == 504 and body["kind"] == "QueryTimeout" and "time limit" in body["error"]
    assert TIMEOUT <= runaway_seconds < TIMEOUT + 1.5, runaway_seconds
    # The stopped worker was replaced: the endpoint keeps answering.
    again = httpx.get(f"{server}/sparql", params={"query": SIMPLE}, timeout=30)
    assert again.status_code == 200
    print(f"simple query {simple_seconds * 1000:.0f} ms while a runaway one was stopped after {runaway_seconds:.2f} s")


def test_saved_queries_run_through_the_workers(server: str) -> None:
    response = httpx.get(f"{server}/queries/satisfiers", params={"control": "nist-csf-2.0:PR.AA-01"}, timeout=30)
    assert response.status_code == 200
    assert "A.5.15" in {b["notation"]["value"] for b in response.json()["results"]["bindings"]}
