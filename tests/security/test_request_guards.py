"""Checks every request passes (issue 21, findings 10, 11, 13): a wrong key is 401 on every route; hostile JSON,
GraphQL and WebSocket requests get a clean 4xx, never a 500; refused documents log no traceback; the API
explorers are a setting; CORS lets the Authorization header through."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient
from starlette.testclient import WebSocketDenialResponse
from starlette.websockets import WebSocketDisconnect

from controlgraph.settings import Settings
from controlgraph.store.embedded import EmbeddedStore
from controlgraph.store.tenancy import hash_key
from controlgraph.web.app import create_app

KEY = "acme-key-0b5c9e"
WRONG = "not-a-key-77"
GRAPH = "https://w3id.org/controlgraph/id/graph/test"
CREATE = "mutation($input: MappingInput!) { createMapping(input: $input) { __typename } }"


def make_app(**extra: Any) -> Any:
    store = EmbeddedStore(None)
    store.replace_everything({GRAPH: [ox.Triple(ox.NamedNode("http://e/s"), ox.NamedNode("http://e/p"),
                                                ox.Literal("o"))]})
    return create_app(Settings.from_env({}, store="memory", api_keys=f"acme:{hash_key(KEY)}", **extra), store)


@pytest.fixture(scope="module")
def http() -> Iterator[TestClient]:
    with TestClient(make_app(), raise_server_exceptions=False) as client:
        yield client


ROUTES = ["/healthz", "/queries", "/queries/cld-controls", "/exports/crosswalk?from=gdpr&to=iso27002-2022",
          "/exports/programme?have=gdpr:Art.32&targets=iso27002-2022", "/api/satisfiers/gdpr:Art.32",
          "/sparql?query=ASK%20%7B%7D", "/sparql", "/docs", "/openapi.json", "/graphql", "/no-such-route"]


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("header", [f"Bearer {WRONG}", "Bearer ", "Basic YWJjOmRlZg==", WRONG])
def test_a_wrong_key_is_401_on_every_route(http: TestClient, route: str, header: str) -> None:
    response = http.get(route, headers={"Authorization": header})
    assert response.status_code == 401, (route, response.status_code, response.text[:200])
    assert response.json()["kind"] == "AuthenticationError"
    assert response.headers["www-authenticate"] == "Bearer"
    posted = http.post("/graphql", json={"query": "{ frameworks { totalCount } }"}, headers={"Authorization": header})
    assert posted.status_code == 401


def test_no_key_and_a_right_key_still_pass(http: TestClient) -> None:
    assert http.get("/healthz").status_code == 200
    assert http.get("/healthz", headers={"Authorization": f"Bearer {KEY}"}).status_code == 200
    assert http.get("/queries", headers={"Authorization": f"Bearer {KEY}"}).status_code == 200


@pytest.mark.parametrize(("body", "needle"), [
    (b'{"query": "{ frameworks { totalCount } }", "x": "\xff\xfe"}', "not UTF-8"),
    (b'\xc3\x28{"query": "{ __typename }"}', "not UTF-8"),
    (b'{"query": "{ __typename }", "query": "mutation { retractMapping(id: \\"x\\") { __typename } }"}', "twice"),
    (b'{"query": "{ __typename }", "variables": {"a": 1, "a": 2}}', "twice"),
    (b'{"query": "' + CREATE.encode() + b'", "variables": {"input": {"subject": "gdpr:Art.32", "object": '
     b'"iso27002-2022:5.1", "relation": "SUBSET_OF", "comment": "a\\ud800b"}}}', "surrogate"),
    (b'{"query": "{ __typename }", "variables": {"\\udfff": 1}}', "surrogate"),
    (b'{"query": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", "JSON"),
    (b'{"query": "{ __typename }"', "not valid JSON"),
])
def test_hostile_json_bodies_are_clean_400s(http: TestClient, body: bytes, needle: str) -> None:
    for headers in ({}, {"Authorization": f"Bearer {KEY}"}):
        response = http.post("/graphql", content=body, headers={"Content-Type": "application/json", **headers})
        assert response.status_code == 400, (response.status_code, response.text[:300])
        assert response.json()["kind"] == "InputError" and needle in response.json()["error"]


def test_a_lone_surrogate_inside_a_graphql_document_is_no_500(http: TestClient) -> None:
    document = ('mutation { createMapping(input: {subject: "gdpr:Art.32", object: "iso27002-2022:5.1", '
                'relation: SUBSET_OF, comment: "a\\ud800b"}) { __typename } }')
    response = http.post("/graphql", json={"query": document}, headers={"Authorization": f"Bearer {KEY}"})
    assert response.status_code in (200, 400), response.text[:300]
    body = response.json()
    assert body.get("errors") or body.get("data", {}).get("createMapping", {}).get("__typename") != "MappingPayload"


def test_a_graphql_get_with_bad_percent_encoding_is_no_500(http: TestClient) -> None:
    response = http.get("/graphql?query=%7B%20__typename%20%ff%7D")
    assert response.status_code < 500, response.text[:300]


def test_a_websocket_upgrade_is_refused_cleanly(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with TestClient(make_app(), raise_server_exceptions=True) as client:
        for path in ("/graphql", "/sparql", "/"):
            with pytest.raises((WebSocketDenialResponse, WebSocketDisconnect)) as refused:  # noqa: SIM117
                with client.websocket_connect(path, subprotocols=["graphql-transport-ws"]):
                    pass
            if isinstance(refused.value, WebSocketDenialResponse):
                assert refused.value.status_code == 404
    assert "Traceback" not in caplog.text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_refused_documents_log_one_line_without_traceback(http: TestClient,
                                                          caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    deep = "{ frameworks { edges { node { " * 12 + "slug" + " } } }" * 12
    for document in (deep, "{ nope }", "{ " + "a: __typename " * 40 + "}", "query {"):
        response = http.post("/graphql", json={"query": document})
        assert response.status_code in (200, 400) and response.json()["errors"]
    assert "Traceback" not in caplog.text and "Stack (most recent call last)" not in caplog.text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_the_api_explorers_are_a_setting() -> None:
    with TestClient(make_app()) as on:
        assert on.get("/docs").status_code == 200 and on.get("/openapi.json").status_code == 200
        assert "graphiql" in on.get("/graphql", headers={"Accept": "text/html"}).text.lower()
        assert on.post("/graphql", json={"query": "{ __schema { queryType { name } } }"}).json()["data"]
    with TestClient(make_app(api_explorers=False)) as off:
        for path in ("/docs", "/redoc", "/openapi.json"):
            assert off.get(path).status_code == 404, path
        assert "graphiql" not in off.get("/graphql", headers={"Accept": "text/html"}).text.lower()
        refused = off.post("/graphql", json={"query": "{ __schema { queryType { name } } }"}).json()
        assert refused["errors"] and "introspection" in refused["errors"][0]["message"].lower()
        assert off.post("/graphql", json={"query": "{ frameworks { totalCount } }"}).json()["data"]
    assert Settings.from_env({"CONTROLGRAPH_API_EXPLORERS": "false"}).api_explorers is False


def test_cors_lets_the_authorization_header_through() -> None:
    with TestClient(make_app(cors_origins="https://grc.example.org")) as client:
        preflight = client.options("/graphql", headers={
            "Origin": "https://grc.example.org", "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type"})
        assert preflight.status_code == 200
        assert "authorization" in preflight.headers["access-control-allow-headers"].lower()
        refused = client.get("/healthz", headers={"Origin": "https://grc.example.org",
                                                  "Authorization": f"Bearer {WRONG}"})
        assert refused.status_code == 401  # the browser can read why
        assert refused.headers["access-control-allow-origin"] == "https://grc.example.org"
