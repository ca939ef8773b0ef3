"""The API over a remote store while the SPARQL server is down, and after it comes back.

The store is a real `oxigraph serve` process. Killed: every store-backed endpoint answers within a couple
of seconds with 503 and a JSON body naming the problem (GraphQL: 503 with the GraphQL body, the error
marked STORE_UNAVAILABLE). Restarted on the same data directory and port: the API answers again with no
restart of its own.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from typing import Any

import httpx
from fastapi.testclient import TestClient

from controlgraph.settings import Settings
from controlgraph.web.app import create_app
from serving import answers

SATISFIERS = '{ satisfiers(of: "nist-csf-2.0:PR.AA-01") { ... on SatisfiersPayload { satisfiers { totalCount } } } }'
FAIL_FAST_SECONDS = 3.0

Request = Callable[[TestClient], httpx.Response]
REQUESTS: dict[str, Request] = {
    "graphql": lambda c: c.post("/graphql", json={"query": SATISFIERS}),
    "sparql": lambda c: c.post("/sparql", content=b"SELECT * WHERE { ?s ?p ?o } LIMIT 3",
                               headers={"Content-Type": "application/sparql-query"}),
    "saved query": lambda c: c.get("/queries/crosswalk", params={"framework": "nist-csf-1.1",
                                                                 "other": "nist-csf-2.0"}),
    "export": lambda c: c.get("/exports/crosswalk", params={"from": "nist-csf-1.1", "to": "nist-csf-2.0"}),
    "json route": lambda c: c.get("/api/satisfiers/nist-csf-2.0:PR.AA-01"),
    "healthz": lambda c: c.get("/healthz"),
}


def _restart(server: Any) -> None:
    """Start `oxigraph serve` again with the same arguments: same data directory, same port."""
    server.process = subprocess.Popen(server.process.args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def test_store_outage_answers_503_fast_then_recovers(shipped_oxigraph_process) -> None:  # type: ignore[no-untyped-def]
    # The shipped graph, bulk-loaded (tests/conftest.py): uploaded over HTTP, it stayed in the write-ahead log
    # and the restart below replayed it for over a minute. RemoteStore's upload is tested in tests/store.
    oxigraph_process = shipped_oxigraph_process
    settings = Settings.from_env({}, store=oxigraph_process.url)
    with TestClient(create_app(settings)) as client:
        for name, request in REQUESTS.items():
            response = request(client)
            assert response.status_code == 200, (name, response.text[:300])
        assert client.get("/healthz").json()["status"] == "ok"

        oxigraph_process.stop()  # SIGKILL
        for name, request in REQUESTS.items():
            started = time.monotonic()
            response = request(client)
            elapsed = time.monotonic() - started
            assert elapsed < FAIL_FAST_SECONDS, (name, elapsed)
            assert response.status_code == 503, (name, response.status_code, response.text[:300])
            assert response.headers["content-type"].startswith("application/json"), name
            body = response.json()
            if name == "graphql":
                assert [e["extensions"]["code"] for e in body["errors"]] == ["STORE_UNAVAILABLE"], body
                assert "does not answer" in body["errors"][0]["message"]
                assert response.headers["retry-after"] == "5"
            else:
                assert body["kind"] == "StoreUnavailable", (name, body)
                assert "does not answer" in body["error"], (name, body)
        assert client.get("/healthz").json()["status"] == "unavailable"

        _restart(oxigraph_process)
        _wait_for(lambda: _answers(oxigraph_process.url), "oxigraph did not restart")
        # The store is back: the very next request of each kind is answered, with no restart of the API.
        for name, request in REQUESTS.items():
            response = request(client)
            assert response.status_code == 200, (name, response.text[:300])
        assert client.get("/healthz").json()["status"] == "ok"


def _answers(url: str) -> bool:
    return answers(url, "/query", {"query": "ASK {}"}, timeout=1)


def _wait_for(condition: Callable[[], bool], message: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, message
        time.sleep(0.05)
