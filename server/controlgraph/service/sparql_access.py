"""Read-only SPARQL over the store, with the limits every public entry point applies.

Updates are refused (they are a different operation in the protocol and never reach the
store's update method from here); SERVICE is refused (no federation to arbitrary servers);
results stop at the row cap, and a query past its time limit is stopped.
"""

from __future__ import annotations

import time

import pyoxigraph as ox

from controlgraph.errors import QueryError, QueryRefused, QueryTimeout
from controlgraph.service.sparql_lexer import could_hold, lex, query_form
from controlgraph.settings import Settings
from controlgraph.store.base import GraphStore, QueryResult

_UPDATE_WORDS = {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}
_QUERY_FORMS = {"SELECT", "CONSTRUCT", "DESCRIBE", "ASK"}


def check_read_only(sparql: str) -> None:
    """Refuse federation (SERVICE) and updates, deciding from the query's tokens (see :mod:`.sparql_lexer`).

    pyoxigraph matches a keyword as the first letters of a word (``SERVICEex:a`` reads as
    ``SERVICE ex:a``), so any word or prefix beginning with SERVICE counts, in any reading of the query.
    A query whose text does not hold the letters "service" at all (and nests little) is only read up to
    its query form.
    """
    lexed = lex(sparql, until_form=not could_hold(sparql, "SERVICE"))
    for word in sorted(lexed.words | lexed.prefixes):
        if word.startswith("SERVICE"):
            raise QueryRefused("SERVICE (federated query) is not allowed on this endpoint"
                               + ("" if word == "SERVICE" else
                                  f" ('{word.lower()}' reads as SERVICE followed by a name)"))
    first = query_form(lexed.first_words)
    if first is not None and first not in _QUERY_FORMS:
        update = next((w for w in _UPDATE_WORDS if first.startswith(w)), None)
        if update is not None:
            raise QueryRefused(f"updates are not allowed on this endpoint ({update} found)")


def execute(store: GraphStore, sparql: str, settings: Settings,
            substitutions: dict[str, ox.NamedNode | ox.Literal] | None = None) -> QueryResult:
    check_read_only(sparql)
    try:
        return store.query(sparql, substitutions=substitutions)
    except SyntaxError as exc:
        raise QueryError(f"malformed SPARQL: {exc}") from None
    except OSError as exc:
        raise QueryError(f"query failed: {exc}") from None


Rows = tuple[list[str], list[list[str]]]


def run_read_query(
    store: GraphStore, sparql: str, settings: Settings,
    substitutions: dict[str, ox.NamedNode | ox.Literal] | None = None,
) -> bool | list[ox.Triple] | Rows:
    """Run a query and collect at most the row cap, stopping at the time limit."""
    started = time.monotonic()
    result = execute(store, sparql, settings, substitutions)
    if isinstance(result, ox.QueryBoolean):
        return bool(result)
    collected: list[object] = []
    try:
        for item in result:
            collected.append(item)
            if len(collected) >= settings.sparql_row_cap:
                break
            if time.monotonic() - started > settings.sparql_timeout:
                raise QueryTimeout(f"query stopped after {settings.sparql_timeout:g} s")
    except OSError as exc:
        raise QueryError(f"query failed: {exc}") from None
    if isinstance(result, ox.QueryTriples):
        return [t for t in collected if isinstance(t, ox.Triple)]
    header = [v.value for v in result.variables]
    rows = [[_cell(sol[name]) for name in header] for sol in collected if isinstance(sol, ox.QuerySolution)]
    return header, rows


def _cell(term: object) -> str:
    if term is None:
        return ""
    value = getattr(term, "value", None)
    return str(value) if value is not None else str(term)
