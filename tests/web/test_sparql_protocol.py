"""/sparql and /queries through httpx against the real app (in-process ASGI, on the built graph)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from urllib.parse import urlencode

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

from controlgraph.settings import Settings
from controlgraph.store.embedded import EmbeddedStore
from controlgraph.web.app import create_app

COUNT_FRAMEWORKS = "SELECT (COUNT(?f) AS ?n) WHERE { ?f a <https://w3id.org/controlgraph/ontology#Framework> }"
CONSTRUCT = ("CONSTRUCT { ?f <http://example.org/slug> ?s } "
             "WHERE { ?f <https://w3id.org/controlgraph/ontology#slug> ?s }")


@pytest.fixture(scope="module")
def client(built_store: EmbeddedStore) -> Iterator[TestClient]:
    settings = Settings.from_env({}, store="memory", sparql_row_cap=50, cors_origins="https://grc.example.org")
    with TestClient(create_app(settings, store=built_store)) as test_client:
        yield test_client


def frameworks_in(body: bytes) -> int:
    return int(json.loads(body)["results"]["bindings"][0]["n"]["value"])


def test_get_post_form_and_post_query_answer_alike(client: TestClient) -> None:
    by_get = client.get("/sparql", params={"query": COUNT_FRAMEWORKS})
    by_form = client.post("/sparql", content=urlencode({"query": COUNT_FRAMEWORKS}),
                          headers={"Content-Type": "application/x-www-form-urlencoded"})
    by_body = client.post("/sparql", content=COUNT_FRAMEWORKS, headers={"Content-Type": "application/sparql-query"})
    for response in (by_get, by_form, by_body):
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("application/sparql-results+json")
        assert frameworks_in(response.content) == 10


@pytest.mark.parametrize(("accept", "media_type"), [
    ("application/sparql-results+json", "application/sparql-results+json"),
    ("application/sparql-results+xml", "application/sparql-results+xml"),
    ("text/csv", "text/csv"),
    ("text/tab-separated-values", "text/tab-separated-values"),
    ("text/html, text/csv;q=0.5, application/sparql-results+xml;q=0.9", "application/sparql-results+xml"),
    ("*/*", "application/sparql-results+json"),
])
def test_select_results_by_accept(client: TestClient, accept: str, media_type: str) -> None:
    response = client.get("/sparql", params={"query": COUNT_FRAMEWORKS}, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media_type
    fmt = ox.QueryResultsFormat.from_media_type(media_type)
    if fmt == ox.QueryResultsFormat.CSV:
        rows = list(csv.reader(io.StringIO(response.text)))
        assert rows == [["n"], ["10"]]
    else:
        parsed = ox.parse_query_results(response.content, format=fmt)
        assert [s["n"].value for s in parsed] == ["10"]  # type: ignore[union-attr]


@pytest.mark.parametrize("accept", ["text/turtle", "application/n-triples", "application/ld+json",
                                    "application/rdf+xml"])
def test_construct_by_accept(client: TestClient, accept: str) -> None:
    response = client.get("/sparql", params={"query": CONSTRUCT}, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == accept
    triples = list(ox.parse(response.content, format=ox.RdfFormat.from_media_type(accept)))
    assert len(triples) == 10


def test_ask_and_the_row_cap(client: TestClient) -> None:
    ask = client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"})
    assert json.loads(ask.content)["boolean"] is True
    many = client.get("/sparql", params={"query": "SELECT ?s WHERE { ?s ?p ?o }"})
    assert many.status_code == 200
    assert len(json.loads(many.content)["results"]["bindings"]) == 50
    assert many.headers["x-result-truncated"] == "true"


def test_service_description(client: TestClient) -> None:
    response = client.get("/sparql")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/turtle")
    triples = list(ox.parse(response.content, format=ox.RdfFormat.TURTLE))
    endpoint = [t.object for t in triples if t.predicate.value.endswith("#endpoint")]
    assert endpoint == [ox.NamedNode("http://testserver/sparql")]
    assert any(t.object.value.endswith("#SPARQL11Query") for t in triples)


@pytest.mark.parametrize("request_kwargs", [
    {"method": "GET", "params": {"query": "INSERT DATA { <a:b> <a:b> <a:b> }"}},
    {"method": "GET", "params": {"update": "DROP ALL"}},
    {"method": "POST", "content": "DROP ALL", "headers": {"Content-Type": "application/sparql-update"}},
    {"method": "POST", "content": urlencode({"update": "CLEAR ALL"}),
     "headers": {"Content-Type": "application/x-www-form-urlencoded"}},
    {"method": "POST", "content": "PREFIX x: <http://x/>\nDELETE WHERE { ?s ?p ?o }",
     "headers": {"Content-Type": "application/sparql-query"}},
])
def test_updates_are_refused(client: TestClient, built_store: EmbeddedStore, request_kwargs: dict[str, object]) -> None:
    before = built_store.quad_count()
    method = str(request_kwargs.pop("method"))
    response = client.request(method, "/sparql", **request_kwargs)  # type: ignore[arg-type]
    request_kwargs["method"] = method
    assert response.status_code == 400
    assert "not allowed" in response.json()["error"] and response.json()["kind"] == "QueryRefused"
    assert built_store.quad_count() == before


def test_service_and_bad_queries_are_refused(client: TestClient) -> None:
    federated = client.get("/sparql", params={"query": "SELECT * WHERE { SERVICE <http://dbpedia.org/sparql> "
                                                       "{ ?s ?p ?o } }"})
    assert federated.status_code == 400 and "SERVICE" in federated.json()["error"]
    broken = client.get("/sparql", params={"query": "SELECT WHERE {"})
    assert broken.status_code == 400 and "malformed" in broken.json()["error"]
    odd = client.post("/sparql", content="x", headers={"Content-Type": "text/plain"})
    assert odd.status_code == 400 and "unsupported content type" in odd.json()["error"]
    dataset = client.get("/sparql", params={"query": "ASK {}", "default-graph-uri": "http://x/"})
    assert dataset.status_code == 400


def test_cors_is_on_only_for_configured_origins(client: TestClient, built_store: EmbeddedStore) -> None:
    allowed = client.get("/sparql", params={"query": "ASK {}"}, headers={"Origin": "https://grc.example.org"})
    assert allowed.headers["access-control-allow-origin"] == "https://grc.example.org"
    other = client.get("/sparql", params={"query": "ASK {}"}, headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers
    plain = TestClient(create_app(Settings.from_env({}, store="memory"), store=built_store))
    off = plain.get("/sparql", params={"query": "ASK {}"}, headers={"Origin": "https://grc.example.org"})
    assert "access-control-allow-origin" not in off.headers


def test_saved_queries_over_http(client: TestClient) -> None:
    listed = client.get("/queries").json()
    names = {q["name"] for q in listed}
    assert {"satisfiers", "crosswalk", "edition-changes"} <= names
    satisfiers = next(q for q in listed if q["name"] == "satisfiers")
    assert satisfiers["params"][0] == {"name": "control", "type": "control", "default": "nist-csf-2.0:PR.AA-01",
                                       "description": "the control to satisfy, as FRAMEWORK:ID"}
    answer = client.get("/queries/satisfiers", params={"control": "nist-csf-2.0:PR.AA-01"})
    assert answer.status_code == 200
    notations = {b["notation"]["value"] for b in answer.json()["results"]["bindings"]}
    assert "A.5.15" in notations
    as_csv = client.get("/queries/edition-changes", headers={"Accept": "text/csv"})
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert "5.1.1" in as_csv.text
    assert client.get("/queries/no-such-query").status_code == 404
    assert client.get("/queries/..%2F..%2Fpyproject").status_code == 404
    bad = client.get("/queries/crosswalk", params={"framework": "nope"})
    assert bad.status_code == 400 and "unknown framework" in bad.json()["error"]
