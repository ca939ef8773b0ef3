"""Fuzz every importer with generated hostile inputs (tests/importer_inputs.py) and count what escapes.

For each importer (ccm, csf-xlsx, ciso-yaml, oscal-catalog, sssom) it writes N inputs, cycling through the
importer's strategies (bytes, structure, inject, alias, xml, files), reads each with the importer, and
counts: inputs, read, refused (a ControlGraphError with a one-line message), tracebacks (anything else:
must be 0), the slowest input (seconds; an input over --limit seconds is stopped and counted as a hang),
terms under the injection namespace in a dataset read (must be 0), and whether anything was written on
an error: the work folder must hold the same files after a refused input, and the store must be as it
was after every refused commit (a sample of the inputs that read: each is committed to an in-memory store
holding the shipped catalogs and shapes, then the store is compared quad for quad).

    PYTHONPATH=server .venv/bin/python bench/fuzz_importers.py [--inputs 10000] [--kinds ccm,sssom]
        [--commit-every 500] [--json out.json]

Needs the public reference files (../shared/reference or $CONTROLGRAPH_REFERENCE) for the seeds.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sys
import tempfile
import time
import traceback
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import FrameType

import pyoxigraph as ox

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "server"), str(REPO / "tests")]

from controlgraph.data.datasets import SHAPES_GRAPH  # noqa: E402
from controlgraph.errors import ControlGraphError  # noqa: E402
from controlgraph.importers import read_file  # noqa: E402
from controlgraph.pipeline.imports import commit_import  # noqa: E402
from controlgraph.store.embedded import EmbeddedStore  # noqa: E402
from importer_inputs import (  # noqa: E402
    STRATEGIES,
    Seeds,
    context_for,
    framework_context,
    injected_terms,
    options_for,
    write_input,
)


class Hang(Exception):
    pass


def _alarm(signum: int, frame: FrameType | None) -> None:
    raise Hang


@dataclass
class Figures:
    kind: str
    inputs: int = 0
    not_generated: int = 0
    read: int = 0
    refused: int = 0
    tracebacks: int = 0
    hangs: int = 0
    max_seconds: float = 0.0
    total_seconds: float = 0.0
    injected_terms: int = 0
    files_written_on_error: int = 0
    commits: int = 0
    commits_refused: int = 0
    store_changed_on_error: int = 0
    by_strategy: dict[str, int] = field(default_factory=dict)  # a Counter would not survive asdict
    first_tracebacks: list[str] = field(default_factory=list)


def _folder_state(root: Path, skip: Path) -> set[tuple[str, int]]:
    out = set()
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            if path == skip or skip in path.parents:
                continue
            out.add((str(path), path.lstat().st_size))
    return out


def _store_state(store: EmbeddedStore) -> frozenset[str]:
    return frozenset(str(q) for q in store.quads()) if hasattr(store, "quads") else frozenset(
        f"{g} {t}" for g in store.graph_names() for t in store.graph_triples(g))


def commit_store(mappings: Path, ontology: Path) -> tuple[EmbeddedStore, dict[str, list[ox.Triple]]]:
    graphs: dict[str, list[ox.Triple]] = {}
    for path in sorted((mappings / "frameworks").glob("*.ttl")):
        graphs[f"https://w3id.org/controlgraph/id/graph/{path.stem}"] = [
            ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)]
    shapes = sorted((ontology / "shapes").glob("*.ttl"))
    graphs[SHAPES_GRAPH] = [ox.Triple(q.subject, q.predicate, q.object) for p in shapes
                            for q in ox.parse(path=str(p), format=ox.RdfFormat.TURTLE)]
    store = EmbeddedStore(None)
    store.replace_everything(graphs)
    return store, graphs


def run(kind: str, count: int, seeds: Seeds, limit: float, commit_every: int, seed: int,
        store: EmbeddedStore, original: dict[str, list[ox.Triple]]) -> Figures:
    figures = Figures(kind)
    full = framework_context(REPO / "mappings")
    rng = random.Random(f"{seed}-{kind}")
    strategies = STRATEGIES[kind]
    baseline = _store_state(store)
    target = seeds.target(kind)
    attempt = 0
    while figures.inputs < count:
        strategy = strategies[attempt % len(strategies)]
        attempt += 1
        try:
            write_input(kind, strategy, seeds, rng)
        except (RecursionError, ValueError, OSError):  # the generator could not write this one: not an input
            figures.not_generated += 1
            continue
        context, options = context_for(kind, full, rng), options_for(kind, rng)
        skip = target if kind != "ccm" else seeds.root / "__none__"
        before = _folder_state(seeds.root, skip)
        generation = store.read_cache.generation
        figures.inputs += 1
        figures.by_strategy[strategy] = figures.by_strategy.get(strategy, 0) + 1
        started = time.perf_counter()
        signal.setitimer(signal.ITIMER_REAL, limit)
        dataset = None
        try:
            dataset = read_file(kind, target, context, options)
            figures.read += 1
        except ControlGraphError as exc:
            figures.refused += 1
            message = str(exc).strip()
            if not message or "\n" in message[:300]:
                figures.tracebacks += 1
                figures.first_tracebacks.append(f"{strategy}: message not one line: {message[:200]!r}")
        except Hang:
            figures.hangs += 1
        except BaseException as exc:
            if isinstance(exc, KeyboardInterrupt):
                raise
            figures.tracebacks += 1
            if len(figures.first_tracebacks) < 5:
                figures.first_tracebacks.append(f"{strategy}: " + "".join(traceback.format_exception(exc))[-1500:])
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        elapsed = time.perf_counter() - started
        figures.max_seconds = max(figures.max_seconds, elapsed)
        figures.total_seconds += elapsed
        if dataset is None:
            if _folder_state(seeds.root, skip) != before or store.read_cache.generation != generation:
                figures.files_written_on_error += 1
            continue
        figures.injected_terms += len(injected_terms(dataset.triples))
        if commit_every and figures.read % commit_every == 1:
            figures.commits += 1
            try:
                commit_import(store, dataset)
            except ControlGraphError:
                figures.commits_refused += 1
                if _store_state(store) != baseline:
                    figures.store_changed_on_error += 1
            except BaseException as exc:
                figures.tracebacks += 1
                figures.first_tracebacks.append("commit: " + "".join(traceback.format_exception(exc))[-1500:])
            store.replace_everything(original)
    if kind == "ccm":
        seeds.reset_ccm()
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--inputs", type=int, default=10_000, help="inputs per importer")
    parser.add_argument("--kinds", default=",".join(STRATEGIES), help="comma-separated importers")
    parser.add_argument("--limit", type=float, default=30.0, help="seconds an input may take before it is a hang")
    parser.add_argument("--commit-every", type=int, default=500, help="commit every Nth input that reads (0: none)")
    parser.add_argument("--seed", type=int, default=21)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    reference = Path(os.environ.get("CONTROLGRAPH_REFERENCE") or REPO.parent / "shared" / "reference")
    signal.signal(signal.SIGALRM, _alarm)
    store, original = commit_store(REPO / "mappings", REPO / "ontology")
    results = []
    with tempfile.TemporaryDirectory(prefix="cg-fuzz-") as tmp:
        seeds = Seeds.make(reference, Path(tmp))
        print(f"{'importer':<14} {'inputs':>7} {'read':>6} {'refused':>7} {'tracebacks':>10} {'hangs':>5} "
              f"{'max s':>6} {'mean ms':>7} {'injected':>8} {'written on error':>16} {'commits (refused)':>17}")
        for kind in args.kinds.split(","):
            f = run(kind, args.inputs, seeds, args.limit, args.commit_every, args.seed, store, original)
            results.append(f)
            print(f"{f.kind:<14} {f.inputs:>7} {f.read:>6} {f.refused:>7} {f.tracebacks:>10} {f.hangs:>5} "
                  f"{f.max_seconds:>6.2f} {1000 * f.total_seconds / max(f.inputs, 1):>7.1f} {f.injected_terms:>8} "
                  f"{f.files_written_on_error + f.store_changed_on_error:>16} "
                  f"{f.commits:>9} ({f.commits_refused})", flush=True)
            for text in f.first_tracebacks:
                print("   ", text.replace("\n", "\n    "))
    if args.json:
        args.json.write_text(json.dumps([asdict(f) for f in results], indent=1, default=str))
    bad = any(f.tracebacks or f.hangs or f.injected_terms or f.files_written_on_error or f.store_changed_on_error
              for f in results)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
