#!/usr/bin/env python3
"""Check that two source trees build the same graph from the shipped data.

    .venv/bin/python bench/same_build.py --before /work/main [--after .]

Builds the shipped data into an in-memory store once with each tree's code (each in its own process,
the tree's ``server`` first on the path), dumps every stored quad and compares them: the inferred
relations, the candidates with their probabilities, the findings, the build graph's counts and the
probability model's weights. Allowed to differ: the build's timestamps, blank node labels (compared as
multisets with the labels blanked), the reasoning-input hash and the model's ``inputs_digest`` (both
hash the engine's own source files). Numbers are compared to 1e-9, the model's to 1e-12 (and said
whether bit for bit). Prints each tree's CPU seconds
and phase times; exits 1 when the graphs differ.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pyoxigraph as ox

_DUMP = """
import sys, time
from controlgraph.pipeline.build import build
from controlgraph.settings import Settings
from controlgraph.store.embedded import EmbeddedStore
store = EmbeddedStore(None)
started = time.process_time()
result = build(Settings.from_env({}, store="memory"), store)
cpu = time.process_time() - started
with open(sys.argv[1], "w") as out:
    out.write("\\n".join(sorted(str(q) + " ." for q in store._store)) + "\\n")
print(f"{cpu:.2f} s CPU; phases (wall) " + ", ".join(f"{k} {v:.2f}" for k, v in result.seconds.items()))
"""
_NUMERIC = {"http://www.w3.org/2001/XMLSchema#" + t for t in ("decimal", "double", "float")}
_TIMESTAMPS = {"http://purl.org/dc/terms/created", "http://purl.org/dc/terms/issued"}
Key = tuple[str, str, str]


def dump(tree: Path, out: Path) -> str:
    env = {**os.environ, "PYTHONPATH": str(tree / "server")}
    done = subprocess.run([sys.executable, "-c", _DUMP, str(out)], env=env, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def _rounded(value: object) -> object:
    """Floats to 12 decimals, inside lists and dictionaries too."""
    if isinstance(value, float):
        return round(value, 12)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return value


def comparable(path: Path) -> dict[Key, list[object]]:
    out: dict[Key, list[object]] = {}
    for q in ox.parse(path=str(path), format=ox.RdfFormat.N_QUADS):
        p, o = q.predicate.value, q.object
        if p in _TIMESTAMPS:
            continue
        subject = "_:" if isinstance(q.subject, ox.BlankNode) else str(q.subject)
        value: object
        if isinstance(o, ox.BlankNode):
            value = "_:"
        elif isinstance(o, ox.Literal) and o.datatype.value in _NUMERIC:
            value = round(float(o.value), 9)
        elif p.endswith("#probabilityModel"):
            model = json.loads(o.value)
            model.pop("inputs_digest", None)
            exact = json.dumps(model, sort_keys=True)
            value = json.dumps(_rounded(model), sort_keys=True)
            out[("(model, bit for bit)", p, "")] = [exact]
        elif p.endswith("#reasoningInput"):
            value = "(hash of the inputs and the engine's code)"
        else:
            value = str(o)
        out.setdefault((subject, p, str(q.graph_name)), []).append(value)
    return {k: sorted(v, key=repr) for k, v in out.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", type=Path, required=True, help="the reference tree (e.g. /work/main)")
    parser.add_argument("--after", type=Path, default=Path(__file__).resolve().parent.parent)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        graphs = []
        for label, tree in (("before", args.before), ("after", args.after)):
            print(f"{label} ({tree}): {dump(tree.resolve(), Path(tmp) / label)}")
            graphs.append(comparable(Path(tmp) / label))
    before, after = graphs
    exact = next(k for k in before if k[0] == "(model, bit for bit)")
    print("probability model, bit for bit:", "same" if before.pop(exact) == after.pop(exact) else
          "weights differ past the 12th decimal (floating-point summation order, e.g. OpenBLAS threads)")
    differing = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
    print(f"{sum(map(len, before.values()))} and {sum(map(len, after.values()))} quads; "
          f"{len(differing)} (subject, predicate, graph) differ")
    for key in differing[:20]:
        print(" ", key, "\n    before:", str(before.get(key))[:400], "\n    after: ", str(after.get(key))[:400])
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
