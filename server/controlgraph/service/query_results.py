"""Answer one read-only query in a wire format, at most ``row_cap`` rows of it.

SELECT and ASK answers come in a SPARQL results format (JSON, XML, CSV, TSV), CONSTRUCT and
DESCRIBE answers in an RDF format (Turtle, N-Triples, JSON-LD, RDF/XML). pyoxigraph writes every
format; to stop at the row cap, the kept solutions are first written as SPARQL JSON (which is
simple to write exactly) and pyoxigraph turns that into the other formats.

An answer is also cut at ``max_bytes``: rows are kept while the size of their terms stays under it,
and a written answer still over it (escaping, markup) loses rows until it fits. Few rows of large
literals cannot make an answer of any size (a 500 KB query once produced a 500 MB answer).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox

from controlgraph.errors import QueryError, StoreError
from controlgraph.service.query_dataset import still_all_visible, visible_dataset
from controlgraph.service.sparql_access import check_read_only
from controlgraph.store.base import GraphStore, QueryDataset
from controlgraph.store.tenancy import PUBLIC, Visibility
from controlgraph.vocabulary import PREFIXES, XSD

XSD_STRING = XSD + "string"
logger = logging.getLogger(__name__)
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

RESULTS_FORMATS: dict[str, ox.QueryResultsFormat] = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "application/xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}
GRAPH_FORMATS: dict[str, ox.RdfFormat] = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
}


@dataclass(frozen=True)
class Answer:
    """A query answer ready to send: the body, its media type, and whether the row cap cut it."""

    form: str  # "solutions", "boolean" or "triples"
    body: bytes
    media_type: str
    rows: int
    truncated: bool


def json_term(term: Any) -> dict[str, Any]:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        encoded: dict[str, Any] = {"type": "literal", "value": term.value}
        if term.language:
            encoded["xml:lang"] = term.language
        elif term.datatype.value not in (XSD_STRING, RDF_LANG_STRING):
            encoded["datatype"] = term.datatype.value
        return encoded
    if isinstance(term, ox.Triple):
        return {"type": "triple", "value": {"subject": json_term(term.subject),
                                            "predicate": json_term(term.predicate),
                                            "object": json_term(term.object)}}
    raise QueryError(f"cannot write a result term of type {type(term).__name__}")


def solutions_json(variables: list[str], solutions: list[ox.QuerySolution]) -> bytes:
    bindings = []
    for solution in solutions:
        row = {}
        for name in variables:
            term = solution[name]
            if term is not None:
                row[name] = json_term(term)
        bindings.append(row)
    return json.dumps({"head": {"vars": variables}, "results": {"bindings": bindings}},
                      ensure_ascii=False).encode("utf-8")


def _write(kept: list[Any], variables: list[str], triples: bool, results_format: ox.QueryResultsFormat,
           graph_media_type: str) -> bytes:
    if triples:
        return ox.serialize(kept, format=GRAPH_FORMATS[graph_media_type], prefixes=PREFIXES) or b""
    body = solutions_json(variables, kept)
    if results_format != ox.QueryResultsFormat.JSON:
        reread = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
        body = reread.serialize(format=results_format) or b""
    return body


def write_answer(kept: list[Any], variables: list[str], triples: bool, results_format: ox.QueryResultsFormat,
                 graph_media_type: str, *, media_type: str, truncated: bool, max_bytes: int) -> Answer:
    """The kept rows written whole; a written answer over ``max_bytes`` (escaping, markup) loses rows until it fits."""
    while True:
        body = _write(kept, variables, triples, results_format, graph_media_type)
        if len(body) <= max_bytes or not kept:
            break
        del kept[len(kept) // 2:]
        truncated = True
    return Answer("triples" if triples else "solutions", body, media_type, len(kept), truncated)


def run_query(
    store: GraphStore, sparql: str, substitutions: Mapping[str, ox.NamedNode | ox.Literal] | None = None,
    dataset: QueryDataset | None = None, *, checked: bool = False,
) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
    """Run a read-only query, turning pyoxigraph's complaints into QueryError.

    ``checked``: the caller (a query runner) already passed the text through :func:`check_read_only`.
    """
    if not checked:
        check_read_only(sparql)
    try:
        return store.query(sparql, substitutions=substitutions, dataset=dataset)
    except SyntaxError as exc:
        raise QueryError(f"malformed SPARQL: {exc}") from None
    except ValueError as exc:
        raise QueryError(f"query failed: {exc}") from None
    except OSError:
        # The message may name files of the server: it goes to the log, not to the caller.
        logger.exception("the store could not be read")
        raise StoreError("the store could not be read; the query was not answered") from None


def answer_query(
    store: GraphStore,
    sparql: str,
    *,
    substitutions: Mapping[str, ox.NamedNode | ox.Literal] | None = None,
    results_media_type: str = "application/sparql-results+json",
    graph_media_type: str = "text/turtle",
    row_cap: int = 10_000,
    max_bytes: int = 16_000_000,
    visibility: Visibility = PUBLIC,
    checked: bool = False,
) -> Answer:
    """The answer over the graphs ``visibility`` admits (see :mod:`controlgraph.service.query_dataset`).

    ``checked``: the text already passed :func:`check_read_only` (a runner checks before it queues).
    """
    if not checked:
        check_read_only(sparql)
    limits = (row_cap, max_bytes)
    dataset = visible_dataset(store, sparql, visibility)
    answer = _answer(store, sparql, substitutions, dataset, results_media_type, graph_media_type, limits)
    if dataset is None and not still_all_visible(store, visibility):
        # A graph hidden from the caller appeared while the query ran over the union: answer again without it.
        dataset = visible_dataset(store, sparql, visibility)
        answer = _answer(store, sparql, substitutions, dataset, results_media_type, graph_media_type, limits)
    return answer


def _term_size(term: Any) -> int:
    """About the bytes a term takes in an answer (its text, datatype or language, and some markup)."""
    if term is None:
        return 0
    if isinstance(term, ox.Triple):
        return _term_size(term.subject) + _term_size(term.predicate) + _term_size(term.object)
    size = len(term.value.encode("utf-8", "surrogatepass")) + 16
    if isinstance(term, ox.Literal):
        size += len(term.language or "") + len(term.datatype.value)
    return size


def item_size(item: Any, variables: list[str]) -> int:
    if isinstance(item, ox.Triple):
        return _term_size(item)
    return sum(_term_size(item[name]) + len(name) for name in variables)


def _answer(
    store: GraphStore, sparql: str, substitutions: Mapping[str, ox.NamedNode | ox.Literal] | None,
    dataset: QueryDataset | None, results_media_type: str, graph_media_type: str, limits: tuple[int, int],
) -> Answer:
    row_cap, max_bytes = limits
    result = run_query(store, sparql, substitutions, dataset, checked=True)
    results_format = RESULTS_FORMATS[results_media_type]
    try:
        if isinstance(result, ox.QueryBoolean):
            return Answer("boolean", result.serialize(format=results_format) or b"", results_media_type, 1, False)
        variables = [] if isinstance(result, ox.QueryTriples) else [v.value for v in result.variables]
        kept: list[Any] = []
        truncated = False
        size = 0
        for item in result:
            size += item_size(item, variables)
            if len(kept) == row_cap or size > max_bytes:
                truncated = True
                break
            kept.append(item)
        triples = isinstance(result, ox.QueryTriples)
        return write_answer(kept, variables, triples, results_format, graph_media_type,
                            media_type=graph_media_type if triples else results_media_type, truncated=truncated,
                            max_bytes=max_bytes)
    except OSError:
        logger.exception("the store could not be read")
        raise StoreError("the store could not be read; the query was not answered") from None
