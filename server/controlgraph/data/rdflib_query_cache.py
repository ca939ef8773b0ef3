"""rdflib's SPARQL processor, keeping each query text it has parsed and translated.

pyshacl runs the SHACL shapes' SPARQL constraints by handing rdflib the query *text* for every focus
node, and rdflib parses it (pyparsing, pure Python) each time: about 70% of a tenant write's 0.5-1 s.
The shapes hold a fixed handful of such queries, so keeping their translation makes a write 2-3 times
cheaper. rdflib itself supports running one translated query many times (``prepareQuery``); this
registers, through rdflib's plugin registry, a processor that does so for any text it sees again.

Importing :mod:`controlgraph.data.validation` installs it for the process.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

import rdflib.plugin
import rdflib.query
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.evaluate import evalQuery
from rdflib.plugins.sparql.parser import parseQuery
from rdflib.plugins.sparql.processor import SPARQLProcessor
from rdflib.plugins.sparql.sparql import Query

_MAX_QUERIES = 512


@lru_cache(maxsize=_MAX_QUERIES)
def _translated(text: str, base: str | None, namespaces: tuple[tuple[str, Any], ...]) -> Query:
    return translateQuery(parseQuery(text), base, dict(namespaces))


class CachingSPARQLProcessor(SPARQLProcessor):  # type: ignore[misc]
    """rdflib's processor, translating a query text once."""

    def query(  # type: ignore[override]
        self,
        strOrQuery: str | Query,
        initBindings: Mapping[str, Any] | None = None,
        initNs: Mapping[str, Any] | None = None,
        base: str | None = None,
        DEBUG: bool = False,
    ) -> Mapping[str, Any]:
        if isinstance(strOrQuery, str):
            strOrQuery = _translated(strOrQuery, base, tuple(sorted((initNs or {}).items())))
        return evalQuery(self.graph, strOrQuery, initBindings, base)  # type: ignore[no-any-return]


def install() -> None:
    """Make the caching processor rdflib's ``sparql`` processor (the default of ``Graph.query``)."""
    rdflib.plugin.register("sparql", rdflib.query.Processor, __name__, CachingSPARQLProcessor.__name__)
