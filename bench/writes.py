#!/usr/bin/env python3
"""Time tenant writes (create, update, retract of a custom mapping) with nothing else running.

    .venv/bin/python bench/writes.py --store BUILT_STORE [--cycles 40] [--baseline-tree /path/to/other/checkout]

Each cycle creates a custom mapping between two random controls, updates it and retracts it, as the
GraphQL mutations do (``service/custom_mappings.py``), on a private copy of the store, in one process.
Prints p50/p99 per operation. With ``--baseline-tree`` the same cycles (same seed) run first with that
tree's ``server/`` on the import path, in a child process, and the ratios baseline/this tree are printed:
both measured in one run on the same machine.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def measure(store_path: Path, cycles: int, seed: int, history: int) -> dict[str, list[float]]:
    from controlgraph.service.custom_mappings import (
        MappingDraft,
        MappingPatch,
        create_mapping,
        retract_mapping,
        update_mapping,
    )
    from controlgraph.store.embedded import EmbeddedStore
    from controlgraph.vocabulary import Relation

    rng = random.Random(seed)
    with tempfile.TemporaryDirectory(prefix="bench-writes-") as folder:
        copy = Path(folder) / "store"
        shutil.copytree(store_path, copy)
        store = EmbeddedStore(copy)
        rows = store.query("PREFIX cg: <https://w3id.org/controlgraph/ontology#> "  # type: ignore[union-attr]
                           "SELECT ?c WHERE { ?c a cg:Control }")
        controls = sorted(r[0].value for r in rows)
        times: dict[str, list[float]] = {"create": [], "update": [], "retract": []}
        used: set[tuple[str, str]] = set()

        def pair() -> tuple[str, str]:
            while True:
                a, b = rng.sample(controls, 2)
                if (a, b) not in used:
                    used.add((a, b))
                    return a, b

        for _ in range(history):  # a tenant with some mappings and audit history already
            a, b = pair()
            create_mapping(store, "bench", MappingDraft(a, b, Relation.INTERSECTS_WITH))
        for _ in range(cycles):
            a, b = pair()
            clock = time.perf_counter()
            outcome = create_mapping(store, "bench", MappingDraft(a, b, Relation.SUBSET_OF, strength=5))
            times["create"].append(time.perf_counter() - clock)
            clock = time.perf_counter()
            update_mapping(store, "bench", outcome.node, MappingPatch(relation=Relation.INTERSECTS_WITH, strength=7))
            times["update"].append(time.perf_counter() - clock)
            clock = time.perf_counter()
            retract_mapping(store, "bench", outcome.node)
            times["retract"].append(time.perf_counter() - clock)
        store.close()
    return times


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", type=Path, required=True, help="a built on-disk store (copied, not changed)")
    parser.add_argument("--cycles", type=int, default=40)
    parser.add_argument("--history", type=int, default=20, help="mappings the tenant has before the timed cycles")
    parser.add_argument("--seed", type=int, default=20)
    parser.add_argument("--baseline-tree", type=Path, help="another checkout to measure first, for ratios")
    parser.add_argument("--json-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.json_only:
        print(json.dumps(measure(args.store, args.cycles, args.seed, args.history)))
        return
    runs: dict[str, dict[str, list[float]]] = {}
    trees = ([("baseline", args.baseline_tree)] if args.baseline_tree else []) + [
        ("this tree", Path(__file__).resolve().parent.parent)]
    for name, tree in trees:
        env = dict(os.environ, PYTHONPATH=str(tree / "server"))
        command = [sys.executable, __file__, "--json-only", "--store", str(args.store), "--cycles", str(args.cycles),
                   "--history", str(args.history), "--seed", str(args.seed)]
        out = subprocess.run(command, env=env, check=True, capture_output=True, text=True).stdout
        runs[name] = json.loads(out.strip().splitlines()[-1])
    print(f"{args.cycles} create/update/retract cycles after {args.history} mappings of history, seed {args.seed}")
    print(f"{'operation':<10}" + "".join(f"{name + ' p50':>16}{name + ' p99':>16}" for name in runs)
          + ("   ratio p50 / p99" if len(runs) == 2 else ""))
    for op in ("create", "update", "retract"):
        line = f"{op:<10}"
        for times in runs.values():
            line += f"{statistics.median(times[op]) * 1000:>13.1f} ms{_percentile(times[op], 0.99) * 1000:>13.1f} ms"
        if len(runs) == 2:
            base, new = runs["baseline"][op], runs["this tree"][op]
            line += (f"   {statistics.median(base) / statistics.median(new):.1f}x / "
                     f"{_percentile(base, 0.99) / _percentile(new, 0.99):.1f}x")
        print(line)


if __name__ == "__main__":
    main()
