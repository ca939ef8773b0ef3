#!/usr/bin/env python3
"""Time each build phase on the shipped data, next to owlrl's full OWL-RL closure of the same graph.

    .venv/bin/python bench/build.py [--repeat 3] [--skip-owlrl]

Prints seconds per phase (best of --repeat runs into an in-memory store, and one on-disk run) of a
fresh build (an empty store: everything is validated and reasoned) and of a rebuild into the store just
built with the shipped datasets unchanged (validation skipped by content hash, pipeline/build_validation.py;
the stored inferred graphs kept, pipeline/build_reuse.py), then, in the same run, the validation of the
shipped data by pyshacl alone (what the validate phase ran before data/shape_check.py) against the
validate phase's path (the fast check, pyshacl only when it doubts), then owlrl's closure of the
same data (ontology + catalogs + mapping nodes + direct triples) and
the ratio of owlrl to the build's reason phase. Absolute times on shared machines are noisy; the
ratios measured in one run are the figures to compare.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import owlrl

from controlgraph.data.datasets import data_root, shipped_datasets
from controlgraph.data.interop import rdflib_graph
from controlgraph.data.loader import load_files
from controlgraph.data.pyshacl_report import validate_with_pyshacl
from controlgraph.data.validation import validate_triples
from controlgraph.pipeline.build import PHASES, build
from controlgraph.reasoning.materialise import asserted_edges, direct_triples
from controlgraph.settings import Settings
from controlgraph.store.embedded import EmbeddedStore


def time_builds(repeat: int) -> tuple[dict[str, float], dict[str, float]]:
    """Best seconds per phase of a fresh build and of a rebuild with unchanged shipped datasets."""
    fresh: dict[str, float] = {}
    again: dict[str, float] = {}
    for _ in range(repeat):
        store = EmbeddedStore(None)
        first = build(Settings.from_env({}, store="memory"), store)
        second = build(Settings.from_env({}, store="memory"), store)
        assert first.validation == "full" and second.validation == "unchanged", (first.validation, second.validation)
        assert (first.reasoning, second.reasoning) == ("computed", "kept"), (first.reasoning, second.reasoning)
        for best, result in ((fresh, first), (again, second)):
            for phase, seconds in result.seconds.items():
                best[phase] = min(best.get(phase, seconds), seconds)
    return fresh, again


def time_disk_build() -> tuple[dict[str, float], int]:
    with tempfile.TemporaryDirectory() as tmp:
        store = EmbeddedStore(Path(tmp) / "store")
        result = build(Settings.from_env({}, store=str(Path(tmp) / "store")), store)
        return result.seconds, result.triples


def time_validation() -> tuple[float, float]:
    """Seconds of a full validation of the shipped data: pyshacl alone, and validate_triples (fast check first)."""
    loaded = load_files(shipped_datasets(data_root()))
    shapes = [t for d in loaded.by_role("shapes") for t in d.triples]
    data = [t for d in loaded.datasets if d.source.role != "shapes" for t in d.triples]
    started = time.perf_counter()
    slow = validate_with_pyshacl(data, shapes)
    pyshacl_seconds = time.perf_counter() - started
    started = time.perf_counter()
    fast = validate_triples(data, shapes)
    assert fast == slow, "the two validations disagree"
    return pyshacl_seconds, time.perf_counter() - started


def time_owlrl() -> tuple[float, int, int]:
    loaded = load_files(f for f in shipped_datasets(data_root()) if f.role != "shapes")
    triples = [t for d in loaded.datasets for t in d.triples]
    triples += direct_triples([e for d in loaded.datasets for e in asserted_edges(d.triples)])
    graph = rdflib_graph(triples)
    before = len(graph)
    started = time.perf_counter()
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(graph)
    return time.perf_counter() - started, before, len(graph)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-owlrl", action="store_true")
    args = parser.parse_args()

    memory, rebuild = time_builds(args.repeat)
    disk, triples = time_disk_build()
    print(f"shipped graph: {triples:,} triples after the build")
    print(f"{'phase':<10}{'fresh, memory':>16}{'rebuild, memory':>18}{'fresh, disk':>14}   (best of {args.repeat})")
    for phase in PHASES:
        print(f"{phase:<10}{memory[phase]:>15.3f}s{rebuild[phase]:>17.3f}s{disk[phase]:>13.3f}s")
    fresh_total, rebuild_total = sum(memory.values()), sum(rebuild.values())
    print(f"{'total':<10}{fresh_total:>15.3f}s{rebuild_total:>17.3f}s{sum(disk.values()):>13.3f}s")
    print(f"rebuild / fresh build: {rebuild_total / fresh_total:.3f} ({fresh_total / rebuild_total:.0f}x faster)")
    slow, fast = time_validation()
    print(f"full validation of the shipped data: pyshacl alone {slow:.2f}s, fast check first {fast:.2f}s "
          f"({slow / fast:.1f}x), same report")
    if args.skip_owlrl:
        return
    seconds, before, after = time_owlrl()
    print(f"owlrl OWL-RL closure of the same data: {seconds:.2f}s ({before:,} -> {after:,} triples)")
    print(f"ratio owlrl / build reason phase: {seconds / memory['reason']:.0f}x")
    print(f"ratio owlrl / whole fresh build: {seconds / fresh_total:.1f}x")
    print(f"ratio owlrl / whole rebuild: {seconds / rebuild_total:.1f}x")


if __name__ == "__main__":
    main()
