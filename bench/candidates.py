#!/usr/bin/env python3
"""Reading stored candidates: every candidate (crosswalk and coverage between frameworks) and the
candidates of single controls (satisfiers, a control's page), on a built on-disk store.

    PYTHONPATH=server .venv/bin/python bench/candidates.py --store BUILT_STORE [--before OTHER_TREE] [--repeat 5]

Each figure is the median of ``--repeat`` reads with the store's read cache cleared before each (the
first read after a start or a write). With ``--before``, the same reads run in a child process with
another checkout's ``server/`` first on PYTHONPATH, on the same store, and the ratios are printed; the
two trees' answers are compared too (every candidate as JSON).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

CONTROLS = ("iso27001-2022/A.5.15", "nist-csf-2.0/PR.AA-01", "csa-ccm-4/IAM-01", "iso27002-2013/12.3.1",
            "gdpr/Art.32", "iso27017-2015/9.1.1")
CONTROL_IRI = "https://w3id.org/controlgraph/id/control/"


def measure(store_path: Path, repeat: int) -> dict[str, Any]:
    from controlgraph.analysis.candidate_links import all_candidates, candidates_of
    from controlgraph.store.embedded import EmbeddedStore

    store = EmbeddedStore(store_path, read_only=True)
    every, single = [], []
    answers: list[Any] = [[], []]
    for _ in range(repeat):
        store.read_cache.clear()
        started = time.perf_counter()
        found = all_candidates(store)
        every.append(time.perf_counter() - started)
        started = time.perf_counter()
        per_control = [candidates_of(store, CONTROL_IRI + c) for c in CONTROLS]
        single.append((time.perf_counter() - started) / len(CONTROLS))
        answers = [sorted(json.dumps(c.to_json(), sort_keys=True) for c in found),
                   [[json.dumps(c.to_json(), sort_keys=True) for c in cs] for cs in per_control]]
    return {"all": statistics.median(every), "one": statistics.median(single), "count": len(answers[0]),
            "digest": hashlib.sha256(json.dumps(answers).encode()).hexdigest()[:16]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", type=Path, required=True)
    parser.add_argument("--before", type=Path)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)  # the child's output
    args = parser.parse_args()
    figures = measure(args.store, args.repeat)
    if args.json:
        print(json.dumps(figures))
        return
    rows = {"this tree": figures}
    if args.before:
        done = subprocess.run([sys.executable, __file__, "--store", str(args.store), "--repeat", str(args.repeat),
                               "--json"], env={**os.environ, "PYTHONPATH": str(args.before.resolve() / "server")},
                              capture_output=True, text=True, check=True)
        rows["before"] = json.loads(done.stdout)
    print(f"{'tree':10} {'every candidate s':>18} {'one control s':>14} {'candidates':>10}  answers")
    for name, row in rows.items():
        print(f"{name:10} {row['all']:18.3f} {row['one']:14.4f} {row['count']:10}  {row['digest']}")
    if args.before:
        now, then = rows["this tree"], rows["before"]
        print(f"every candidate {now['all'] / then['all']:.2f}x, one control {now['one'] / then['one']:.2f}x of the "
              "other tree's; "
              f"answers {'the same' if now['digest'] == then['digest'] else 'DIFFERENT'}")


if __name__ == "__main__":
    main()
