"""Load run of the API on loopback: GraphQL `satisfiers` and `crosswalk` next to the plain JSON route.

Builds the shipped graph into a temporary on-disk store, starts a real uvicorn server (uvloop +
httptools, 2 worker processes by default, the store opened read-only by each), then drives it with
an asyncio httpx load generator: a bounded number of requests per scenario and a time cap. Prints
requests/s and p50/p99 latency per scenario, and GraphQL's overhead against the plain route.

    PYTHONPATH=server .venv/bin/python bench/api.py [--workers 2] [--requests 3000] [--concurrency 32]

The load generator runs on the same machine, so on 2 cores it takes CPU from the server: the
figures are a floor for the server, not its ceiling.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI

CONTROL = "iso27002-2013:12.3.1"
SATISFIERS = """query($of: ID!) { satisfiers(of: $of, first: 20) { ... on SatisfiersPayload { satisfiers {
  totalCount edges { node { control { id title } relation coverage inferred strength
  mappingSet { id authority publisher } } } } } ... on UserError { message } } }"""
CROSSWALK = """{ crosswalk(from: "nist-csf-1.1", to: "nist-csf-2.0", first: 20) { ... on CrosswalkPayload {
  rows { totalCount edges { node { source { id } target { control { id } relation } } } } } } }"""


def make_app() -> FastAPI:
    """The app a bench worker serves: the store named by CONTROLGRAPH_STORE, opened read-only."""
    from controlgraph.settings import Settings
    from controlgraph.store import open_store
    from controlgraph.web.app import create_app

    settings = Settings.from_env()
    return create_app(settings, open_store(settings, read_only=True))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _build(path: Path) -> None:
    from controlgraph.build import build
    from controlgraph.settings import Settings
    from controlgraph.store.embedded import EmbeddedStore

    store = EmbeddedStore(path)
    build(Settings.from_env({}, store=str(path)), store)
    store.close()


async def _drive(base: str, scenario: dict[str, Any], requests: int, concurrency: int, cap: float) -> dict[str, float]:
    latencies: list[float] = []
    failures = 0
    deadline = time.perf_counter() + cap
    remaining = requests
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:

        rotation = scenario.get("controls") or [CONTROL]
        sent = 0

        async def one() -> None:
            nonlocal failures, sent
            control = rotation[sent % len(rotation)]
            sent += 1
            started = time.perf_counter()
            if scenario["method"] == "GET":
                response = await client.get(scenario["path"].replace("{control}", control))
            else:
                body = json.loads(json.dumps(scenario["json"]).replace("{control}", control))
                response = await client.post(scenario["path"], json=body)
            latencies.append(time.perf_counter() - started)
            if response.status_code != 200 or b'"errors"' in response.content[:200]:
                failures += 1

        async def worker() -> None:
            nonlocal remaining
            while remaining > 0 and time.perf_counter() < deadline:
                remaining -= 1
                await one()

        for _ in range(min(50, requests)):  # warm up both workers' caches and connections
            await one()
        latencies.clear()
        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    ordered = sorted(latencies)
    return {
        "requests": len(ordered),
        "failures": failures,
        "rps": len(ordered) / elapsed if elapsed else 0.0,
        "p50_ms": 1000 * statistics.median(ordered),
        "p99_ms": 1000 * ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))],
    }


def _csf_items(store: Path) -> list[str]:
    from controlgraph.coverage import framework_items
    from controlgraph.store.embedded import EmbeddedStore

    opened = EmbeddedStore(store, read_only=True)
    items = [i.info.ref for i in framework_items(opened, "nist-csf-2.0").items]
    del opened
    return items


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--requests", type=int, default=3000, help="per scenario")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--cap", type=float, default=30.0, help="most seconds per scenario")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="controlgraph-bench-") as folder:
        store = Path(folder) / "store"
        started = time.perf_counter()
        _build(store)
        print(f"built {store} in {time.perf_counter() - started:.1f}s")
        port = _free_port()
        env = {**os.environ, "CONTROLGRAPH_STORE": str(store),
               "PYTHONPATH": os.pathsep.join([str(Path(__file__).resolve().parents[1] / "server"),
                                              os.environ.get("PYTHONPATH", "")])}
        server = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "api:make_app", "--factory", "--app-dir", str(Path(__file__).parent),
             "--host", "127.0.0.1", "--port", str(port), "--workers", str(args.workers), "--loop", "uvloop",
             "--http", "httptools", "--log-level", "warning", "--no-access-log"],
            env=env,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if server.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("the server did not start")
                time.sleep(0.2)
            # Same control every time (answers come from the read caches after the first), then all 134
            # CSF 2.0 items in turn (each worker computes each answer once, then serves it from cache).
            rotation = _csf_items(store)
            scenarios = {
                "rest satisfiers": {"method": "GET", "path": "/api/satisfiers/{control}"},
                "graphql satisfiers": {"method": "POST", "path": "/graphql",
                                       "json": {"query": SATISFIERS, "variables": {"of": "{control}"}}},
                "rest satisfiers x134": {"method": "GET", "path": "/api/satisfiers/{control}", "controls": rotation},
                "graphql satisfiers x134": {"method": "POST", "path": "/graphql", "controls": rotation,
                                            "json": {"query": SATISFIERS, "variables": {"of": "{control}"}}},
                "graphql crosswalk": {"method": "POST", "path": "/graphql", "json": {"query": CROSSWALK}},
            }
            print(f"{args.workers} worker(s), {args.concurrency} concurrent, up to {args.requests} requests "
                  f"or {args.cap:g}s per scenario, on {os.cpu_count()} cores")
            results = {}
            for name, scenario in scenarios.items():
                results[name] = asyncio.run(_drive(base, scenario, args.requests, args.concurrency, args.cap))
                r = results[name]
                print(f"  {name:<20} {r['rps']:8.0f} req/s   p50 {r['p50_ms']:6.1f} ms   p99 {r['p99_ms']:6.1f} ms"
                      f"   ({r['requests']:.0f} requests, {r['failures']:.0f} failed)")
            for suffix in ("", " x134"):
                overhead = results["rest satisfiers" + suffix]["rps"] / max(
                    results["graphql satisfiers" + suffix]["rps"], 1e-9)
                print(f"GraphQL satisfiers{suffix} takes {overhead:.2f}x the time of the plain JSON route per request")
        finally:
            server.terminate()
            server.wait(timeout=20)


if __name__ == "__main__":
    main()
