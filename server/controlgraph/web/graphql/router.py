"""The /graphql route: strawberry's FastAPI router, answering 503 when the store does not answer.

A resolver that meets :class:`controlgraph.errors.StoreUnavailable` lets it through as a top-level
GraphQL error (it is not the caller's to fix, so it is no member of a result union). Such a response
keeps the GraphQL body, marks each of those errors ``extensions.code = "STORE_UNAVAILABLE"``, and is sent
with HTTP 503 and ``Retry-After``, so clients and load balancers retry instead of reading it as an answer.
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from strawberry.fastapi import GraphQLRouter
from strawberry.http import GraphQLHTTPResponse
from strawberry.types.execution import ExecutionResult
from strawberry.types.unset import UNSET

from controlgraph.errors import StoreUnavailable
from controlgraph.web.explorer.devtools import graphiql_page

STORE_UNAVAILABLE = "STORE_UNAVAILABLE"
RETRY_AFTER_SECONDS = 5


def _store_unavailable(error: GraphQLError) -> bool:
    return isinstance(error.original_error, StoreUnavailable)


class StoreAwareGraphQLRouter(GraphQLRouter[Any, None]):
    async def process_result(self, request: Request, result: ExecutionResult) -> GraphQLHTTPResponse:
        data = await super().process_result(request, result)
        errors = result.errors or []
        if any(_store_unavailable(e) for e in errors):
            request.state.store_unavailable = True
            formatted_errors: list[dict[str, Any]] = data.get("errors") or []  # type: ignore[assignment]
            for error, formatted in zip(errors, formatted_errors, strict=False):
                if _store_unavailable(error):
                    formatted.setdefault("extensions", {})["code"] = STORE_UNAVAILABLE
        return data

    async def run(self, request: Any, context: Any = UNSET, root_value: Any = UNSET) -> Any:
        response = await super().run(request, context=context, root_value=root_value)
        if isinstance(request, Request) and isinstance(response, Response) and getattr(
            request.state, "store_unavailable", False
        ):
            response.status_code = 503
            response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        """GraphiQL from the vendored files, with a controlgraph query preloaded (works with no network)."""
        return graphiql_page()
