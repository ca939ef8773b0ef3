"""The GraphQL examples of the README's "## GraphQL" section, run against the shipped graph."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from controlgraph.settings import Settings
from controlgraph.web.app import create_app

README = Path(__file__).resolve().parents[2] / "README.md"
_PAIR = re.compile(r"```graphql\n(.*?)```\s*```json\n(.*?)```", re.DOTALL)


def graphql_examples() -> list[tuple[str, Any]]:
    text = README.read_text(encoding="utf-8")
    section = text.split("## GraphQL", 1)[1].split("\n## ", 1)[0]
    return [(query, json.loads(answer)) for query, answer in _PAIR.findall(section)]


def test_readme_has_graphql_examples() -> None:
    assert len(graphql_examples()) >= 2


@pytest.mark.parametrize("index", range(3))
def test_readme_graphql_example(index: int, built_store: Any) -> None:
    examples = graphql_examples()
    if index >= len(examples):
        pytest.fail(f"the README has {len(examples)} GraphQL examples; this test expects 3")
    query, expected = examples[index]
    with TestClient(create_app(Settings.from_env({}, store="memory"), built_store)) as http:
        answer = http.post("/graphql", json={"query": query}).json()
    assert answer == expected
