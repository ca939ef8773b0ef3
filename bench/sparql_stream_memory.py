"""How much the server's main process grows to send one large SPARQL answer (issue 21, finding 9).

Starts a server (uvicorn, two query worker processes, an on-disk store of N rows with 4 KB literals)
from the code on PYTHONPATH, asks for answers of several sizes, and prints per answer: its size, the
time to the first byte and to the last, and how much the main process's peak RSS (VmHWM) grew.

    PYTHONPATH=server python bench/sparql_stream_memory.py --rows 12000
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

SERVER = """
import sys, uvicorn
from pathlib import Path
import pyoxigraph as ox
from controlgraph.settings import Settings
from controlgraph.store.embedded import EmbeddedStore
from controlgraph.web.app import create_app
from controlgraph.web.server import uvicorn_config
path, port, rows = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
settings = Settings.from_env({}, store=path, sparql_row_cap=10**7, sparql_max_result_bytes=10**10,
                             sparql_timeout=120, sparql_workers=2, port=port)
store = EmbeddedStore(Path(path))
P = ox.NamedNode("http://example.org/p")
store.replace_everything({"https://w3id.org/controlgraph/id/graph/bench": [
    ox.Triple(ox.NamedNode(f"http://example.org/r{i:06d}"), P, ox.Literal(f"row {i} " + "x" * 4000))
    for i in range(rows)]})
uvicorn.Server(uvicorn_config(create_app(settings, store), settings, log_config=None, log_level="warning")).run()
"""


def _reset_peak(pid: int) -> None:
    """Start the peak (VmHWM) over from the current RSS (Linux: ``5`` into clear_refs)."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")


def _peak_kb(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:")))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=12_000)
    parser.add_argument("--sizes", default="250,2500,12000", help="answer sizes in rows (4 KB each)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sparql-stream-") as work, socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
        probe.close()
        log = open(Path(work) / "server.log", "wb")  # noqa: SIM115 (open for the server's whole life)
        server = subprocess.Popen([sys.executable, "-c", SERVER, str(Path(work) / "store"), str(port),
                                   str(args.rows)], env=dict(os.environ), stderr=log)
        url = f"http://127.0.0.1:{port}/sparql"
        try:
            while True:
                try:
                    if httpx.get(url, params={"query": "ASK {}"}, timeout=5).status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.3)
                if server.poll() is not None:
                    raise SystemExit((Path(work) / "server.log").read_text())
            for _ in range(3):
                httpx.get(url, params={"query": "SELECT ?s WHERE { ?s ?p ?o } LIMIT 10"}, timeout=60)
            print("rows  answer_MB  first_byte_s  total_s  main_peak_growth_MB  streamed")
            for rows in (int(n) for n in args.sizes.split(",")):
                _reset_peak(server.pid)
                before = _peak_kb(server.pid)
                query = f"SELECT ?s ?o WHERE {{ ?s ?p ?o }} LIMIT {rows}"
                started = time.monotonic()
                first = None
                size = 0
                with httpx.stream("GET", url, params={"query": query}, timeout=300) as response:
                    for chunk in response.iter_raw():
                        first = first or time.monotonic() - started
                        size += len(chunk)
                    streamed = response.headers.get("x-result-streamed", "no")
                total = time.monotonic() - started
                grown = (_peak_kb(server.pid) - before) / 1024
                print(f"{rows:>5}  {size / 1e6:>9.1f}  {first or 0:>12.2f}  {total:>7.2f}  {grown:>19.1f}  {streamed}")
        finally:
            server.terminate()
            server.wait(timeout=30)
            log.close()


if __name__ == "__main__":
    main()
