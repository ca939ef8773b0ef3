"""Saved queries and /sparql (pyoxigraph behind the endpoint) against rdflib's SPARQL engine, same data, same run.

    PYTHONPATH=server .venv/bin/python bench/sparql.py [--repeat 5] [--rdflib-timeout 60] [--settle 30]

Builds the shipped graph into a temporary on-disk store, adds one tenant graph (one mapping), serves it
in-process (FastAPI over ASGI, queries answered by the worker processes) and, in one run, prints:

- per saved query, with its default parameters, through ``/queries/{name}``: the rows, the median time
  for an anonymous caller and for the tenant (its own graph laid over the shared ones), rdflib's time
  over the same quads (an rdflib ``Dataset``, default graph = union) with the same bindings, and the
  ratio rdflib / endpoint (anonymous);
- the endpoint's fixed cost per query: ``ASK {}`` through ``/sparql``;
- a dump of every mapping node with its subject, relation, object and set (one join) through ``/sparql``,
  and the same query in rdflib.

``--settle`` seconds are left after the workers are ready, for them to take their in-memory copies of
the shared graphs (taken in the background when no graph is hidden; the store answers meanwhile).
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import tempfile
import time
import warnings
from collections.abc import Callable
from multiprocessing.pool import Pool
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import rdflib

from controlgraph.pipeline.build import build
from controlgraph.service.saved_queries import bind_params, known_frameworks, shipped_queries
from controlgraph.settings import Settings
from controlgraph.store import open_store
from controlgraph.store.tenancy import hash_key, tenant_graph
from controlgraph.vocabulary import CG, XSD
from controlgraph.web.app import create_app

_dataset: rdflib.Dataset | None = None
TENANT, KEY = "bench", "bench-tenant-key"
DUMP = (f"PREFIX cg: <{CG}> SELECT ?mapping ?subject ?relation ?object ?set WHERE {{ ?mapping a cg:Mapping ; "
        "cg:mappingSubject ?subject ; cg:relation ?relation ; cg:mappingObject ?object ; cg:inMappingSet ?set }")


def _rdflib_term(term: ox.NamedNode | ox.Literal) -> rdflib.term.Identifier:
    if isinstance(term, ox.NamedNode):
        return rdflib.URIRef(term.value)
    if term.language:
        return rdflib.Literal(term.value, lang=term.language)
    if term.datatype.value == XSD + "string":
        # A plain literal: rdflib keeps "x"^^xsd:string apart from the "x" the data holds (RDF 1.1 says they are
        # one term), so a typed binding matched nothing and rdflib answered by-responsibility with 0 rows.
        return rdflib.Literal(term.value)
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


def _median_ms(call: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    timings, last = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        last = call()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings) * 1000, last


def _tenant_mapping() -> list[ox.Triple]:
    m = ox.NamedNode(f"https://w3id.org/controlgraph/id/mapping/tenant-{TENANT}/bench-1")
    control = "https://w3id.org/controlgraph/id/control/"
    return [ox.Triple(m, ox.NamedNode(CG + p), o) for p, o in (
        ("mappingSubject", ox.NamedNode(control + "nist-csf-2.0/PR.AA-01")),
        ("mappingObject", ox.NamedNode(control + "iso27001-2022/A.8.24")),
        ("relation", ox.NamedNode(CG + "intersectsWith")),
        ("inMappingSet", ox.NamedNode(f"https://w3id.org/controlgraph/id/mapping-set/tenant-{TENANT}")))] + [
        ox.Triple(m, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), ox.NamedNode(CG + "Mapping"))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per query through the endpoint (median shown)")
    parser.add_argument("--rdflib-timeout", type=float, default=60.0, help="seconds before an rdflib query is dropped")
    parser.add_argument("--settle", type=float, default=30.0, help="seconds for the workers to take their copies")
    parser.add_argument("--skip-tenant", action="store_true", help="no tenant runs (they took minutes before #20)")
    args = parser.parse_args()
    warnings.filterwarnings("ignore", category=DeprecationWarning)  # starlette's note about its test client
    from fastapi.testclient import TestClient

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings.from_env({}, store=str(Path(tmp) / "store"), sparql_timeout=120.0,
                                     sparql_row_cap=1_000_000, sparql_per_caller=4,
                                     api_keys=f"{TENANT}:{hash_key(KEY)}")
        store = open_store(settings)
        build(settings, store)
        nquads = ox.serialize(
            [q for g in store.graph_names() for q in
             (ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(g)) for t in store.graph_triples(g))],
            format=ox.RdfFormat.N_QUADS,
        ) or b""
        store.replace_graphs({tenant_graph(TENANT): _tenant_mapping()})  # rdflib gets the shared graphs only
        started = time.perf_counter()
        scratch = ox.Store()
        scratch.load(nquads, format=ox.RdfFormat.N_QUADS)
        ox_load = time.perf_counter() - started
        pool, rdflib_load = _rdflib_pool(nquads)
        print(f"{len(scratch):,} quads; load: pyoxigraph {ox_load:.3f} s, rdflib {rdflib_load:.3f} s "
              f"(rdflib {rdflib_load / ox_load:.0f}x slower)")

        def rdflib_ms(sparql: str, bindings: dict[str, Any]) -> tuple[float | None, int | None]:
            nonlocal pool
            try:
                rows, seconds = pool.apply_async(_rdflib_query, (sparql, bindings)).get(timeout=args.rdflib_timeout)
                return seconds * 1000, rows
            except multiprocessing.TimeoutError:
                pool.terminate()
                pool, _ = _rdflib_pool(nquads)
                return None, None

        queries = shipped_queries(settings)
        frameworks = known_frameworks(store)
        tenant = {"Authorization": f"Bearer {KEY}"}
        dropped = f"> {args.rdflib_timeout:g} s"
        with TestClient(create_app(settings, store=store)) as client:
            assert client.app.state.query_runner.wait_ready(600)  # type: ignore[attr-defined]
            time.sleep(args.settle)
            print(f"\n{'saved query':<32}{'rows':>6}{'endpoint ms':>13}{'tenant ms':>11}{'rdflib ms':>11}"
                  f"{'ratio':>9}")
            for query in queries.values():
                defaults = {p.name: p.default for p in query.params if p.default is not None}

                def ask(headers: dict[str, str] | None = None, name: str = query.name,
                        params: dict[str, Any] = defaults) -> Any:
                    response = client.get(f"/queries/{name}", params=params, headers=headers or {})
                    response.raise_for_status()
                    return response
                for _ in range(2):  # warm the workers and the store's caches
                    ask()
                endpoint, response = _median_ms(ask, args.repeat)
                as_tenant = float("nan") if args.skip_tenant else _median_ms(lambda: ask(tenant), args.repeat)[0]
                rows = len(response.json()["results"]["bindings"])
                bindings = {k: _rdflib_term(v) for k, v in bind_params(query, {}, frameworks).items()}
                rdflib, rdflib_rows = rdflib_ms(query.sparql, bindings)
                if rdflib is None:
                    print(f"{query.name:<32}{rows:>6}{endpoint:>13.1f}{as_tenant:>11.1f}{dropped:>11}"
                          f"{'> ' + format(args.rdflib_timeout * 1000 / endpoint, '.0f') + 'x':>9}")
                    continue
                note = "" if rdflib_rows == rows else f"  (rdflib rows: {rdflib_rows})"
                print(f"{query.name:<32}{rows:>6}{endpoint:>13.1f}{as_tenant:>11.1f}{rdflib:>11.1f}"
                      f"{rdflib / endpoint:>8.1f}x{note}")

            def sparql(query: str, headers: dict[str, str] | None = None) -> Any:
                response = client.post("/sparql", content=query.encode(), headers={
                    "Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json",
                    **(headers or {})})
                response.raise_for_status()
                return response
            sparql("ASK {}")
            ask_ms, _ = _median_ms(lambda: sparql("ASK {}"), max(args.repeat, 20))
            ask_tenant_ms = float("nan") if args.skip_tenant else _median_ms(
                lambda: sparql("ASK {}", tenant), max(args.repeat, 20))[0]
            print(f"\nfixed cost per query, ASK {{}} through /sparql (median of {max(args.repeat, 20)}): "
                  f"{ask_ms:.1f} ms anonymous, {ask_tenant_ms:.1f} ms tenant")
            sparql(DUMP)
            dump_ms, dump = _median_ms(lambda: sparql(DUMP), args.repeat)
            dump_tenant_ms = float("nan") if args.skip_tenant else _median_ms(lambda: sparql(DUMP, tenant),
                                                                               args.repeat)[0]
            rdflib_dump, _ = rdflib_ms(DUMP, {})
            shown = dropped if rdflib_dump is None else f"{rdflib_dump:.1f} ms"
            print(f"dump of every mapping node (one join, {len(dump.json()['results']['bindings']):,} rows) through "
                  f"/sparql: {dump_ms:.1f} ms anonymous, {dump_tenant_ms:.1f} ms tenant; rdflib {shown}")
        pool.terminate()
        store.close()
    print("\nendpoint: HTTP in-process (ASGI), query in a worker process (in-memory copy of the shared graphs),\n"
          "JSON results; rdflib: Dataset.query in one process over the same quads, results only iterated.")


if __name__ == "__main__":
    main()
