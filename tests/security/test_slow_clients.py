"""Slow and idle clients are cut off (issue 21, finding 8): the server of `controlgraph serve`, on a real socket.

Half-sent headers are closed after the header timeout, a stalled body is answered 408 after the body
timeout, connections past the cap are closed at once, and a well-behaved client is served throughout.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pyoxigraph as ox
import pytest
import uvicorn

from controlgraph.settings import Settings
from controlgraph.store.embedded import EmbeddedStore
from controlgraph.web.app import create_app
from controlgraph.web.server import uvicorn_config

HEADER_TIMEOUT = 1.0
BODY_TIMEOUT = 1.5
MAX_CONNECTIONS = 40


class Served:
    def __init__(self, settings: Settings) -> None:
        store = EmbeddedStore(None)
        store.replace_everything({"https://w3id.org/controlgraph/id/graph/x": [
            ox.Triple(ox.NamedNode("http://e/s"), ox.NamedNode("http://e/p"), ox.Literal("o"))]})
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        config = uvicorn_config(create_app(settings, store), settings.with_overrides(port=self.port),
                                log_config=None, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.05)
        self.url = f"http://127.0.0.1:{self.port}"

    def connect(self) -> socket.socket:
        return socket.create_connection(("127.0.0.1", self.port), timeout=10)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    settings = Settings.from_env({}, store="memory", http_header_timeout=HEADER_TIMEOUT,
                                 http_body_timeout=BODY_TIMEOUT, http_max_connections=MAX_CONNECTIONS)
    found = Served(settings)
    yield found
    found.stop()


def _closed_within(sock: socket.socket, seconds: float) -> tuple[bool, bytes]:
    """Whether the server closed ``sock`` within ``seconds``, and what it sent before."""
    sock.settimeout(seconds)
    received = b""
    try:
        while True:
            chunk = sock.recv(4096)
            if not chunk:
                return True, received
            received += chunk
    except TimeoutError:
        return False, received
    except ConnectionResetError:
        return True, received


def test_half_sent_headers_are_closed_after_the_header_timeout(served: Served) -> None:
    silent = served.connect()  # connects, sends nothing
    partial = served.connect()
    partial.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
    started = time.monotonic()
    for sock in (silent, partial):
        closed, received = _closed_within(sock, HEADER_TIMEOUT + 3)
        assert closed, "the connection stayed open"
        assert received == b"" or received.startswith(b"HTTP/1.1 408")
        sock.close()
    assert time.monotonic() - started < HEADER_TIMEOUT + 3
    assert httpx.get(f"{served.url}/healthz", timeout=5).status_code == 200


def test_a_trickled_header_is_cut_even_if_bytes_keep_coming(served: Served) -> None:
    sock = served.connect()
    sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
    started = time.monotonic()
    closed = False
    while time.monotonic() - started < HEADER_TIMEOUT + 3:
        try:
            sock.sendall(b"X: y\r\n")  # a byte now and then never completes the headers
        except OSError:
            closed = True
            break
        time.sleep(0.2)
    if not closed:
        closed, _ = _closed_within(sock, 0.5)
    assert closed
    sock.close()


def test_a_stalled_body_is_answered_408(served: Served) -> None:
    sock = served.connect()
    sock.sendall(b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
                 b"Content-Length: 1000\r\n\r\nASK {")
    started = time.monotonic()
    closed, received = _closed_within(sock, BODY_TIMEOUT + 3)
    assert received.startswith(b"HTTP/1.1 408"), received[:100]
    assert closed  # and the connection is gone
    assert b"RequestTimeout" in received
    assert time.monotonic() - started < BODY_TIMEOUT + 3
    sock.close()


def test_connections_past_the_cap_are_closed(served: Served) -> None:
    held: list[socket.socket] = []
    try:
        for _ in range(MAX_CONNECTIONS + 10):
            held.append(served.connect())
        time.sleep(0.3)
        closed = sum(1 for sock in held if _closed_within(sock, 0.05)[0])
        assert closed >= 10, closed  # the ones past the cap
    finally:
        for sock in held:
            sock.close()
    time.sleep(0.3)
    assert httpx.get(f"{served.url}/healthz", timeout=5).status_code == 200


def test_the_serve_command_uses_these_settings() -> None:
    settings = Settings.from_env({"CONTROLGRAPH_HTTP_HEADER_TIMEOUT": "7", "CONTROLGRAPH_HTTP_MAX_CONNECTIONS": "9",
                                  "CONTROLGRAPH_HTTP_KEEP_ALIVE": "3"})
    config: Any = uvicorn_config(object(), settings)
    assert config.http.header_timeout == 7 and config.http.max_connections == 9
    assert config.timeout_keep_alive == 3 and config.limit_concurrency == 9
