"""Request size limits, CORS, keys kept out of logs, no path from a request reaching the filesystem, and
generic 500s with a correlation id (the traceback in the server log only)."""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pyoxigraph as ox
import pytest
import uvicorn
from fastapi.testclient import TestClient

from controlgraph.settings import Settings
from controlgraph.store.embedded import EmbeddedStore
from controlgraph.store.tenancy import hash_key
from controlgraph.web.app import create_app

KEY = "s3cret-acme-key-4d1f"
WRONG_KEY = "wr0ng-key-b7e2"
LIMIT = 20_000
CREATE = """mutation($input: MappingInput!) { createMapping(input: $input) { __typename } }"""


@pytest.fixture(scope="module")
def store(built_store: EmbeddedStore) -> EmbeddedStore:
    """A private in-memory copy of the built graph (these tests write)."""
    copy = built_store.copy()
    return copy


def make_settings(**extra: Any) -> Settings:
    return Settings.from_env({}, store="memory", max_request_bytes=LIMIT, api_keys=f"acme:{hash_key(KEY)}", **extra)


@pytest.fixture(scope="module")
def http(store: EmbeddedStore) -> Iterator[TestClient]:
    with TestClient(create_app(make_settings(), store)) as client:
        yield client


class LoopbackServer:
    """The app under a real uvicorn on a free loopback port, in a thread, logging through the root logger."""

    def __init__(self, app: Any) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_config=None, access_log=True,
                                log_level="debug", lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.05)
        self.url = f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


# ------------------------------------------------------------------ request size


def test_every_post_over_the_limit_is_413_json(http: TestClient) -> None:
    big_query = "ASK { FILTER(\"" + "a" * LIMIT + "\" != \"\") }"
    cases = [
        http.post("/sparql", content=big_query, headers={"Content-Type": "application/sparql-query"}),
        http.post("/sparql", content="query=" + big_query,
                  headers={"Content-Type": "application/x-www-form-urlencoded"}),
        http.post("/graphql", json={"query": "{ frameworks { totalCount } }", "padding": "x" * LIMIT}),
        http.post("/graphql", json={"query": CREATE, "variables": {"input": {"subject": "x" * LIMIT}}},
                  headers={"Authorization": f"Bearer {KEY}"}),
        http.post("/graphql", json={"query": "mutation($t: String!) { importSssom(tsv: $t) { __typename } }",
                                    "variables": {"t": "#" * LIMIT}}, headers={"Authorization": f"Bearer {KEY}"}),
    ]
    for response in cases:
        assert response.status_code == 413, response.text[:200]
        assert response.json() == {"error": f"request body over the limit of {LIMIT} bytes", "kind": "RequestTooLarge"}
    small = http.post("/sparql", content="ASK {}", headers={"Content-Type": "application/sparql-query"})
    assert small.status_code == 200


def test_chunked_bodies_without_length_are_counted(store: EmbeddedStore) -> None:
    server = LoopbackServer(create_app(make_settings(), store))
    try:
        def chunks(total: int) -> Iterator[bytes]:
            yield b"ASK { FILTER(\""
            for _ in range(total // 1000):
                yield b"a" * 1000
            yield b"\" != \"\") }"

        with httpx.Client(timeout=30) as client:
            refused = client.post(f"{server.url}/sparql", content=chunks(LIMIT * 5),
                                  headers={"Content-Type": "application/sparql-query"})
            assert refused.request.headers.get("transfer-encoding") == "chunked"
            assert "content-length" not in refused.request.headers
            assert refused.status_code == 413 and refused.json()["kind"] == "RequestTooLarge"
            accepted = client.post(f"{server.url}/sparql", content=chunks(LIMIT // 2),
                                   headers={"Content-Type": "application/sparql-query"})
            assert accepted.status_code == 200, accepted.text
        # A declared length over the limit is refused before a byte of the body is read.
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as raw:
            raw.sendall(f"POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                        f"Content-Length: {LIMIT * 1000}\r\n\r\n".encode())
            assert raw.recv(200).startswith(b"HTTP/1.1 413")
    finally:
        server.stop()


# ------------------------------------------------------------------ keys never logged


def test_keys_never_reach_the_logs(store: EmbeddedStore, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    server = LoopbackServer(create_app(make_settings(), store))
    try:
        with httpx.Client(timeout=60, base_url=server.url) as client:
            refused = client.post("/graphql", json={"query": "{ frameworks { totalCount } }"},
                                  headers={"Authorization": f"Bearer {WRONG_KEY}"})
            assert refused.status_code == 401
            assert client.get("/sparql", params={"query": "ASK {}"},
                              headers={"Authorization": f"Bearer {WRONG_KEY}"}).status_code == 401
            written = client.post("/graphql", headers={"Authorization": f"Bearer {KEY}"}, json={
                "query": CREATE, "variables": {"input": {"subject": "iso27002-2022:5.15",
                                                         "object": "nist-csf-2.0:PR.AA-05", "relation": "SUBSET_OF"}}})
            assert written.json()["data"]["createMapping"]["__typename"] == "MappingPayload", written.text
            assert KEY not in written.text and WRONG_KEY not in refused.text
    finally:
        server.stop()
    logged = caplog.text
    assert "POST /graphql" in logged  # the access log was captured
    assert KEY not in logged and WRONG_KEY not in logged
    assert hash_key(KEY) not in logged


# ------------------------------------------------------------------ CORS


def _preflight(client: TestClient, origin: str) -> httpx.Response:
    return client.options("/sparql", headers={"Origin": origin, "Access-Control-Request-Method": "POST"})


def test_cors_is_off_by_default(http: TestClient) -> None:
    response = _preflight(http, "https://evil.example")
    assert "access-control-allow-origin" not in response.headers
    simple = http.get("/healthz", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in simple.headers


def test_cors_allows_only_the_configured_origins(store: EmbeddedStore) -> None:
    with TestClient(create_app(make_settings(cors_origins="https://grc.example.org"), store)) as client:
        allowed = _preflight(client, "https://grc.example.org")
        assert allowed.headers.get("access-control-allow-origin") == "https://grc.example.org"
        other = _preflight(client, "https://evil.example")
        assert "access-control-allow-origin" not in other.headers


# ------------------------------------------------------------------ paths from requests


@pytest.mark.parametrize("path", [
    "/queries/..%2F..%2Fetc%2Fpasswd", "/queries/../../etc/passwd", "/queries/%2Fetc%2Fpasswd",
    "/queries/crosswalk%00.rq", "/queries/..%5C..%5Cwindows%5Cwin.ini", "/queries/README",
    "/queries/crosswalk.rq", "/api/satisfiers/..%2F..%2Fetc%2Fpasswd", "/api/satisfiers/%00",
    "/exports/crosswalk?from=../../etc/passwd&to=gdpr", "/exports/crosswalk?from=gdpr&to=%2Fetc%2Fpasswd",
    "/exports/crosswalk?from=gdpr&to=iso27002-2022&format=../../etc/passwd",
    "/exports/programme?have=@/etc/passwd&targets=gdpr",
    "/exports/programme?have=iso27002-2022:5.1&targets=gdpr&hub=/etc",
])
def test_request_paths_never_reach_the_filesystem(http: TestClient, path: str) -> None:
    response = http.get(path)
    assert response.status_code in (400, 404), (path, response.status_code, response.text[:200])
    assert "root:" not in response.text and "[fonts]" not in response.text
    body = response.json()  # JSON either way: ours ({"error", "kind"}) or the router's 404 for a path with "/"
    assert {"error", "kind"} <= set(body) or body == {"detail": "Not Found"}


# ------------------------------------------------------------------ internal errors


class BrokenStore:
    """A real store whose every query fails with an unexpected error (as a bug in a layer below would)."""

    def __init__(self, store: EmbeddedStore) -> None:
        self._store = store
        self.location = "memory"

    def query(self, sparql: str, **kwargs: Any) -> Any:
        raise RuntimeError("disk /var/lib/secret-internal-path exploded")

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


def test_internal_errors_are_generic_with_a_correlation_id(store: EmbeddedStore,
                                                          caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR)
    app = create_app(make_settings(), BrokenStore(store))  # type: ignore[arg-type]
    with TestClient(app, raise_server_exceptions=False) as client:
        responses = {
            "sparql": client.get("/sparql", params={"query": "ASK {}"}),
            "queries": client.get("/queries/cld-controls"),
            "exports": client.get("/exports/crosswalk", params={"from": "gdpr", "to": "iso27002-2022"}),
            "api": client.get("/api/satisfiers/gdpr:Art.32"),
            "healthz": client.get("/healthz"),
        }
        graphql = client.post("/graphql", json={"query": '{ control(id: "gdpr:Art.32") { __typename } }'})
    for surface, response in responses.items():
        assert response.status_code == 500, (surface, response.text)
        body = response.json()
        assert body["kind"] == "InternalError" and body["correlationId"] in body["error"], surface
        assert response.headers["x-correlation-id"] == body["correlationId"]
        assert "secret-internal-path" not in response.text and "RuntimeError" not in response.text, surface
        assert body["correlationId"] in caplog.text  # the log has it, with the traceback
    assert "Traceback" in caplog.text and "secret-internal-path" in caplog.text
    assert "secret-internal-path" not in graphql.text and "Internal error" in graphql.text


def test_store_read_failures_do_not_leak_paths(store: EmbeddedStore) -> None:
    class UnreadableStore(BrokenStore):
        def query(self, sparql: str, **kwargs: Any) -> Any:
            raise OSError("IO error: /var/lib/secret-internal-path/000123.sst: No such file")

    with TestClient(create_app(make_settings(), UnreadableStore(store)),  # type: ignore[arg-type]
                    raise_server_exceptions=False) as client:
        response = client.get("/sparql", params={"query": "ASK {}"})
    assert response.status_code == 500 and "secret-internal-path" not in response.text
    assert response.json()["kind"] in ("StoreError", "InternalError")


def test_the_store_iri_check_is_not_bypassed_by_odd_terms(http: TestClient) -> None:
    # A control reference that is not an IRI-safe token is refused before any query is built.
    for ref in ("gdpr:Art.32%3E%20%7D%20%3B%20DROP%20ALL%20%3B%20%23", "gdpr:%00", "x" * 5000):
        response = http.get(f"/api/satisfiers/{ref}")
        assert response.status_code in (400, 404), response.text[:200]
    assert ox.NamedNode("https://w3id.org/controlgraph/id/control/gdpr/Art.32")  # the store still answers
