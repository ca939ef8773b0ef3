#!/usr/bin/env python3
"""SHACL validation of an import: the whole graph against only what the import can affect, in one run.

    .venv/bin/python bench/validation.py [--rows 2] [--repeat 3]

Builds the shipped graph in memory, writes an SSSOM/TSV file of the first --rows mappings of the
OLIR CSF 2.0 -> ISO 27001 set under a new mapping set id, and validates its commit both ways with
the same inputs: a full validation of the graph (what every import did before) and
``validate_change`` (the focus nodes the new graph can affect, pipeline/imports.py today). Prints
the best of --repeat for each, checks both report the same violations, then times the whole import.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from controlgraph.data.datasets import SHAPES_GRAPH
from controlgraph.data.validation import validate_change, validate_triples
from controlgraph.pipeline.build import build
from controlgraph.pipeline.imports import _without_relation_triples
from controlgraph.reasoning.inputs import NOT_SHARED
from controlgraph.settings import Settings
from controlgraph.sssom_tsv import import_sssom, read_sssom, write_sssom
from controlgraph.sssom_tsv.importing import control_iris
from controlgraph.store.embedded import EmbeddedStore

SET = "nist-csf-2.0--iso27001-2022--olir"


def small_sssom(store: EmbeddedStore, rows: int, folder: Path) -> Path:
    lines = write_sssom(store, SET).splitlines()
    header = [line for line in lines if line.startswith("#")]
    table = [line for line in lines if not line.startswith("#")]
    header = [line.replace(SET, "bench-small-import") if "mapping_set_id" in line else line for line in header]
    path = folder / "small.sssom.tsv"
    path.write_text("\n".join([*header, *table[: rows + 1]]) + "\n", encoding="utf-8")
    return path


def best(repeat: int, run: object) -> tuple[float, object]:
    times, value = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        value = run()  # type: ignore[operator]
        times.append(time.perf_counter() - started)
    return min(times), value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    store = EmbeddedStore(None)
    started = time.perf_counter()
    build(Settings.from_env({}, store="memory"), store)
    print(f"build (in memory): {time.perf_counter() - started:.2f}s, {store.quad_count():,} quads")

    with tempfile.TemporaryDirectory() as tmp:
        path = small_sssom(store, args.rows, Path(tmp))
        dataset = read_sssom(path, known_controls=control_iris(store))
        new = _without_relation_triples(dataset.triples)
        context = [t for g in store.graph_names() if g != SHAPES_GRAPH and not g.startswith(NOT_SHARED)
                   for t in _without_relation_triples(store.graph_triples(g))]
        shapes = store.graph_triples(SHAPES_GRAPH)
        data = [*context, *new]
        full_s, full = best(args.repeat, lambda: validate_triples(data, shapes))
        scoped_s, scoped = best(args.repeat, lambda: validate_change(data, shapes, new))
        assert full.violations == scoped.violations, "scoped and full validation disagree"  # type: ignore[attr-defined]
        print(f"import of {args.rows} SSSOM rows ({len(new)} triples) into a graph of {len(context):,} triples")
        print(f"  full validation     {full_s:8.3f}s (best of {args.repeat})")
        print(f"  validate_change     {scoped_s:8.3f}s (best of {args.repeat})")
        print(f"  ratio               {full_s / scoped_s:8.1f}x, same violations "
              f"({len(full.violations)})")  # type: ignore[attr-defined]
        started = time.perf_counter()
        import_sssom(store, path)
        print(f"  whole import (read, validate, reason, write): {time.perf_counter() - started:.2f}s")


if __name__ == "__main__":
    main()
