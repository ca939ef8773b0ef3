#!/usr/bin/env python3
"""Server start: seconds until `controlgraph serve` answers, and the CPU it and its query workers spend.

    PYTHONPATH=server .venv/bin/python bench/server_start.py (--store BUILT_STORE | --build) [--before OTHER_TREE]
        [--repeat 3]

For each tree (this one, and with ``--before`` another checkout, its ``server/`` first on PYTHONPATH),
``--repeat`` times: a fresh copy of the built store, served twice in a row (a first start, then a
restart on the same data). Each start (``serverproc.ServerProcess``) waits for ``/healthz``, then for one
SPARQL answer (the query workers have their copy of the shared graphs by then), lets it idle 3 s and stops
it with SIGTERM. Then ``serve --build`` on an empty store (a fresh checkout's `python3 run.py serve`: build,
then serve), timed the same way.
With ``--build`` each tree first builds its own store (``controlgraph build``, timed), so a first start
is the one after that tree's build (what ``python3 run.py serve`` does); ``--store`` gives every tree
copies of one store built beforehand.
Prints the median ready time and CPU (the server and its workers: user + system of the waited-for
process group) of first starts and of restarts, per tree, and the ratio of this tree's to the other's.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from serverproc import ServerProcess, free_port  # noqa: E402


def start_once(tree: Path, store: Path, log: Path, serve_args: tuple[str, ...] = ()) -> tuple[float, float]:
    """Ready seconds (the first SPARQL answer) and CPU seconds of one start of ``tree``'s server on ``store``."""
    server = ServerProcess(store, port=free_port(), api_keys="", log=log,
                           extra_env={"PYTHONPATH": str(tree / "server")}, serve_args=serve_args)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    server.start(timeout=180)
    # The query workers answer once they hold their copy of the shared graphs.
    while httpx.get(f"{server.base}/sparql", params={"query": "ASK { ?s ?p ?o }"}, timeout=60).status_code != 200:
        time.sleep(0.05)
    ready = time.perf_counter() - started
    time.sleep(3)
    server.stop()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ready, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def build(tree: Path, store: Path) -> float:
    """Build ``store`` with ``tree``'s code; its wall seconds."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "controlgraph", "--store", str(store), "build"], check=True,
                   env={**os.environ, "PYTHONPATH": str(tree / "server")}, capture_output=True)
    return time.perf_counter() - started


def measure(tree: Path, built: Path, work: Path, repeat: int) -> dict[str, tuple[float, float]]:
    first: list[tuple[float, float]] = []
    again: list[tuple[float, float]] = []
    empty: list[tuple[float, float]] = []
    for i in range(repeat):
        store = work / f"{tree.name}-{i}"
        shutil.copytree(built, store)
        first.append(start_once(tree, store, work / "server.log"))
        again.append(start_once(tree, store, work / "server.log"))
        shutil.rmtree(store)
        # What `python3 run.py serve` does on a fresh checkout: build into an empty store, then serve.
        empty.append(start_once(tree, store, work / "server.log", ("--build",)))
        shutil.rmtree(store)
    return {name: (statistics.median(r for r, _ in runs), statistics.median(c for _, c in runs))
            for name, runs in (("first start", first), ("restart", again), ("serve --build", empty))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--store", type=Path, help="a built on-disk store (copied, never changed)")
    source.add_argument("--build", action="store_true", help="each tree serves a store it built itself")
    parser.add_argument("--before", type=Path, help="another checkout to compare with, measured in the same run")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    trees = [REPO] + ([args.before.resolve()] if args.before else [])
    builds: dict[Path, float] = {}
    with tempfile.TemporaryDirectory(prefix="controlgraph-start-") as tmp:
        figures = {}
        for tree in trees:
            store = args.store
            if args.build:
                store = Path(tmp) / f"{tree.name}-built"
                builds[tree] = build(tree, store)
            figures[tree] = measure(tree, store, Path(tmp), args.repeat)
    for tree, seconds in builds.items():
        print(f"{tree!s:40} build {seconds:.2f} s")
    print(f"{'tree':40} {'start':12} {'ready s':>8} {'CPU s':>7}")
    for tree, rows in figures.items():
        for name, (ready, cpu) in rows.items():
            print(f"{tree!s:40} {name:12} {ready:8.2f} {cpu:7.2f}")
    if args.before:
        for name in ("first start", "restart", "serve --build"):
            (ready, cpu), (ready_b, cpu_b) = figures[REPO][name], figures[trees[1]][name]
            print(f"{name}: ready {ready / ready_b:.2f}x, CPU {cpu / cpu_b:.2f}x of the other tree's")


if __name__ == "__main__":
    main()
