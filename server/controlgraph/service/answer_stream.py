"""Write a query answer as it is read from the store, in chunks of bounded size (issue 21, finding 9).

The producer (a query worker, or a thread for stores that cannot be shared with a process) reads the
answer's rows lazily and hands a :class:`Sink` one of two things:

- an answer whose rows' terms fit in ``window`` bytes is written whole (:meth:`Sink.whole`), exactly as
  :func:`~controlgraph.service.query_results.answer_query` writes it: capped at ``row_cap`` rows and
  ``max_bytes`` bytes, with ``truncated`` set when a cap cut it, so the web layer can answer with a
  ``Content-Length`` and ``X-Result-Truncated``;
- a larger answer is streamed: :meth:`Sink.head` (form and media type), then chunks of about
  ``chunk_bytes`` (:meth:`Sink.chunk`, which waits until the reader took the previous one and says
  whether it wants more), then :meth:`Sink.end` with the rows written and whether the answer is
  complete. A cap reached after the head was sent cannot be announced in a header any more: the end
  says ``complete=False`` and the web layer closes the connection without finishing the chunked body, so
  no client can take the cut answer for a whole one.

SPARQL JSON is written here row by row; XML, CSV and TSV are written by pyoxigraph a batch of rows at a
time, each batch's head and tail removed but the first head and the last tail; graph formats stream
through ``pyoxigraph.serialize`` from a generator of triples. Rows are counted and sized while they are
read, so the producer never holds more than a window of rows or a chunk of written text.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import IO, Any, Protocol, cast

import pyoxigraph as ox

from controlgraph.errors import StoreError
from controlgraph.service.query_dataset import still_all_visible, visible_dataset
from controlgraph.service.query_results import (
    GRAPH_FORMATS,
    RESULTS_FORMATS,
    Answer,
    item_size,
    json_term,
    run_query,
    write_answer,
)
from controlgraph.service.sparql_access import check_read_only
from controlgraph.store.base import GraphStore, QueryDataset
from controlgraph.store.tenancy import PUBLIC, Visibility
from controlgraph.vocabulary import PREFIXES

_BATCH_ROWS = 256  # rows pyoxigraph writes at a time for XML, CSV and TSV


@dataclass(frozen=True)
class StreamEnd:
    """How a streamed answer ended: rows written, and why it is incomplete (None: it is complete)."""

    rows: int
    problem: str | None = None


class Sink(Protocol):
    def whole(self, answer: Answer) -> None: ...

    def head(self, form: str, media_type: str) -> None: ...

    def chunk(self, data: bytes) -> bool: ...

    def end(self, outcome: StreamEnd) -> None: ...


@dataclass(frozen=True)
class StreamLimits:
    row_cap: int = 10_000
    max_bytes: int = 16_000_000
    window: int = 1_000_000
    chunk_bytes: int = 65_536


class _ChunkWriter:
    """A binary file for pyoxigraph and for the JSON writer: bytes go to the sink in chunks."""

    def __init__(self, sink: Sink, limits: StreamLimits, guard: Callable[[], str | None]) -> None:
        self.sink, self.limits, self.guard = sink, limits, guard
        self.buffer = bytearray()
        self.written = 0
        self.problem: str | None = None

    @property
    def stopped(self) -> bool:
        return self.problem is not None

    def write(self, data: bytes) -> int:
        if self.problem is None:
            self.written += len(data)
            if self.written > self.limits.max_bytes:
                self.problem = f"the answer reached the byte cap ({self.limits.max_bytes:,} bytes)"
            else:
                self.buffer += data
                if len(self.buffer) >= self.limits.chunk_bytes:
                    self._send()
        return len(data)

    def flush(self) -> None:
        """pyoxigraph flushes its own buffer now and then; chunks are sent only when full (or at the end)."""

    def finish(self) -> None:
        if self.problem is None and self.buffer:
            self._send()

    def _send(self) -> None:
        self.problem = self.guard()
        if self.problem is None and not self.sink.chunk(bytes(self.buffer)):
            self.problem = "the reader stopped reading"
        self.buffer.clear()


def stream_answer(
    store: GraphStore,
    sparql: str,
    sink: Sink,
    *,
    substitutions: Mapping[str, ox.NamedNode | ox.Literal] | None = None,
    results_media_type: str = "application/sparql-results+json",
    graph_media_type: str = "text/turtle",
    limits: StreamLimits = StreamLimits(),
    visibility: Visibility = PUBLIC,
    checked: bool = False,
) -> None:
    """Answer ``sparql`` over the graphs ``visibility`` admits, into ``sink`` (see the module text)."""
    if not checked:
        check_read_only(sparql)
    dataset = visible_dataset(store, sparql, visibility)
    try:
        if _stream(store, sparql, sink, substitutions, dataset, (results_media_type, graph_media_type), limits,
                   visibility):
            return
        # A graph hidden from the caller appeared while the query ran over the union, before anything was sent.
        _stream(store, sparql, sink, substitutions, visible_dataset(store, sparql, visibility),
                (results_media_type, graph_media_type), limits, visibility)
    except OSError:
        raise StoreError("the store could not be read; the query was not answered") from None


def _stream(
    store: GraphStore, sparql: str, sink: Sink, substitutions: Mapping[str, ox.NamedNode | ox.Literal] | None,
    dataset: QueryDataset | None, media_types: tuple[str, str], limits: StreamLimits, visibility: Visibility,
) -> bool:
    """False when the answer must be taken again over the restricted dataset (nothing was sent)."""
    results_media_type, graph_media_type = media_types
    results_format = RESULTS_FORMATS[results_media_type]
    result = run_query(store, sparql, substitutions, dataset, checked=True)
    if isinstance(result, ox.QueryBoolean):
        sink.whole(Answer("boolean", result.serialize(format=results_format) or b"", results_media_type, 1, False))
        return True
    triples = isinstance(result, ox.QueryTriples)
    variables = [v.value for v in result.variables] if isinstance(result, ox.QuerySolutions) else []
    rows: Iterator[Any] = iter(result)
    window: list[Any] = []
    size = 0
    truncated = False
    for item in rows:
        size += item_size(item, variables)
        if len(window) == limits.row_cap or size > limits.max_bytes:
            truncated = True
            break
        window.append(item)
        if size > limits.window:
            break
    else:
        size = -1  # every row is in the window
    unrestricted = dataset is None

    def hidden_appeared() -> bool:
        return unrestricted and not still_all_visible(store, visibility)

    if size <= limits.window or truncated:
        if hidden_appeared():
            return False
        sink.whole(write_answer(window, variables, triples, results_format, graph_media_type,
                                media_type=graph_media_type if triples else results_media_type,
                                truncated=truncated, max_bytes=limits.max_bytes))
        return True
    if hidden_appeared():
        return False
    sink.head("triples" if triples else "solutions", graph_media_type if triples else results_media_type)
    writer = _ChunkWriter(sink, limits, lambda: "a graph hidden from the caller appeared" if hidden_appeared()
                          else None)
    counted = _Counted(window, rows, variables, limits, writer)
    if triples:
        ox.serialize(counted, cast(IO[bytes], writer), GRAPH_FORMATS[graph_media_type], prefixes=PREFIXES)
    elif results_format == ox.QueryResultsFormat.JSON:
        _write_json(counted, variables, writer)
    else:
        _write_batches(counted, variables, results_format, writer)
    writer.finish()
    sink.end(StreamEnd(counted.count, writer.problem or counted.problem))
    return True


class _Counted:
    """The rows to write: the window, then the rest as read; stops at a cap or when the writer stopped."""

    def __init__(self, window: list[Any], rest: Iterator[Any], variables: list[str], limits: StreamLimits,
                 writer: _ChunkWriter) -> None:
        self.window, self.rest, self.variables, self.limits, self.writer = window, rest, variables, limits, writer
        self.count = 0
        self.problem: str | None = None

    def __iter__(self) -> Iterator[Any]:
        size = 0
        for source in (iter(self.window), self.rest):
            for item in source:
                if self.writer.stopped:
                    return
                size += item_size(item, self.variables)
                if self.count == self.limits.row_cap:
                    self.problem = f"the answer reached the row cap ({self.limits.row_cap:,} rows)"
                    return
                if size > self.limits.max_bytes:
                    self.problem = f"the answer reached the byte cap ({self.limits.max_bytes:,} bytes)"
                    return
                self.count += 1
                yield item
            self.window = []  # written: no longer held


def _write_json(rows: Iterable[ox.QuerySolution], variables: list[str], writer: _ChunkWriter) -> None:
    writer.write(b'{"head":{"vars":' + json.dumps(variables).encode() + b'},"results":{"bindings":[')
    separator = b""
    for solution in rows:
        row = {name: json_term(solution[name]) for name in variables if solution[name] is not None}
        writer.write(separator + json.dumps(row, ensure_ascii=False).encode("utf-8", "surrogatepass"))
        separator = b","
    writer.write(b"]}}")


def _split(body: bytes, results_format: ox.QueryResultsFormat) -> tuple[bytes, bytes, bytes]:
    """A written batch as (head, rows, tail), cut where the format's structure says."""
    if results_format == ox.QueryResultsFormat.XML:
        start = body.index(b"<results>") + len(b"<results>")
        end = body.rindex(b"</results>")
        return body[:start], body[start:end], body[end:]
    newline = body.index(b"\n") + 1  # CSV and TSV: the first line names the variables
    return body[:newline], body[newline:], b""


def _write_batches(rows: Iterable[ox.QuerySolution], variables: list[str], results_format: ox.QueryResultsFormat,
                   writer: _ChunkWriter) -> None:
    tail = b""
    first = True
    batch: list[ox.QuerySolution] = []

    def flush() -> None:
        nonlocal tail, first
        body = ox.parse_query_results(_batch_json(variables, batch), format=ox.QueryResultsFormat.JSON)
        head, written, tail = _split(body.serialize(format=results_format) or b"", results_format)
        writer.write(head + written if first else written)
        first = False
        batch.clear()

    for solution in rows:
        batch.append(solution)
        if len(batch) == _BATCH_ROWS:
            flush()
    if batch or first:
        flush()
    writer.write(tail)


def _batch_json(variables: list[str], solutions: list[ox.QuerySolution]) -> bytes:
    bindings = [{name: json_term(s[name]) for name in variables if s[name] is not None} for s in solutions]
    return json.dumps({"head": {"vars": variables}, "results": {"bindings": bindings}},
                      ensure_ascii=False).encode("utf-8", "surrogatepass")
