"""Read-only SPARQL over the store, with the limits every public entry point applies.

Updates are refused (they are a different operation in the protocol and never reach the
store's update method from here); SERVICE is refused (no federation to arbitrary servers);
results stop at the row cap, and a query past its time limit is stopped.
"""

from __future__ import annotations

import re
import time

import pyoxigraph as ox

from controlgraph.errors import QueryError, QueryRefused, QueryTimeout
from controlgraph.settings import Settings
from controlgraph.store.base import GraphStore, QueryResult

# Strings, IRIs and comments are removed before looking for keywords, so that a literal
# containing the word SERVICE is not mistaken for the keyword, and vice versa.
_NOT_KEYWORDS = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\'|"(?:[^"\\\n]|\\.)*"'
    r"|'(?:[^'\\\n]|\\.)*'|<[^<>\"{}|^`\\\s]*>|#[^\n]*",
)
_PROLOGUE = re.compile(r"^\s*((PREFIX\s+[\w.-]*:\s*|BASE\s*)\s*)*", re.IGNORECASE)
_UPDATE_WORDS = {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}
# SERVICE as a keyword: not part of a prefixed name (ex:service) or a variable (?service).
_SERVICE = re.compile(r"(?<![\w:?$])SERVICE(?![\w:])", re.IGNORECASE)


def keywords_text(sparql: str) -> str:
    return _NOT_KEYWORDS.sub(" ", sparql)


def check_read_only(sparql: str) -> None:
    text = keywords_text(sparql)
    if _SERVICE.search(text):
        raise QueryRefused("SERVICE (federated query) is not allowed on this endpoint")
    body = _PROLOGUE.sub("", text, count=1).split(None, 1)
    if body and body[0].upper() in _UPDATE_WORDS:
        raise QueryRefused(f"updates are not allowed on this endpoint ({body[0].upper()} found)")


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
