"""A store on any SPARQL 1.1 Protocol + Graph Store Protocol server (Oxigraph server, Fuseki, GraphDB).

Endpoint paths are relative to the store's base address and default to Oxigraph server's
(``/query``, ``/update``, ``/store``); ``docs/sparql.md`` lists Fuseki's and GraphDB's.

Writes keep the store's promise of atomicity by leaning on the server: every change the engine
asks for is sent as ONE SPARQL update request, which Oxigraph (and Fuseki, GraphDB) apply as one
transaction. A full rebuild is one update too (drop everything, insert every graph) up to
:data:`ONE_REQUEST_MAX_TRIPLES`; past it, every graph is first uploaded under a temporary name, then
switched over with one update, so a failed upload leaves the previous data in place.
"""

from __future__ import annotations

import contextlib
import re
import secrets
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

import httpx
import pyoxigraph as ox

from controlgraph.errors import QueryError, QueryTimeout, StoreError, StoreUnavailable
from controlgraph.store.base import QueryDataset, QueryResult, Triples

STAGING_PREFIX = "urn:controlgraph:staging:"
# Up to this many triples a full rebuild is one update request: one transaction on the server, and much
# cheaper than staging, because Oxigraph copies a graph quad by quad to MOVE it (the shipped graph's
# 317,000 triples: 7.6 s against 37.0 s into an empty server, 9.0 s against 50.1 s over a previous
# build, the server's peak memory 1.2 GB against 2.5 GB; bench/remote_build.py). Past it the request
# would be hundreds of MB of text on both sides: the graphs are staged one at a time instead.
ONE_REQUEST_MAX_TRIPLES = 1_000_000
# Named in the protocol for an empty default graph or no named graphs: leaving the parameter out would
# give the server's own default dataset (on some servers the union of every graph) instead.
EMPTY_GRAPH = "urn:controlgraph:empty-graph"
_RESULTS_JSON = "application/sparql-results+json"
_N_TRIPLES = "application/n-triples"
_VARIABLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# What the scanner must step over to find the query's braces: strings, IRIs and comments.
_SKIPPED_OR_BRACE = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\'|"(?:[^"\\\n]|\\.)*"'
    r"|'(?:[^'\\\n]|\\.)*'|<[^<>\"{}|^`\\\s]*>|#[^\n]*|[{}]|\bCONSTRUCT\b",
    re.IGNORECASE,
)
_SHORT_CONSTRUCT = re.compile(r"\bCONSTRUCT\s+WHERE\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class RemoteEndpoints:
    """Paths of the protocol endpoints under the base address (Oxigraph server's by default)."""

    query: str = "/query"
    update: str = "/update"
    graph_store: str = "/store"
    # URL parameter asking the server to take the union of all graphs as the default graph;
    # empty when the server's default graph already is the union (GraphDB, Fuseki configured so).
    union_param: str = "union-default-graph"


def _term_text(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> str:
    return str(term)  # N-Triples form, which SPARQL reads as is; pyoxigraph escapes literals


def where_group_start(sparql: str) -> int:
    """Offset just after the ``{`` opening the query's WHERE group (skipping a CONSTRUCT template)."""
    depth = 0
    skip_template = False
    seen_construct = False
    for match in _SKIPPED_OR_BRACE.finditer(sparql):
        token = match.group(0)
        if token.upper() == "CONSTRUCT" and depth == 0:
            seen_construct = True
            rest = sparql[match.end():].lstrip()
            skip_template = rest.startswith("{")
            continue
        if token == "{":
            if depth == 0 and not skip_template:
                if seen_construct and _SHORT_CONSTRUCT.search(sparql[:match.start()]):
                    break  # the short form admits triple patterns only
                return match.end()
            depth += 1
        elif token == "}":
            depth -= 1
            if depth == 0 and skip_template:
                skip_template = False
    raise QueryError("cannot bind values into this query form on a remote store (it needs a WHERE { ... } group)")


def bind_with_values(sparql: str, substitutions: Mapping[str, ox.NamedNode | ox.Literal]) -> str:
    """Bind variables by opening the WHERE group with a VALUES clause of serialised terms.

    The terms are written in their N-Triples form (escaped by pyoxigraph), never spliced from
    user text, so a value can never change the shape of the query.
    """
    if not substitutions:
        return sparql
    names = list(substitutions)
    for name in names:
        if not _VARIABLE_NAME.match(name):
            raise QueryError(f"not a SPARQL variable name: {name!r}")
    row = " ".join(_term_text(substitutions[n]) for n in names)
    clause = f" VALUES ({' '.join('?' + n for n in names)}) {{ ({row}) }} "
    at = where_group_start(sparql)
    return sparql[:at] + clause + sparql[at:]


def _checked_graph(name: str) -> ox.NamedNode:
    try:
        return ox.NamedNode(name)
    except ValueError as exc:
        raise StoreError(f"{name!r} is not a valid graph IRI; nothing was changed: {exc}") from None


def _insert_data(graph: ox.NamedNode, triples: Triples, operation: str = "INSERT DATA") -> str:
    body = "\n".join(
        f"{_term_text(t.subject)} {_term_text(t.predicate)} {_term_text(t.object)} ." for t in triples
    )
    return f"{operation} {{ GRAPH {graph} {{\n{body}\n}} }}"


def _as_query_triples(triples: list[ox.Triple]) -> ox.QueryTriples:
    """Give parsed triples the same type an embedded CONSTRUCT returns."""
    scratch = ox.Store()
    scratch.extend(ox.Quad(t.subject, t.predicate, t.object) for t in triples)
    result = scratch.query("CONSTRUCT WHERE { ?s ?p ?o }")
    assert isinstance(result, ox.QueryTriples)
    return result


class RemoteStore:
    """The graph on a SPARQL server, addressed by its base URL (``http://host:7878``)."""

    sole_writer = False  # other processes may write to the same server at any time

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = 10.0,
        endpoints: RemoteEndpoints | None = None,
        write_timeout: float = 600.0,
    ) -> None:
        self.location = base_url.rstrip("/")
        self.endpoints = endpoints or RemoteEndpoints()
        self.timeout = timeout
        self._write_timeout = httpx.Timeout(write_timeout, connect=min(timeout, 5.0))
        self._client = httpx.Client(timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)))

    # ------------------------------------------------------------------ HTTP

    def _url(self, path: str) -> str:
        return self.location + path

    def _send(self, request: httpx.Request, *, what: str, timeout: httpx.Timeout | None = None) -> httpx.Response:
        if timeout is not None:
            request.extensions["timeout"] = timeout.as_dict()
        try:
            response = self._client.send(request)
        except httpx.TimeoutException as exc:
            if isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout):
                raise StoreUnavailable(f"{self.location}: the SPARQL server does not answer ({what})") from None
            if what == "query":
                raise QueryTimeout(f"query stopped after {self.timeout:g} s (remote store {self.location})") from None
            raise StoreUnavailable(f"{self.location}: the SPARQL server timed out ({what})") from None
        except httpx.TransportError as exc:
            raise StoreUnavailable(
                f"{self.location}: the SPARQL server does not answer ({what}: {exc.__class__.__name__}: {exc})"
            ) from None
        if response.status_code >= 500:
            raise StoreError(f"{self.location}: {what} failed on the server: HTTP {response.status_code}: "
                             f"{response.text.strip()[:300]}")
        return response

    def _update(self, sparql_update: str) -> None:
        request = self._client.build_request(
            "POST", self._url(self.endpoints.update), content=sparql_update.encode("utf-8"),
            headers={"Content-Type": "application/sparql-update"},
        )
        response = self._send(request, what="update", timeout=self._write_timeout)
        if response.status_code >= 400:
            raise StoreError(f"{self.location}: write refused, nothing was changed: HTTP {response.status_code}: "
                             f"{response.text.strip()[:300]}")

    # ------------------------------------------------------------------ reading

    def query(
        self,
        sparql: str,
        *,
        substitutions: Mapping[str, ox.NamedNode | ox.Literal] | None = None,
        union_default_graph: bool = True,
        dataset: QueryDataset | None = None,
    ) -> QueryResult:
        text = bind_with_values(sparql, substitutions or {})
        params: dict[str, str | list[str]] = (
            {self.endpoints.union_param: "true"} if union_default_graph and self.endpoints.union_param else {}
        )
        if dataset is not None:
            # The protocol's dataset takes precedence over the query's FROM / FROM NAMED.
            params = {"default-graph-uri": [_checked_graph(g).value for g in dataset.default] or [EMPTY_GRAPH],
                      "named-graph-uri": [_checked_graph(g).value for g in dataset.named] or [EMPTY_GRAPH]}
        request = self._client.build_request(
            "POST", self._url(self.endpoints.query), params=params, content=text.encode("utf-8"),
            headers={"Content-Type": "application/sparql-query",
                     "Accept": f"{_RESULTS_JSON}, {_N_TRIPLES};q=0.9"},
        )
        response = self._send(request, what="query")
        if response.status_code >= 400:
            raise QueryError(f"malformed or refused SPARQL (HTTP {response.status_code} from {self.location}): "
                             f"{response.text.strip()[:300]}")
        media_type = response.headers.get("content-type", "").split(";")[0].strip()
        try:
            if media_type in (_N_TRIPLES, "text/plain"):
                quads = ox.parse(response.content, format=ox.RdfFormat.N_TRIPLES)
                return _as_query_triples([ox.Triple(q.subject, q.predicate, q.object) for q in quads])
            if media_type in (_RESULTS_JSON, "application/json"):
                return ox.parse_query_results(response.content, format=ox.QueryResultsFormat.JSON)
        except SyntaxError as exc:
            raise StoreError(f"{self.location}: unreadable query results: {exc}") from None
        raise StoreError(f"{self.location}: unexpected result type {media_type!r} for a query")

    def graph_names(self) -> list[str]:
        rows = self.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }", union_default_graph=False)
        assert isinstance(rows, ox.QuerySolutions)
        return sorted(
            s["g"].value for s in rows
            if isinstance(s["g"], ox.NamedNode) and not s["g"].value.startswith(STAGING_PREFIX)
        )

    def graph_triples(self, graph: str) -> list[ox.Triple]:
        request = self._client.build_request(
            "GET", self._url(self.endpoints.graph_store), params={"graph": _checked_graph(graph).value},
            headers={"Accept": _N_TRIPLES},
        )
        response = self._send(request, what="graph read", timeout=self._write_timeout)
        if response.status_code == 404:
            return []
        if response.status_code >= 400:
            raise StoreError(f"{self.location}: cannot read graph <{graph}>: HTTP {response.status_code}")
        quads = ox.parse(response.content, format=ox.RdfFormat.N_TRIPLES)
        return [ox.Triple(q.subject, q.predicate, q.object) for q in quads]

    def quad_count(self) -> int:
        rows = self.query(
            "SELECT (COUNT(*) AS ?n) WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }",
            union_default_graph=False,
        )
        assert isinstance(rows, ox.QuerySolutions)
        return int(next(iter(rows))["n"].value)

    def subject_triples(self, graph: str, subjects: Collection[str]) -> list[ox.Triple]:
        out: list[ox.Triple] = []
        ordered = sorted(subjects)
        name = _checked_graph(graph)
        for start in range(0, len(ordered), 1_000):  # a few requests of moderate size, not one huge one
            values = " ".join(str(_checked_graph(s)) for s in ordered[start:start + 1_000])
            answer = self.query(f"SELECT ?s ?p ?o WHERE {{ GRAPH {name} {{ VALUES ?s {{ {values} }} ?s ?p ?o }} }}")
            assert isinstance(answer, ox.QuerySolutions)
            for row in answer:
                subject, predicate, value = row["s"], row["p"], row["o"]
                assert isinstance(subject, ox.NamedNode) and isinstance(predicate, ox.NamedNode)
                out.append(ox.Triple(subject, predicate, value))
        return out

    # ------------------------------------------------------------------ writing

    def replace_graphs(self, graphs: Mapping[str, Triples], *, remove: Sequence[str] = (),
                       append: Mapping[str, Triples] | None = None,
                       delete: Mapping[str, Triples] | None = None) -> None:
        added = dict(append or {})
        deleted = {g: triples for g, triples in (delete or {}).items() if triples}
        names = {g: _checked_graph(g) for g in [*remove, *graphs, *added, *deleted]}
        drops = [f"DROP SILENT GRAPH {names[g]}" for g in [*remove, *graphs]]
        # In the contract's order: graphs replaced, then deletions (from their new content too), then additions.
        replaced = [_insert_data(names[g], triples) for g, triples in graphs.items() if triples]
        deletes = [_insert_data(names[g], triples, operation="DELETE DATA") for g, triples in deleted.items()]
        inserts = [_insert_data(names[g], triples) for g, triples in added.items() if triples]
        operations = drops + replaced + deletes + inserts
        if operations:
            self._update(" ;\n".join(operations))

    def replace_everything(self, graphs: Mapping[str, Triples]) -> None:
        targets = {g: _checked_graph(g) for g in graphs}
        if sum(len(triples) for triples in graphs.values()) <= ONE_REQUEST_MAX_TRIPLES:
            # Everything goes, staged graphs a failed rebuild left included, as the staged switch drops them.
            operations = ["DROP SILENT ALL"]
            operations += [_insert_data(targets[g], triples) for g, triples in graphs.items() if triples]
            self._update(" ;\n".join(operations))
            return
        self._replace_staged(graphs, targets)

    def _replace_staged(self, graphs: Mapping[str, Triples], targets: Mapping[str, ox.NamedNode]) -> None:
        """The rebuild of a large store: every graph uploaded under a temporary name, then one switch."""
        token = secrets.token_hex(6)
        staged: dict[str, ox.NamedNode] = {}
        try:
            for index, (graph, triples) in enumerate(graphs.items()):
                if not triples:
                    continue
                staging = ox.NamedNode(f"{STAGING_PREFIX}{token}:{index}")
                self._put_graph(staging, triples)
                staged[graph] = staging
            leftovers = self._all_graph_names()
            switch = ["DROP SILENT DEFAULT"]
            switch += [f"DROP SILENT GRAPH <{g}>" for g in leftovers
                       if g not in targets and not g.startswith(f"{STAGING_PREFIX}{token}:")]
            switch += [f"DROP SILENT GRAPH {targets[g]}" for g in graphs if g not in staged]
            switch += [f"MOVE SILENT GRAPH {staging} TO {targets[g]}" for g, staging in staged.items()]
            # One request: the server applies the whole switch as one transaction.
            self._update(" ;\n".join(switch))
        except BaseException:
            self._drop_quietly(list(staged.values()))
            raise

    def _put_graph(self, graph: ox.NamedNode, triples: Triples) -> None:
        body = ox.serialize(list(triples), format=ox.RdfFormat.N_TRIPLES)
        request = self._client.build_request(
            "PUT", self._url(self.endpoints.graph_store), params={"graph": graph.value},
            content=body, headers={"Content-Type": _N_TRIPLES},
        )
        response = self._send(request, what="graph upload", timeout=self._write_timeout)
        if response.status_code >= 400:
            raise StoreError(f"{self.location}: upload of a staged graph refused, previous data kept: "
                             f"HTTP {response.status_code}: {response.text.strip()[:300]}")

    def _all_graph_names(self) -> list[str]:
        rows = self.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }", union_default_graph=False)
        assert isinstance(rows, ox.QuerySolutions)
        return [s["g"].value for s in rows if isinstance(s["g"], ox.NamedNode)]

    def _drop_quietly(self, graphs: list[ox.NamedNode]) -> None:
        if not graphs:
            return
        # If the server is gone, the staged graphs are removed by the next rebuild instead.
        with contextlib.suppress(StoreError):
            self._update(" ;\n".join(f"DROP SILENT GRAPH {g}" for g in graphs))

    def close(self) -> None:
        self._client.close()
