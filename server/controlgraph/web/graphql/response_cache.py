"""Answers to GraphQL queries, kept in the store's read cache until the data changes.

GRC tools ask the same questions over and over (the satisfiers of a control, a crosswalk page).
A query whose answer had no errors is kept, keyed by its text, variables, operation name and the
caller's visibility (a tenant never receives another's answer); the next identical query is served
without running the resolvers. Mutations are never cached, and every write clears the cache
(:class:`controlgraph.store.read_cache.ReadCache`), so no answer is older than the data.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from controlgraph.store.read_cache import ReadCache


class ResponseCache(SchemaExtension):
    def on_execute(self) -> Iterator[None]:
        run = self.execution_context
        context = run.context
        cache = getattr(getattr(context, "store", None), "read_cache", None)
        if not isinstance(cache, ReadCache) or run.operation_type is not OperationType.QUERY:
            yield
            return
        try:
            variables = json.dumps(run.variables or {}, sort_keys=True)
        except (TypeError, ValueError):
            yield
            return
        key = ("graphql", run.query, variables, run.operation_name, getattr(context, "visibility", None))
        generation = cache.generation
        hit = cache.peek(key)
        if hit is not None:
            run.result = hit  # type: ignore[assignment]
        yield
        if hit is None and run.result is not None and not getattr(run.result, "errors", None):
            cache.put(key, run.result, generation)
