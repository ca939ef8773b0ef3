#!/usr/bin/env python3
"""Server start: seconds until `controlgraph serve` answers, and the CPU it and its query workers spend.

    PYTHONPATH=server .venv/bin/python bench/server_start.py --store BUILT_STORE [--before OTHER_TREE] [--repeat 3]

For each tree (this one, and with ``--before`` another checkout, its ``server/`` first on PYTHONPATH),
``--repeat`` times: a fresh copy of the built store, served twice in a row (a first start, then a
restart on the same data). Each start (``serverproc.ServerProcess``) waits for ``/healthz``, then for one
SPARQL answer (the query workers have their copy of the shared graphs by then), lets it idle 3 s and stops
it with SIGTERM.
Prints the median ready time and CPU (the server and its workers: user + system of the waited-for
process group) of first starts and of restarts, per tree, and the ratio of this tree's to the other's.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from serverproc import ServerProcess, free_port  # noqa: E402


def start_once(tree: Path, store: Path, log: Path) -> tuple[float, float]:
    """Ready seconds (the first SPARQL answer) and CPU seconds of one start of ``tree``'s server on ``store``."""
    server = ServerProcess(store, port=free_port(), api_keys="", log=log,
                           extra_env={"PYTHONPATH": str(tree / "server")})
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    server.start()
    # The query workers answer once they hold their copy of the shared graphs.
    while httpx.get(f"{server.base}/sparql", params={"query": "ASK { ?s ?p ?o }"}, timeout=60).status_code != 200:
        time.sleep(0.05)
    ready = time.perf_counter() - started
    time.sleep(3)
    server.stop()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ready, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def measure(tree: Path, built: Path, work: Path, repeat: int) -> dict[str, tuple[float, float]]:
    first: list[tuple[float, float]] = []
    again: list[tuple[float, float]] = []
    for i in range(repeat):
        store = work / f"{tree.name}-{i}"
        shutil.copytree(built, store)
        first.append(start_once(tree, store, work / "server.log"))
        again.append(start_once(tree, store, work / "server.log"))
        shutil.rmtree(store)
    return {name: (statistics.median(r for r, _ in runs), statistics.median(c for _, c in runs))
            for name, runs in (("first start", first), ("restart", again))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", type=Path, required=True, help="a built on-disk store (copied, never changed)")
    parser.add_argument("--before", type=Path, help="another checkout to compare with, measured in the same run")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    trees = [REPO] + ([args.before.resolve()] if args.before else [])
    with tempfile.TemporaryDirectory(prefix="controlgraph-start-") as tmp:
        figures = {tree: measure(tree, args.store, Path(tmp), args.repeat) for tree in trees}
    print(f"{'tree':40} {'start':12} {'ready s':>8} {'CPU s':>7}")
    for tree, rows in figures.items():
        for name, (ready, cpu) in rows.items():
            print(f"{tree!s:40} {name:12} {ready:8.2f} {cpu:7.2f}")
    if args.before:
        for name in ("first start", "restart"):
            (ready, cpu), (ready_b, cpu_b) = figures[REPO][name], figures[trees[1]][name]
            print(f"{name}: ready {ready / ready_b:.2f}x, CPU {cpu / cpu_b:.2f}x of the other tree's")


if __name__ == "__main__":
    main()
