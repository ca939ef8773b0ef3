"""Benchmark of the composition engine: synthetic graphs, an owlrl baseline, the shipped data.

Run: ``PYTHONPATH=server .venv/bin/python bench/reason.py [--scales small,medium,large]``

Each measurement runs in a child process so its peak memory (ru_maxrss growth while the engine
runs) is its own. Synthetic graphs: F frameworks of N controls, each control the subject of K
mappings to random controls of other frameworks; relations drawn mostly intersects-with, like
published data (80% intersects-with, 7% subset-of, 7% superset-of, 3% equal, 3% not-related).
Random relations are not consistent with any world, so conflicts are expected there: the point is
cost, not findings.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

from controlgraph.reasoning.class_graph import AssertedMapping
from controlgraph.vocabulary import Relation

REPO = Path(__file__).resolve().parent.parent
SCALES = {  # frameworks, controls per framework, mappings per control (as subject)
    "dense": (10, 200, 10),  # 2,000 controls with 20,000 mappings: every pair is two hops apart
    "medium": (10, 1000, 10),  # 10,000 controls, 100,000 mappings
    "large": (50, 1000, 10),  # 50,000 controls, 500,000 mappings
}
TIMEOUT = 900
WEIGHTS = [
    (Relation.INTERSECTS_WITH, 80),
    (Relation.SUBSET_OF, 7),
    (Relation.SUPERSET_OF, 7),
    (Relation.EQUAL, 3),
    (Relation.NOT_RELATED, 3),
]


def synthetic(frameworks: int, controls: int, per_control: int, seed: int = 7) -> list[AssertedMapping]:
    rng = random.Random(seed)
    relations = [r for r, _ in WEIGHTS]
    weights = [w for _, w in WEIGHTS]
    edges: list[AssertedMapping] = []
    for f in range(frameworks):
        for c in range(controls):
            drawn = rng.choices(relations, weights, k=per_control)
            for rel in drawn:
                g = rng.randrange(frameworks - 1)
                g += g >= f
                target = f"f{g}:{rng.randrange(controls)}"
                edges.append(
                    AssertedMapping(
                        f"m{len(edges)}",
                        f"f{f}:{c}",
                        rel,
                        target,
                        strength=rng.randint(3, 10),
                        publisher=f"p{rng.randrange(5)}",
                    )
                )
    return edges


def framework(control: str) -> str:
    return control.split(":", 1)[0]


def shipped() -> list[AssertedMapping]:
    from controlgraph.data.datasets import data_root, shipped_datasets
    from controlgraph.data.loader import load_files
    from controlgraph.reasoning.inputs import asserted_mappings

    loaded = load_files(shipped_datasets(data_root()))
    return asserted_mappings(t for d in loaded.datasets for t in d.triples)


def measure_engine(kind: str, hops: int, shared: bool) -> dict[str, object]:
    from controlgraph.reasoning.composition import compose_mappings

    if kind == "shipped":
        edges, fw = shipped(), None
    elif kind == "owl-sample":
        edges, fw = owl_sample(), framework
    else:
        edges, fw = synthetic(*SCALES[kind]), framework
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    cpu = time.process_time()  # the machines are shared: wall time alone says little
    # Synthetic graphs keep the 10 best candidates per control: listing every pair two hops apart
    # in a dense random graph is neither useful nor affordable.
    cap = None if kind in ("shipped", "owl-sample") else 10
    result = compose_mappings(
        edges, fw, max_hops=hops, shared_neighbour_candidates=shared, max_candidates_per_control=cap
    )
    seconds = time.perf_counter() - start
    cpu_seconds = time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "edges": len(edges),
        "seconds": round(seconds, 3),
        "cpu_seconds": round(cpu_seconds, 3),
        "peak_mb": round((peak - before) / 1024, 1),
        **result.stats,
    }


def owl_sample() -> list[AssertedMapping]:
    """2,000 mappings among 1,000 controls of 5 frameworks, same relation mix as the synthetic graphs."""
    return synthetic(5, 200, 2, seed=11)


def measure_owlrl() -> dict[str, object]:
    import owlrl
    import rdflib

    from controlgraph.reasoning.axioms import relation_closure

    edges = owl_sample()
    graph = rdflib.Graph()
    graph.parse(REPO / "ontology" / "controlgraph.ttl", format="turtle")
    base = "https://example.org/control/"
    for e in edges:
        graph.add((rdflib.URIRef(base + e.subject), rdflib.URIRef(e.relation.iri), rdflib.URIRef(base + e.object)))
    triples = len(graph)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(graph)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    closure = relation_closure((e.subject, e.relation, e.object) for e in edges)
    closure_seconds = time.perf_counter() - start
    return {
        "edges": len(edges),
        "triples_in": triples,
        "triples_out": len(graph),
        "seconds": round(seconds, 3),
        "peak_mb": round((peak - before) / 1024, 1),
        "relation_closure_seconds": round(closure_seconds, 4),
        "relation_closure_edges": len(closure),
    }


def child(args: list[str]) -> dict[str, object]:
    try:
        out = subprocess.run(
            [sys.executable, __file__, "--child", *args],
            capture_output=True,
            text=True,
            check=True,
            cwd=REPO,
            timeout=TIMEOUT,
        )
    except subprocess.TimeoutExpired:
        return {"timeout_seconds": TIMEOUT}
    parsed: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    return parsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="dense,medium,large")
    parser.add_argument("--hops", default="2,3", help="hop bounds to run on the synthetic graphs")
    parser.add_argument("--shared", default="0,1", help="shared-neighbour candidates off (0) and/or on (1)")
    parser.add_argument("--skip-baseline", action="store_true", help="skip owlrl and the shipped data")
    parser.add_argument("--child", nargs="+")
    args = parser.parse_args()
    if args.child:
        if args.child[0] == "owlrl":
            print(json.dumps(measure_owlrl()))
        else:
            kind, hops, shared = args.child
            print(json.dumps(measure_engine(kind, int(hops), shared == "1")))
        return

    def show(label: str, row: dict[str, object]) -> None:
        print(f"{label:44s} " + " ".join(f"{k}={v}" for k, v in row.items()), flush=True)

    if not args.skip_baseline:
        owl = child(["owlrl"])
        show("owlrl OWL-RL closure, owl sample", owl)
        for hops in (2, 3):
            row = child(["owl-sample", str(hops), "1"])
            show(f"engine hops={hops}, owl sample", row)
            ratio = float(str(owl["seconds"])) / float(str(row["seconds"]))
            print(f"{'':44s} owlrl/engine time ratio: {ratio:.0f}x")
        for hops in (2, 3):
            show(f"engine hops={hops}, shipped data", child(["shipped", str(hops), "1"]))
    for scale in args.scales.split(","):
        for hops in args.hops.split(","):
            for shared in args.shared.split(","):
                label = f"engine hops={hops}, {scale} {SCALES[scale]}, shared-nbr={shared}"
                show(label, child([scale, hops, shared]))


if __name__ == "__main__":
    main()
