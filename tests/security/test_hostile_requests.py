"""Abusive SPARQL and GraphQL requests (tests/security/corpus/*.json): each gets a clear JSON error (or a
bounded answer) within the time limit plus a little slack, and never a traceback.

Corpus entry fields: ``surface`` (sparql | graphql), ``method``, ``params`` / ``params_parts`` (URL
parameters), ``form`` (url-encoded body), ``content_type`` + ``body`` (parts), ``json`` (GraphQL:
``query`` or ``query_parts``, ``variables`` or ``variables_parts``), ``raw`` (GraphQL body parts),
``status`` (accepted statuses), ``error`` (text the answer must contain, case-insensitive).
A part is ``{"text": ..., "times": n, "numbered": bool}`` or ``{"hex": ...}``.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient

from controlgraph.settings import Settings
from controlgraph.store.embedded import EmbeddedStore
from controlgraph.web.app import create_app

CORPUS = Path(__file__).parent / "corpus"
TIME_LIMIT = 2.0
SLACK = 8.0  # a killed query worker is replaced before the next query (process start and imports)


def build(parts: list[dict[str, Any]]) -> bytes:
    out = []
    for part in parts:
        if "hex" in part:
            out.append(bytes.fromhex(part["hex"]))
            continue
        times = part.get("times", 1)
        if part.get("numbered"):
            out.append("".join(part["text"].replace("{n}", str(i)) for i in range(times)).encode())
        else:
            out.append(part["text"].encode() * times)
    return b"".join(out)


@pytest.fixture(scope="module")
def http(built_disk_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    copy = tmp_path_factory.mktemp("hostile") / "store"
    shutil.copytree(built_disk_store, copy)
    store = EmbeddedStore(copy, read_only=True)
    settings = Settings.from_env({}, store=str(copy), sparql_timeout=TIME_LIMIT, sparql_workers=2)
    with TestClient(create_app(settings, store)) as client:
        yield client


def send(http: TestClient, entry: dict[str, Any]) -> Any:
    if entry["surface"] == "sparql":
        params = dict(entry.get("params", {}))
        for name, parts in entry.get("params_parts", {}).items():
            params[name] = build(parts).decode()
        if entry.get("method", "GET") == "GET":
            return http.get("/sparql", params=params)
        if "form" in entry:
            return http.post("/sparql", params=params, content=urlencode(entry["form"]),
                             headers={"Content-Type": "application/x-www-form-urlencoded"})
        return http.post("/sparql", params=params, content=build(entry["body"]),
                         headers={"Content-Type": entry["content_type"]})
    if "raw" in entry:
        return http.post("/graphql", content=build(entry["raw"]), headers={"Content-Type": "application/json"})
    spec = entry["json"]
    document = {"query": spec.get("query") or build(spec["query_parts"]).decode()}
    variables = dict(spec.get("variables", {}))
    for name, parts in spec.get("variables_parts", {}).items():
        variables[name] = build(parts).decode()
    if variables:
        document["variables"] = variables
    return http.post("/graphql", json=document)


@pytest.mark.parametrize("name", sorted(p.stem for p in CORPUS.glob("*.json")))
def test_hostile_request(http: TestClient, name: str) -> None:
    entry = json.loads((CORPUS / f"{name}.json").read_text("utf-8"))
    started = time.monotonic()
    response = send(http, entry)
    elapsed = time.monotonic() - started
    assert response.status_code in entry["status"], (response.status_code, response.text[:500])
    assert elapsed < TIME_LIMIT + SLACK, f"answered after {elapsed:.1f} s"
    text = response.text
    assert "Traceback" not in text and 'File "' not in text
    if entry["surface"] == "sparql" and response.status_code >= 400:
        assert set(response.json()) >= {"error", "kind"}  # errors are JSON
    if entry["surface"] == "graphql" and response.status_code == 200:
        body = response.json()
        assert "errors" in body or entry["error"], body
    assert entry["error"].lower() in text.lower(), text[:500]


def test_the_corpus_is_there() -> None:
    assert len(list(CORPUS.glob("*.json"))) >= 30
