"""Answers to GraphQL queries, kept until the data changes, within a fixed number of bytes.

GRC tools ask the same questions over and over (the satisfiers of a control, a crosswalk page). A
query whose answer had no errors is kept, keyed by

- the document as graphql-core prints it from its parse (so comments, whitespace and commas make no
  new entry),
- the variables the operation declares (others are ignored), the operation name, and
- the caller's visibility (a tenant never receives another's answer),

and the next identical query is served without running the resolvers. What is kept is the answer's
JSON text, so the budget (``CONTROLGRAPH_GRAPHQL_CACHE_BYTES``, least recently used first out) is the
memory it takes. Never kept: mutations, answers with errors, an answer over
``CONTROLGRAPH_GRAPHQL_CACHE_ENTRY_BYTES``, and anything asking for ``crosswalkExport`` (whole files,
up to tens of megabytes each). Each entry remembers the store's write generation
(:class:`controlgraph.store.read_cache.ReadCache`), so an answer computed before a write is never served
after it.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from typing import Any

from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    Node,
    OperationDefinitionNode,
    get_operation_ast,
    print_ast,
)
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from controlgraph.store.read_cache import ReadCache

NEVER_CACHED_FIELDS = frozenset({"crosswalkExport"})


class ResponseStore:
    """A least-recently-used map of answers' JSON text, bounded by the bytes it holds."""

    def __init__(self, max_bytes: int, max_entry_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.max_entry_bytes = min(max_entry_bytes, max_bytes)
        self._entries: OrderedDict[Hashable, tuple[Hashable, bytes]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    @property
    def bytes_held(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: Hashable, generation: Hashable) -> bytes | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry[0] != generation:  # computed before a write: stale
                self._drop(key)
                return None
            self._entries.move_to_end(key)
            return entry[1]

    def put(self, key: Hashable, generation: Hashable, blob: bytes) -> bool:
        if len(blob) > self.max_entry_bytes:
            return False
        with self._lock:
            if key in self._entries:
                self._drop(key)
            self._entries[key] = (generation, blob)
            self._bytes += len(blob)
            while self._bytes > self.max_bytes:
                self._drop(next(iter(self._entries)))
        return True

    def _drop(self, key: Hashable) -> None:
        _, blob = self._entries.pop(key)
        self._bytes -= len(blob)


def _names_fields(document: DocumentNode, names: frozenset[str]) -> bool:
    """Whether any field of the document (fragments included) is one of ``names``."""
    stack: list[Node] = list(document.definitions)
    while stack:
        node = stack.pop()
        if isinstance(node, FieldNode) and node.name.value in names:
            return True
        selection_set = getattr(node, "selection_set", None)
        if selection_set is not None:
            stack.extend(selection_set.selections)
    return False


def cache_key(document: DocumentNode, operation_name: str | None, variables: dict[str, Any] | None,
              visibility: object) -> Hashable | None:
    """The key of a query's answer, or None when it must not be cached (not one query, an export)."""
    operation = get_operation_ast(document, operation_name)
    if not isinstance(operation, OperationDefinitionNode) or _names_fields(document, NEVER_CACHED_FIELDS):
        return None
    declared = {d.variable.name.value for d in operation.variable_definitions or ()}
    used = {k: v for k, v in (variables or {}).items() if k in declared}
    try:
        variable_text = json.dumps(used, sort_keys=True, allow_nan=False)
    except (TypeError, ValueError):
        return None
    return ("graphql", print_ast(document), operation_name, variable_text, visibility)


class ResponseCache(SchemaExtension):
    def __init__(self, responses: ResponseStore) -> None:
        super().__init__()
        self.responses = responses

    def on_execute(self) -> Iterator[None]:
        run = self.execution_context
        context = run.context
        cache = getattr(getattr(context, "store", None), "read_cache", None)
        document = run.graphql_document
        if (not isinstance(cache, ReadCache) or run.operation_type is not OperationType.QUERY or document is None
                or self.responses.max_bytes <= 0):
            yield
            return
        key = cache_key(document, run.operation_name, run.variables, getattr(context, "visibility", None))
        if key is None:
            yield
            return
        generation = cache.stamp(key)  # a tenant's write leaves the answers of other callers valid
        blob = self.responses.get(key, generation)
        if blob is not None:
            run.result = ExecutionResult(data=json.loads(blob), errors=None)
        yield
        result = run.result
        if blob is None and isinstance(result, ExecutionResult) and not result.errors and result.data is not None:
            try:
                text = json.dumps(result.data, separators=(",", ":"), allow_nan=False).encode()
            except (TypeError, ValueError):
                return
            self.responses.put(key, generation, text)


class ResponseCacheFactory:
    """The schema's extension factory: one store of answers per schema, a fresh extension per request."""

    def __init__(self, max_bytes: int, max_entry_bytes: int) -> None:
        self.responses = ResponseStore(max_bytes, max_entry_bytes)

    def __call__(self) -> SchemaExtension:
        return ResponseCache(self.responses)


def response_cache(max_bytes: int, max_entry_bytes: int) -> Callable[[], SchemaExtension]:
    return ResponseCacheFactory(max_bytes, max_entry_bytes)
