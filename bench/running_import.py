#!/usr/bin/env python3
"""A small import into a running server: what its query workers spend to follow it, and how fast queries are then.

    PYTHONPATH=server .venv/bin/python bench/running_import.py --store BUILT_STORE [--before OTHER_TREE] [--repeat 3]

For each tree (this one, and with ``--before`` another checkout, its ``server/`` first on PYTHONPATH),
``--repeat`` times, on a fresh copy of the built store: start ``controlgraph serve`` (two query workers),
wait until they answer, then import a two-row SSSOM file through ``POST /admin/imports/sssom`` and at once
time a counting query over every shared triple (answered from a worker's in-memory copy when it is up to
date, else from the on-disk snapshot while the copy is taken again). After 4 s idle (a copy taken again
is complete by then), the CPU the query workers spent since the import (user + system from /proc) is read.

Prints the medians per tree and, with ``--before``, this tree's figures as ratios of the other's.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from imports import two_row_sssom  # noqa: E402
from serverproc import ServerProcess, children, free_port, hash_key  # noqa: E402

KEY = "bench-admin-key"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime


def once(tree: Path, store: Path, sssom: Path, log: Path) -> tuple[float, float, float]:
    """Seconds of the import request, of the counting query right after it, and the workers' CPU seconds."""
    server = ServerProcess(store, port=free_port(), api_keys="", log=log, extra_env={
        "PYTHONPATH": str(tree / "server"), "CONTROLGRAPH_ADMIN_KEYS": hash_key(KEY),
        "CONTROLGRAPH_SPARQL_TIMEOUT": "60"})
    server.start(timeout=180)
    try:
        with httpx.Client(base_url=server.base, timeout=120) as client:
            while client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"}).status_code != 200:
                time.sleep(0.05)
            time.sleep(2)
            workers = children(server.pid)
            before = sum(cpu_seconds(w) for w in workers)
            started = time.perf_counter()
            answer = client.post("/admin/imports/sssom", params={"filename": sssom.name}, content=sssom.read_bytes(),
                                 headers={"Authorization": f"Bearer {KEY}"})
            imported = time.perf_counter() - started
            assert answer.status_code == 200, answer.text
            started = time.perf_counter()
            assert client.get("/sparql", params={"query": COUNT}).status_code == 200
            counted = time.perf_counter() - started
            time.sleep(4)
            spent = sum(cpu_seconds(w) for w in workers) - before
    finally:
        server.stop()
    return imported, counted, spent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", type=Path, required=True, help="a built on-disk store (copied, never changed)")
    parser.add_argument("--before", type=Path, help="another checkout to compare with, measured in the same run")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    trees = [REPO] + ([args.before.resolve()] if args.before else [])
    figures: dict[Path, tuple[float, float, float]] = {}
    with tempfile.TemporaryDirectory(prefix="controlgraph-running-import-") as tmp:
        sssom = two_row_sssom(args.store, Path(tmp))
        runs: dict[Path, list[tuple[float, float, float]]] = {tree: [] for tree in trees}
        for i in range(args.repeat):
            for tree in trees:  # interleaved: both trees meet the same machine load
                store = Path(tmp) / f"store-{i}"
                shutil.copytree(args.store, store)
                runs[tree].append(once(tree, store, sssom, Path(tmp) / "server.log"))
                shutil.rmtree(store)
        for tree, measured in runs.items():
            figures[tree] = tuple(statistics.median(run[k] for run in measured) for k in range(3))  # type: ignore[assignment]
    print(f"{'tree':40} {'import s':>9} {'query after s':>14} {'workers CPU s':>14}")
    for tree, (imported, counted, spent) in figures.items():
        print(f"{tree!s:40} {imported:9.2f} {counted:14.3f} {spent:14.2f}")
    if args.before:
        (i, c, s), (ib, cb, sb) = figures[REPO], figures[trees[1]]
        print(f"import {i / ib:.2f}x, query after it {c / cb:.2f}x, workers' CPU {s / max(sb, 1e-9):.2f}x "
              "of the other tree's")


if __name__ == "__main__":
    main()
