"""Property-based API tests with schemathesis, offline against the ASGI app: every REST operation of the
OpenAPI document and every GraphQL root field, with generated (valid and invalid) inputs. A 500 is a bug.

Bounded to MAX_EXAMPLES per operation so the whole file stays well under two minutes.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings

from controlgraph.settings import Settings
from controlgraph.store.embedded import EmbeddedStore
from controlgraph.store.tenancy import hash_key
from controlgraph.web.app import create_app

MAX_EXAMPLES = 25
FUZZ = settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
                suppress_health_check=list(HealthCheck))


@pytest.fixture(scope="module")
def app(built_store: EmbeddedStore) -> FastAPI:
    copy = built_store.copy()  # GraphQL mutations may write (with the key below)
    settings_ = Settings.from_env({}, store="memory", sparql_timeout=3, api_keys=f"fuzz:{hash_key('fuzz-key')}")
    return create_app(settings_, copy)


def operations(schema: Any) -> list[Any]:
    return [result.ok() for result in schema.get_all_operations()]


def fuzz_operations(schema: Any, check: Any) -> int:
    """Run MAX_EXAMPLES generated cases against each operation; the number of operations."""
    found = operations(schema)
    for operation in found:
        @FUZZ
        @given(case=operation.as_strategy())
        def run(case: Any) -> None:
            check(case)

        run()
    return len(found)


def assert_no_server_error(response: Any) -> None:
    assert response.status_code < 500 or response.status_code in (503, 504), (
        response.status_code, response.text[:500])
    assert "Traceback" not in response.text


def test_rest_operations(app: FastAPI) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    assert fuzz_operations(schema, lambda case: assert_no_server_error(case.call())) >= 4


def test_graphql_fields(app: FastAPI) -> None:
    def check(case: Any) -> None:
        response = case.call(headers={"Authorization": "Bearer fuzz-key"})
        assert_no_server_error(response)
        for error in response.json().get("errors") or []:
            assert error.get("message") != "Internal error.", (case.body, error)

    schema = schemathesis.graphql.from_asgi("/graphql", app)
    assert fuzz_operations(schema, check) >= 10
