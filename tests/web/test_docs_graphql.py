"""The GraphQL examples of docs/graphql.md ("## Candidates and sources"), run through the real HTTP app.

The documented answers hold the values of the build they were written with; probabilities move when the
model or the data change, so each answer is checked for the documented shape (the same fields, non-empty
where the documentation shows entries), no errors, candidates most probable first and none below the
``minProbability`` asked for, and satisfiers' sources naming real mapping sets.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from controlgraph.settings import Settings
from controlgraph.web.app import create_app

DOC = Path(__file__).resolve().parents[2] / "docs" / "graphql.md"
_PAIR = re.compile(r"```graphql\n(.*?)```\s*```json\n(.*?)```", re.DOTALL)
_FLOOR = re.compile(r"candidates\(minProbability: ([0-9.]+)")


def examples() -> list[tuple[str, Any]]:
    section = DOC.read_text(encoding="utf-8").split("## Candidates and sources", 1)[1].split("\n## ", 1)[0]
    return [(query, json.loads(answer)) for query, answer in _PAIR.findall(section)]


def shape(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value and isinstance(value[0], dict) else "list"
    return type(value).__name__ if value is not None else "null"


def candidate_lists(value: Any) -> list[list[dict[str, Any]]]:
    found = []
    if isinstance(value, dict):
        if "candidates" in value and isinstance(value["candidates"], dict):
            found.append([e["node"] for e in value["candidates"].get("edges", [])])
        for v in value.values():
            found += candidate_lists(v)
    return found


def test_the_docs_have_the_three_payload_examples() -> None:
    queries = [q for q, _ in examples()]
    assert len(queries) == 3
    assert all(name in q for q, name in zip(queries, ("satisfiers(", "crosswalk(", "coverage("), strict=True))


@pytest.mark.parametrize("index", range(3))
def test_docs_graphql_example(index: int, built_store: Any) -> None:
    query, documented = examples()[index]
    with TestClient(create_app(Settings.from_env({}, store="memory"), built_store)) as http:
        answer = http.post("/graphql", json={"query": query}).json()
    assert "errors" not in answer, answer
    assert shape(answer) == shape(documented)
    floor = float(_FLOOR.search(query).group(1))  # type: ignore[union-attr]
    lists = candidate_lists(answer)
    assert lists and all(lists), "every example shows candidates"
    for nodes in lists:
        probabilities = [n["probability"] for n in nodes]
        assert probabilities == sorted(probabilities, reverse=True)
        assert all(floor <= p <= 1 for p in probabilities)
        assert all(n["possibleRelations"] for n in nodes)
    sources = [s for e in answer["data"].get("satisfiers", {}).get("satisfiers", {}).get("edges", [])
               for s in e["node"].get("sources", [])]
    assert all(s["mappingSet"] and s["authority"] for s in sources)


def test_a_probability_outside_zero_to_one_is_refused(built_store: Any) -> None:
    query = '{ crosswalk(from: "nist-csf-2.0", to: "iso27002-2022") { ... on CrosswalkPayload { ' \
            'candidates(minProbability: 1.5) { totalCount } } } }'
    with TestClient(create_app(Settings.from_env({}, store="memory"), built_store)) as http:
        answer = http.post("/graphql", json={"query": query}).json()
    assert "not a probability" in answer["errors"][0]["message"]


def test_candidate_pages_count_in_the_complexity_limit(built_store: Any) -> None:
    settings = Settings.from_env({}, store="memory")
    query = '{ crosswalk(from: "nist-csf-2.0", to: "iso27002-2022") { ... on CrosswalkPayload { ' \
            'candidates(first: %d) { edges { node { control { id title notation } } } } } } }'
    with TestClient(create_app(settings, built_store)) as http:
        refused = http.post("/graphql", json={"query": query % (settings.page_size_max + 1)}).json()
        answered = http.post("/graphql", json={"query": query % 5}).json()
    assert "errors" in refused
    assert len(answered["data"]["crosswalk"]["candidates"]["edges"]) == 5
