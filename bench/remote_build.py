#!/usr/bin/env python3
"""A rebuild into a real Oxigraph server: one update request against staged graphs moved over.

    PYTHONPATH=server .venv/bin/python bench/remote_build.py --store BUILT_STORE

Reads every graph of a built embedded store, then for each way the remote store can replace everything
(``one-request``: ``DROP SILENT ALL`` and ``INSERT DATA`` in one update, used up to
``remote.ONE_REQUEST_MAX_TRIPLES``; ``staged``: every graph uploaded under a temporary name, then one
switch of ``MOVE``s, used past it) starts a fresh ``oxigraph serve`` and times two rebuilds: into the
empty server, then over the first. Prints the seconds, the quads the server then holds and its peak
resident memory (VmHWM), and the staged way's times as multiples of the one-request way's.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import pyoxigraph as ox

from controlgraph.store import remote
from controlgraph.store.embedded import EmbeddedStore
from controlgraph.store.remote import ONE_REQUEST_MAX_TRIPLES, RemoteStore

sys.path.insert(0, str(Path(__file__).resolve().parent))
from serverproc import free_port


def peak_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def measure(graphs: dict[str, list[ox.Triple]], staged: bool) -> tuple[float, float, int, int]:
    with tempfile.TemporaryDirectory(prefix="controlgraph-remote-build-") as data:
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        server = subprocess.Popen([str(Path(sys.executable).parent / "oxigraph"), "serve", "--location", data,
                                   "--bind", f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            with httpx.Client() as probe:
                for _ in range(400):
                    try:
                        if probe.get(f"{url}/query", params={"query": "ASK {}"}).status_code == 200:
                            break
                    except httpx.TransportError:
                        pass
                    time.sleep(0.05)
                else:
                    raise RuntimeError(f"oxigraph serve did not answer on {url} within 20 s")
            store = RemoteStore(url, timeout=600.0, write_timeout=1200.0)
            remote.ONE_REQUEST_MAX_TRIPLES = 0 if staged else ONE_REQUEST_MAX_TRIPLES
            seconds = []
            for _ in range(2):
                started = time.perf_counter()
                store.replace_everything(graphs)
                seconds.append(time.perf_counter() - started)
            quads = store.quad_count()
            store.close()
            return seconds[0], seconds[1], quads, peak_kb(server.pid)
        finally:
            server.kill()
            server.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", type=Path, required=True, help="a built on-disk store (read only)")
    args = parser.parse_args()
    source = EmbeddedStore(args.store, read_only=True)
    graphs = {g: source.graph_triples(g) for g in source.graph_names()}
    print(f"{sum(len(t) for t in graphs.values()):,} triples in {len(graphs)} graphs")
    figures = {name: measure(graphs, name == "staged") for name in ("one-request", "staged")}
    print(f"{'way':12} {'into empty s':>13} {'over previous s':>16} {'quads':>9} {'server peak MB':>15}")
    for name, (first, second, quads, peak) in figures.items():
        print(f"{name:12} {first:13.2f} {second:16.2f} {quads:9,} {peak / 1024:15.0f}")
    (a1, a2, _, _), (b1, b2, _, _) = figures["one-request"], figures["staged"]
    print(f"staged / one-request: into empty {b1 / a1:.2f}x, over previous {b2 / a2:.2f}x")


if __name__ == "__main__":
    main()
