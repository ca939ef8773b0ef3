"""SERVICE (federation, hence SSRF) never leaves the server, however the query is spelt (issue 21, finding 1).

Each query below is first shown to be a real SERVICE call for pyoxigraph (run directly, it contacts a
loopback listener); then the same query sent to /sparql, on every kind of query runner, is refused and the
listener receives nothing. The query workers' network isolation is checked on its own: a worker that
somehow ran a SERVICE clause still could not connect anywhere.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

import controlgraph
from controlgraph.errors import QueryRefused
from controlgraph.service.query_pool import WORKER_BOOTSTRAP, ProcessQueryRunner
from controlgraph.service.sparql_access import check_read_only
from controlgraph.settings import Settings
from controlgraph.store.embedded import EmbeddedStore
from controlgraph.web.app import create_app

PN_LOCAL_ESCAPES = "_~.-!$&'()*+,;=/?#@%"
GRAPH = "https://w3id.org/controlgraph/id/graph/test"


class Listener:
    """A loopback TCP listener recording every connection it accepts."""

    def __init__(self) -> None:
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(64)
        self.port = self.socket.getsockname()[1]
        self.connections = 0
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.socket.accept()
            except OSError:
                return
            with self._lock:
                self.connections += 1
            conn.close()

    def received(self) -> int:
        with self._lock:
            return self.connections


@pytest.fixture(scope="module")
def listener() -> Iterator[Listener]:
    found = Listener()
    yield found
    found.socket.close()


def service_queries(port: int) -> dict[str, str]:
    """Ways to write a SERVICE clause that pyoxigraph runs, keyed by a name."""
    target = f"<http://127.0.0.1:{port}/sparql>"
    pattern = f"{target} {{ ?x ?y ?z }}"
    queries = {
        "plain": f"SELECT * WHERE {{ SERVICE {pattern} }}",
        "lower-silent": f"select * where {{ service silent {pattern} }}",
        "glued-prefixed-name": f"PREFIX ex: <http://127.0.0.1:{port}/> SELECT * WHERE {{ SERVICEex:a {{ ?x ?y ?z }} }}",
        "glued-empty-prefix": f"PREFIX : <http://127.0.0.1:{port}/> SELECT * WHERE {{ SERVICE:a {{ ?x ?y ?z }} }}",
        "after-comment-line": f"SELECT * WHERE {{ # a comment with ' and \" and <\n SERVICE {pattern} }}",
        "after-long-string": f"SELECT * WHERE {{ BIND('''it's \"\"\" here''' AS ?v) SERVICE {pattern} }}",
        "less-than-then-comment": (f"PREFIX : <http://127.0.0.1:{port}/> SELECT * WHERE {{ BIND(1 AS ?a) "
                                   "FILTER(?a<?b)SERVICE:a#>\n{ ?x ?y ?z } }"),
        "less-than-then-long-string": (f"SELECT * WHERE {{ BIND(1 AS ?a) FILTER(?a<'x')#>'''\n"
                                       f"SERVICE SILENT {pattern}\n#'''\n}}"),
        "percent-escape": f"PREFIX ex: <http://e/> SELECT * WHERE {{ BIND(ex:a%23 AS ?v) SERVICE {pattern} }}",
    }
    for char in PN_LOCAL_ESCAPES:
        escaped = f"\\{char}" + ("25" if char == "%" else "")  # a bare % would not make a valid IRI
        queries[f"pn-local-escape-{char}"] = (
            f"PREFIX ex: <http://example.org/> SELECT ?x WHERE {{ BIND(ex:a{escaped} AS ?v) SERVICE {pattern} }}")
        queries[f"pn-local-escape-{char}-in-middle"] = (
            f"PREFIX ex: <http://example.org/> SELECT ?x WHERE {{ BIND(ex:a{escaped}b AS ?v) SERVICE {pattern} }}")
    return queries


def test_each_query_is_a_real_service_call_for_pyoxigraph(listener: Listener) -> None:
    store = ox.Store()
    for name, query in service_queries(listener.port).items():
        before = listener.received()
        try:
            result = store.query(query)
            list(result) if not isinstance(result, ox.QueryBoolean) else bool(result)
        except (OSError, RuntimeError):
            pass  # the listener closes the connection without answering
        except SyntaxError as exc:
            # "less-than-then-long-string" parses, but pyoxigraph skips its SERVICE when FILTER is false
            pytest.fail(f"{name}: not valid SPARQL for pyoxigraph: {exc}")
        if name != "less-than-then-long-string":
            assert listener.received() > before, f"{name}: pyoxigraph made no call"


@pytest.mark.parametrize("name", sorted(service_queries(9)))
def test_the_check_refuses_every_spelling(name: str) -> None:
    with pytest.raises(QueryRefused, match="SERVICE"):
        check_read_only(service_queries(9)[name])


@pytest.mark.parametrize("query", [
    "PREFIX sd: <http://www.w3.org/ns/sparql-service-description#> SELECT * WHERE { ?s sd:endpoint ?e }",
    "SELECT ?service WHERE { ?service a <http://example.org/Service> }",
    "SELECT * WHERE { ?s ?p 'SERVICE <http://x/> { }' } # SERVICE <http://x/> {}",
    "PREFIX ex: <http://e/> SELECT * WHERE { ?s ex:service ?o ; ex:a.service ?c }",
    "SELECT * WHERE { ?s ?p ?o FILTER(?o<3 && ?o <= 4 || ?o>2) }",
    "SELECT * WHERE { ?s <http://example.org/service#level> ?o }",
])
def test_queries_merely_naming_a_service_are_accepted(query: str) -> None:
    check_read_only(query)


def _store_with_one_triple(path: Path | None) -> EmbeddedStore:
    store = EmbeddedStore(path)
    store.replace_everything({GRAPH: [ox.Triple(ox.NamedNode("http://e/s"), ox.NamedNode("http://e/p"),
                                                ox.Literal("o"))]})
    return store


@pytest.mark.parametrize("runner", ["worker processes", "threads"])
def test_the_endpoint_refuses_and_nothing_is_contacted(listener: Listener, runner: str, tmp_path: Path) -> None:
    if runner == "worker processes":
        _store_with_one_triple(tmp_path / "store").close()
        settings = Settings.from_env({}, store=str(tmp_path / "store"), sparql_workers=1)
        app = create_app(settings)
    else:
        app = create_app(Settings.from_env({}, store="memory"), _store_with_one_triple(None))
    before = listener.received()
    with TestClient(app) as http:
        assert http.get("/sparql", params={"query": "ASK { ?s ?p ?o }"}).json()["boolean"] is True
        for name, query in service_queries(listener.port).items():
            for response in (
                http.get("/sparql", params={"query": query}),
                http.post("/sparql", content=query.encode(), headers={"Content-Type": "application/sparql-query"}),
            ):
                assert response.status_code == 400, (name, response.text)
                assert response.json()["kind"] == "QueryRefused", name
    assert listener.received() == before


def test_a_query_worker_cannot_connect_anywhere(listener: Listener, tmp_path: Path) -> None:
    """The second wall: the worker processes live in a network namespace of their own, where a SERVICE
    clause run directly (as if the check had missed it) reaches nothing."""
    _store_with_one_triple(tmp_path / "store").close()
    runner = ProcessQueryRunner(tmp_path / "store", Settings.from_env({}, store=str(tmp_path / "store")))
    try:
        assert runner.run("ASK { ?s ?p ?o }").body  # the workers have started
        ours = os.readlink("/proc/self/ns/net")
        for worker in runner._workers:
            assert os.readlink(f"/proc/{worker.process.pid}/ns/net") != ours
    finally:
        runner.close()
    # The same bootstrap as a worker's, then a SERVICE clause straight into pyoxigraph.
    probe = (f"{WORKER_BOOTSTRAP.split('; from')[0]}; import pyoxigraph as ox\n"
             "try:\n"
             f"    ox.Store().query('ASK {{ SERVICE <http://127.0.0.1:{listener.port}/x> {{ ?s ?p ?o }} }}')\n"
             "    print('answered')\n"
             "except (OSError, RuntimeError) as exc:\n"
             "    print('failed:', exc)\n")
    before = listener.received()
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PYTHONPATH": str(Path(controlgraph.__file__).parents[1])})
    assert "query workers can reach the network" not in done.stderr, done.stderr
    assert done.stdout.startswith("failed:"), (done.stdout, done.stderr)
    assert listener.received() == before
