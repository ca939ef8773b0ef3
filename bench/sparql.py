"""Saved queries through /sparql (pyoxigraph behind the endpoint) against rdflib's SPARQL engine, same data, same run.

    PYTHONPATH=server .venv/bin/python bench/sparql.py [--repeat 5] [--rdflib-timeout 120]

Builds the shipped graph into a temporary on-disk store, serves it in-process (FastAPI over ASGI,
queries answered by the worker processes), and runs every saved query with its default parameters
through ``/queries/{name}``. The same quads are loaded into an rdflib Dataset (default graph = union)
and the same queries run there with the same bindings. Prints load times, per-query medians and ratios.
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import tempfile
import time
import warnings
from multiprocessing.pool import Pool
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import rdflib

from controlgraph.pipeline.build import build
from controlgraph.service.saved_queries import bind_params, known_frameworks, shipped_queries
from controlgraph.settings import Settings
from controlgraph.store import open_store
from controlgraph.web.app import create_app

_dataset: rdflib.Dataset | None = None


def _rdflib_term(term: ox.NamedNode | ox.Literal) -> rdflib.term.Identifier:
    if isinstance(term, ox.NamedNode):
        return rdflib.URIRef(term.value)
    if term.language:
        return rdflib.Literal(term.value, lang=term.language)
    return rdflib.Literal(term.value, datatype=rdflib.URIRef(term.datatype.value))


def _load_rdflib(nquads: bytes) -> float:
    global _dataset
    started = time.perf_counter()
    _dataset = rdflib.Dataset(default_union=True)
    _dataset.parse(data=nquads, format="nquads")
    return time.perf_counter() - started


def _rdflib_query(sparql: str, bindings: dict[str, Any]) -> tuple[int, float]:
    assert _dataset is not None
    started = time.perf_counter()
    rows = len(list(_dataset.query(sparql, initBindings=bindings)))
    return rows, time.perf_counter() - started


def _rdflib_pool(nquads: bytes) -> tuple[Pool, float]:
    pool = multiprocessing.get_context("spawn").Pool(1)
    return pool, pool.apply(_load_rdflib, (nquads,))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per query through the endpoint (median shown)")
    parser.add_argument("--rdflib-timeout", type=float, default=120.0, help="seconds before an rdflib query is dropped")
    args = parser.parse_args()
    warnings.filterwarnings("ignore", category=DeprecationWarning)  # starlette's note about its test client
    from fastapi.testclient import TestClient

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings.from_env({}, store=str(Path(tmp) / "store"), sparql_timeout=120.0, sparql_row_cap=1_000_000)
        store = open_store(settings)
        build(settings, store)
        nquads = ox.serialize(
            [q for g in store.graph_names() for q in
             (ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(g)) for t in store.graph_triples(g))],
            format=ox.RdfFormat.N_QUADS,
        ) or b""
        started = time.perf_counter()
        scratch = ox.Store()
        scratch.load(nquads, format=ox.RdfFormat.N_QUADS)
        ox_load = time.perf_counter() - started
        pool, rdflib_load = _rdflib_pool(nquads)
        print(f"{len(scratch):,} quads; load: pyoxigraph {ox_load:.3f} s, rdflib {rdflib_load:.3f} s "
              f"(rdflib {rdflib_load / ox_load:.0f}x slower)")

        queries = shipped_queries(settings)
        frameworks = known_frameworks(store)
        print(f"\n{'saved query':<34}{'rows':>7}{'endpoint ms':>13}{'rdflib ms':>12}{'ratio':>8}")
        with TestClient(create_app(settings, store=store)) as client:
            for query in queries.values():
                defaults = {p.name: p.default for p in query.params if p.default is not None}
                for _ in range(2):  # warm the workers and the store's caches
                    client.get(f"/queries/{query.name}", params=defaults)
                timings = []
                for _ in range(args.repeat):
                    started = time.perf_counter()
                    response = client.get(f"/queries/{query.name}", params=defaults)
                    timings.append(time.perf_counter() - started)
                    response.raise_for_status()
                rows = len(response.json()["results"]["bindings"])
                endpoint = statistics.median(timings)
                bindings = {k: _rdflib_term(v) for k, v in bind_params(query, {}, frameworks).items()}
                try:
                    rdflib_rows, rdflib_seconds = pool.apply_async(_rdflib_query, (query.sparql, bindings)).get(
                        timeout=args.rdflib_timeout)
                    note = "" if rdflib_rows == rows else f"  (rdflib rows: {rdflib_rows})"
                    print(f"{query.name:<34}{rows:>7}{endpoint * 1000:>13.1f}{rdflib_seconds * 1000:>12.1f}"
                          f"{rdflib_seconds / endpoint:>7.1f}x{note}")
                except multiprocessing.TimeoutError:
                    dropped = f"> {args.rdflib_timeout:g} s"
                    print(f"{query.name:<34}{rows:>7}{endpoint * 1000:>13.1f}{dropped:>12}")
                    pool.terminate()
                    pool, _ = _rdflib_pool(nquads)
        pool.terminate()
        store.close()
    print("\nendpoint: HTTP in-process (ASGI), query in a worker process over the on-disk store, JSON results;\n"
          "rdflib: Dataset.query in one process over the same quads, results only iterated.")


if __name__ == "__main__":
    main()
