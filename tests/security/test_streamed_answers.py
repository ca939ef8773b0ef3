"""Large SPARQL answers stream from the query worker to the client (issue 21, finding 9), on a real server.

The server runs in a process of its own (uvicorn, worker processes over an on-disk store) so its memory
can be read from /proc; the client is httpx over a socket. Shown here:
- a 21 MB answer arrives complete and correct, chunked, in every results and graph format, while the
  server's peak memory grows by a small part of it (before streaming it held the whole answer, twice);
- an answer that reaches the byte cap or the row cap after streaming began ends with an incomplete
  chunked body (the client raises), never as a complete-looking answer; small capped answers keep
  ``X-Result-Truncated``;
- a client that stops reading is cut at the time limit and the worker serves the next query;
- a tenant's graph is streamed to that tenant only.
"""

from __future__ import annotations

import csv
import io
import json
import os
import socket
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pyoxigraph as ox
import pytest

from controlgraph.store.tenancy import hash_key
from serving import serving

SHARED = "https://w3id.org/controlgraph/id/graph/shared-stream"
P = ox.NamedNode("http://example.org/p")
ROWS, LITERAL = 8_000, 4_000  # 32 MB of literals in the shared graph
SECRET_ROWS = 400
ROW_CAP, MAX_BYTES, TIMEOUT = 6_000, 24_000_000, 12.0
KEY = "acme-key-stream-7c1e"
TEXT = 'row {} <&> "quoted", tab\t' + "x" * LITERAL
ALL = "SELECT ?s ?o WHERE { ?s ?p ?o }"
BIG = "SELECT ?s ?o WHERE { ?s ?p ?o FILTER(STRSTARTS(STR(?s), 'http://example.org/r')) } ORDER BY ?s LIMIT 5000"
SERVER = """
import json, sys, uvicorn
from pathlib import Path
import pyoxigraph as ox
from controlgraph.settings import Settings
from controlgraph.store.embedded import EmbeddedStore
from controlgraph.store.tenancy import tenant_graph
from controlgraph.web.app import create_app
from controlgraph.web.server import uvicorn_config
path, port, keys, given = sys.argv[1], int(sys.argv[2]), sys.argv[3], json.loads(sys.argv[4])
settings = Settings.from_env({}, store=path, sparql_row_cap=given["row_cap"], sparql_timeout=given["timeout"],
                             sparql_max_result_bytes=given["max_bytes"], sparql_workers=2, sparql_per_caller=4,
                             api_keys=keys, port=port)
store = EmbeddedStore(Path(path))
P = ox.NamedNode("http://example.org/p")
literal = lambda i: ox.Literal(given["text"].format(i))
store.replace_everything({
    given["shared"]: [ox.Triple(ox.NamedNode(f"http://example.org/r{i:05d}"), P, literal(i))
                      for i in range(given["rows"])],
    tenant_graph("acme"): [ox.Triple(ox.NamedNode(f"http://example.org/secret{i:04d}"), P, literal(i))
                           for i in range(given["secret_rows"])],
})
app = create_app(settings, store)
uvicorn.Server(uvicorn_config(app, settings, log_config=None, log_level="warning")).run()
"""
GIVEN = {"row_cap": ROW_CAP, "max_bytes": MAX_BYTES, "timeout": TIMEOUT, "text": TEXT, "shared": SHARED,
         "rows": ROWS, "secret_rows": SECRET_ROWS}


def _literal(i: int) -> ox.Literal:
    return ox.Literal(TEXT.format(i))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    path = tmp_path_factory.mktemp("streamed") / "store"  # the server writes the data, then serves it
    command = [sys.executable, "-c", SERVER, str(path), "{port}", f"acme:{hash_key(KEY)}", json.dumps(GIVEN)]
    # Ready once it answers a query: started, and both workers ready (their copy of the shared graph taken).
    with serving(command, path.parent / "server.log", ready_path="/sparql", ready_params={"query": "ASK {}"},
                 seconds=180, env=dict(os.environ)) as running:
        yield running.url, running.process.pid


def _reset_peak(pid: int) -> None:
    """Start the peak (VmHWM) over from the current RSS (Linux: ``5`` into clear_refs)."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")


def _peak_kb(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:")))


def _get(url: str, query: str, accept: str, **headers: str) -> httpx.Response:
    return httpx.get(f"{url}/sparql", params={"query": query}, headers={"Accept": accept, **headers}, timeout=60)


RESULTS = {"application/sparql-results+json": ox.QueryResultsFormat.JSON,
           "application/sparql-results+xml": ox.QueryResultsFormat.XML,
           "text/tab-separated-values": ox.QueryResultsFormat.TSV,
           "text/csv": ox.QueryResultsFormat.CSV}
GRAPHS = {"text/turtle": ox.RdfFormat.TURTLE, "application/n-triples": ox.RdfFormat.N_TRIPLES,
          "application/ld+json": ox.RdfFormat.JSON_LD, "application/rdf+xml": ox.RdfFormat.RDF_XML}


def _expected(count: int) -> dict[str, str]:
    return {f"http://example.org/r{i:05d}": _literal(i).value for i in range(count)}


def test_a_large_answer_streams_complete_while_server_memory_stays_flat(server: tuple[str, int]) -> None:
    url, pid = server
    for _ in range(3):  # warm up: the threads and buffers of an ordinary answer
        assert _get(url, "SELECT ?s WHERE { ?s ?p ?o } LIMIT 10", "text/csv").status_code == 200
    _reset_peak(pid)
    before = _peak_kb(pid)
    received = 0
    chunks = 0
    with httpx.stream("GET", f"{url}/sparql", params={"query": BIG}, timeout=60,
                      headers={"Accept": "application/sparql-results+json"}) as response:
        assert response.status_code == 200
        assert response.headers["transfer-encoding"] == "chunked" and "content-length" not in response.headers
        assert response.headers["x-result-streamed"] == "true"
        body = bytearray()
        for chunk in response.iter_raw():
            body += chunk
            chunks += 1
            received += len(chunk)
    grown_mb = (_peak_kb(pid) - before) / 1024
    assert received > 20_000_000 and chunks > 50, (received, chunks)
    rows = list(ox.parse_query_results(bytes(body), format=ox.QueryResultsFormat.JSON))
    assert {r["s"].value: r["o"].value for r in rows} == _expected(5_000)  # type: ignore[union-attr]
    # Before streaming the server held the answer (and a copy) whole: over 50 MB here.
    assert grown_mb < 12, f"the server's peak memory grew by {grown_mb:.1f} MB for a {received / 1e6:.0f} MB answer"


@pytest.mark.parametrize("accept", [*RESULTS, *GRAPHS])
def test_every_format_streams_a_complete_answer(server: tuple[str, int], accept: str) -> None:
    url, _ = server
    count = 1_500  # 6 MB: past the stream window
    where = "WHERE { ?s ?p ?o FILTER(STR(?s) < 'http://example.org/r01500') }"
    query = f"CONSTRUCT {{ ?s ?p ?o }} {where}" if accept in GRAPHS else f"SELECT ?s ?o {where}"
    response = _get(url, query, accept)
    assert response.status_code == 200 and response.headers.get("x-result-streamed") == "true", response.text[:300]
    if accept in GRAPHS:
        found = {t.subject.value: t.object.value for t in ox.parse(response.content, GRAPHS[accept])}
    elif accept == "text/csv":  # CSV keeps no term types: IRIs and literals are plain text
        table = list(csv.reader(io.StringIO(response.content.decode("utf-8"), newline="")))
        assert table[0] == ["s", "o"]
        found = dict((row[0], row[1]) for row in table[1:])
    else:
        answer: Any = ox.parse_query_results(response.content, format=RESULTS[accept])
        found = {r["s"].value: r["o"].value for r in answer}
    assert found == _expected(count)


@pytest.mark.parametrize("query, cap", [
    (ALL, "byte cap"),  # 32 MB of literals against a 24 MB cap
    ("SELECT ?s (SUBSTR(?o, 1, 300) AS ?short) WHERE { ?s ?p ?o }", "row cap"),  # 8,000 rows of 300 B, cap 6,000
])
@pytest.mark.parametrize("accept", ["application/sparql-results+json", "text/csv", "text/turtle"])
def test_a_cap_reached_mid_stream_leaves_the_body_incomplete(server: tuple[str, int], query: str, cap: str,
                                                            accept: str) -> None:
    url, _ = server
    if accept == "text/turtle":
        query = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }" if cap == "byte cap" else \
            "CONSTRUCT { ?s ?p ?short } WHERE { ?s ?p ?o BIND(SUBSTR(?o, 1, 300) AS ?short) }"
    received = 0
    with pytest.raises(httpx.RemoteProtocolError), httpx.stream(
            "GET", f"{url}/sparql", params={"query": query}, headers={"Accept": accept}, timeout=60) as response:
        assert response.status_code == 200 and response.headers["x-result-streamed"] == "true"
        for chunk in response.iter_raw():
            received += len(chunk)
    assert received > 1_000_000  # it was streaming when the cap came
    # The same cap on a raw socket: the terminating zero-length chunk never comes.
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=60) as sock:
        target = httpx.URL(f"{url}/sparql", params={"query": query}).raw_path.decode()
        sock.sendall(f"GET {target} HTTP/1.1\r\nHost: x\r\nAccept: {accept}\r\n\r\n".encode())
        raw = bytearray()
        while chunk := sock.recv(1 << 16):
            raw += chunk
    assert b"transfer-encoding: chunked" in raw.lower()[:2000] and not raw.endswith(b"\r\n0\r\n\r\n")
    assert _get(url, "ASK {}", accept).status_code == 200  # the workers serve on


def test_small_capped_answers_still_say_so_in_a_header(server: tuple[str, int]) -> None:
    url, _ = server
    response = _get(url, "SELECT ?s WHERE { ?s ?p ?o }", "text/csv")  # 8,400 short rows: within the window
    assert response.status_code == 200 and "x-result-streamed" not in response.headers
    assert response.headers["x-result-truncated"] == "true" and response.headers["x-result-rows"] == str(ROW_CAP)
    assert len(response.text.splitlines()) == ROW_CAP + 1


def test_a_client_that_stops_reading_is_cut_at_the_time_limit(server: tuple[str, int]) -> None:
    url, _ = server
    started = time.monotonic()
    with pytest.raises(httpx.RemoteProtocolError), httpx.stream(
            "GET", f"{url}/sparql", params={"query": BIG}, timeout=60) as response:
        stream = response.iter_raw()
        next(stream)
        time.sleep(TIMEOUT + 2)  # the socket buffers fill, the server's send waits, the deadline passes
        for _ in stream:
            pass
    assert time.monotonic() - started < TIMEOUT + 20
    answered = [_get(url, "SELECT ?s WHERE { ?s ?p ?o } LIMIT 2", "text/csv") for _ in range(4)]
    assert all(r.status_code == 200 for r in answered)  # both workers serve again


def test_a_tenant_graph_streams_to_its_tenant_only(server: tuple[str, int]) -> None:
    url, _ = server
    query = "SELECT ?s ?o WHERE { ?s ?p ?o FILTER(STRSTARTS(STR(?s), 'http://example.org/secret')) }"
    anonymous = _get(url, query, "application/sparql-results+json")
    assert anonymous.status_code == 200 and anonymous.json()["results"]["bindings"] == []
    acme = _get(url, query, "application/sparql-results+json", Authorization=f"Bearer {KEY}")
    assert acme.status_code == 200 and acme.headers["x-result-streamed"] == "true"
    assert len(acme.json()["results"]["bindings"]) == SECRET_ROWS
    everything = _get(url, "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o FILTER(STR(?s) > 'http://example.org/r07000') }",
                      "application/n-triples")
    assert everything.headers["x-result-streamed"] == "true"
    assert b"secret" not in everything.content and everything.content.count(b"\n") == 999
    wrong = _get(url, query, "application/sparql-results+json", Authorization="Bearer wrong-key")
    assert wrong.status_code == 401
