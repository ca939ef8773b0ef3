"""CPU time of every saved query in two folders of query files, on the same graph, with their rows compared.

    PYTHONPATH=server .venv/bin/python bench/saved_queries_cpu.py --store STORE --before /work/main/queries

Reads the built store's graphs into one in-memory pyoxigraph store (union default graph, as a query worker's
copy) and, per query and parameter set, runs the ``--before`` file and this tree's file the way the endpoint
binds them (:func:`~controlgraph.service.saved_queries.bound_text`): process time, median of ``--repeat``
runs each, and whether the rows are the same (in order, or as a multiset when only ties of the ORDER BY
differ). No HTTP and no worker: the query alone.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import pyoxigraph as ox

from controlgraph.service.saved_queries import SavedQuery, bind_params, bound_text, load_saved_queries
from controlgraph.settings import Settings
from controlgraph.store import open_store
from controlgraph.vocabulary import CG

# Parameter sets beyond each query's defaults, for the queries whose parameters change the plan.
EXTRA: dict[str, list[dict[str, str]]] = {
    "without-successor": [{"old": "nist-csf-1.1", "new": "nist-csf-2.0", "kind": "subcategory"},
                          {"old": "nist-csf-1.1", "new": "nist-csf-2.0", "kind": "category"}],
    "crosswalk": [{"framework": "gdpr", "other": "iso27002-2022"}],
    "coverage-by-framework": [{"target": "gdpr", "by": "iso27002-2022", "kind": "article"}],
    "edition-changes": [{"old": "nist-csf-1.1", "new": "nist-csf-2.0"}],
}
Row = tuple[str | None, ...]


def _run(store: ox.Store, query: SavedQuery, given: dict[str, str], frameworks: frozenset[str],
         repeat: int) -> tuple[list[Row], float]:
    text, subs = bound_text(query, bind_params(query, given, frameworks))
    substitutions = {ox.Variable(k): v for k, v in subs.items()} or None
    timings, rows = [], []
    for _ in range(repeat):
        started = time.process_time()
        result = store.query(text, use_default_graph_as_union=True, substitutions=substitutions)
        assert isinstance(result, ox.QuerySolutions)
        rows = [tuple(None if s[v] is None else str(s[v]) for v in result.variables) for s in result]
        timings.append(time.process_time() - started)
    return rows, statistics.median(timings) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", required=True, help="a built store (controlgraph build)")
    parser.add_argument("--before", required=True, type=Path, help="the other tree's queries/ folder")
    parser.add_argument("--after", type=Path, default=Path(__file__).resolve().parents[1] / "queries")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    source = open_store(Settings.from_env({}, store=args.store))
    store = ox.Store()
    for graph in source.graph_names():
        name = ox.NamedNode(graph)
        store.extend(ox.Quad(t.subject, t.predicate, t.object, name) for t in source.graph_triples(graph))
    source.close()
    slugs = store.query(f"SELECT ?slug WHERE {{ ?f a <{CG}Framework> ; <{CG}slug> ?slug }}",
                        use_default_graph_as_union=True)
    assert isinstance(slugs, ox.QuerySolutions)
    frameworks = frozenset(str(s["slug"].value) for s in slugs if s["slug"] is not None)
    before, after = load_saved_queries(args.before), load_saved_queries(args.after)
    print(f"{len(store):,} quads\n{'saved query':<32}{'parameters':<44}{'rows':>7}  {'same':<9}"
          f"{'before ms':>10}{'after ms':>10}")
    for name in sorted(set(before) & set(after)):
        for given in [{}, *EXTRA.get(name, [])]:
            old_rows, old_ms = _run(store, before[name], given, frameworks, args.repeat)
            new_rows, new_ms = _run(store, after[name], given, frameworks, args.repeat)
            same = "yes" if old_rows == new_rows else "as set" if sorted(map(str, old_rows)) == sorted(
                map(str, new_rows)) else "NO"
            shown = ", ".join(f"{k}={v}" for k, v in given.items()) or "(defaults)"
            print(f"{name:<32}{shown[:43]:<44}{len(new_rows):>7}  {same:<9}{old_ms:>10.1f}{new_ms:>10.1f}")


if __name__ == "__main__":
    main()
