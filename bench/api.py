"""Load run of the API on loopback: GraphQL `satisfiers` and `crosswalk` next to the plain JSON route.

Builds the shipped graph into a temporary on-disk store, starts a real uvicorn server (uvloop +
httptools, 2 worker processes by default, the store opened read-only by each), then drives it for a
bounded time per scenario and prints requests/s and p50/p99 latency, and GraphQL's cost against the
plain route. Scenarios: one control asked again and again, and all CSF 2.0 items in turn; answers
after the first come from the store's read caches, which every write clears.

    PYTHONPATH=server .venv/bin/python bench/api.py [--workers 2] [--cap 15] [--concurrency 32] [--load auto]

The load generator is wrk when installed (`apt-get install wrk`; a C client, so it takes little of the
server's CPU), else an asyncio httpx client that competes with the server for the same cores (its
figures are then a floor). A response with GraphQL errors counts as failed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
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
    from controlgraph.pipeline.build import build
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


def _lua_string(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _wrk_script(scenario: dict[str, Any], folder: Path, name: str) -> Path:
    """A wrk Lua script sending the scenario's requests, cycling over its controls."""
    controls = scenario.get("controls") or [CONTROL]
    body = json.dumps(scenario.get("json", {}))
    lines = ["ids = {" + ",".join(_lua_string(c) for c in controls) + "}", "n = 0", "request = function()",
             "  n = n + 1", "  local id = ids[(n % #ids) + 1]"]
    if scenario["method"] == "GET":
        head, _, tail = scenario["path"].partition("{control}")
        lines.append(f"  return wrk.format('GET', {_lua_string(head)} .. id .. {_lua_string(tail)})")
    else:
        head, _, tail = body.partition("{control}")
        rest = f" .. id .. {_lua_string(tail)}" if "{control}" in body else ""
        lines.append(f"  return wrk.format('POST', {_lua_string(scenario['path'])}, "
                     f"{{['Content-Type'] = 'application/json'}}, {_lua_string(head)}{rest})")
    lines.append("end")
    # Count answers carrying GraphQL errors (sent with status 200, so wrk's own count misses them).
    lines += [
        "threads = {}", "setup = function(thread) table.insert(threads, thread) end",
        "init = function(args) errors = 0 end",
        "response = function(status, headers, body)",
        "  if string.find(body, '\"errors\"', 1, true) then errors = errors + 1 end", "end",
        "done = function(summary, latency, requests)", "  local total = 0",
        "  for _, t in ipairs(threads) do total = total + t:get('errors') end",
        "  io.write('Body errors: ' .. total .. '\\n')", "end",
    ]
    script = folder / f"{name.replace(' ', '_')}.lua"
    script.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return script


def _wrk(base: str, scenario: dict[str, Any], concurrency: int, seconds: float, folder: Path, name: str
         ) -> dict[str, float]:
    """Drive the server with wrk (a C load generator, so the client does not take the server's CPU)."""
    script = _wrk_script(scenario, folder, name)
    done = subprocess.run(["wrk", "-t2", f"-c{concurrency}", f"-d{max(1, int(seconds))}s", "--latency",
                           "-s", str(script), base], capture_output=True, text=True, check=True)
    out = done.stdout

    def millis(label: str) -> float:
        value = out.split(label, 1)[1].split()[0]
        number = float(value.rstrip("usm"))
        return number / 1000 if value.endswith("us") else number * 1000 if value.endswith("s") and not \
            value.endswith("ms") else number

    failures = float(out.split("Non-2xx or 3xx responses:", 1)[1].split()[0]) if "Non-2xx" in out else 0.0
    failures += float(out.split("Body errors:", 1)[1].split()[0])
    errors = sum(int(n) for n in out.split("Socket errors:", 1)[1].split("\n", 1)[0].replace(",", "").split()
                 if n.isdigit()) if "Socket errors:" in out else 0
    return {
        "requests": float(out.split(" requests in ", 1)[0].split()[-1]),
        "failures": failures + errors,
        "rps": float(out.split("Requests/sec:", 1)[1].split()[0]),
        "p50_ms": millis(" 50% "),
        "p99_ms": millis(" 99% "),
    }


def _csf_items(store: Path) -> list[str]:
    from controlgraph.analysis.coverage import framework_items
    from controlgraph.store.embedded import EmbeddedStore

    opened = EmbeddedStore(store, read_only=True)
    items = [i.info.ref for i in framework_items(opened, "nist-csf-2.0").items]
    del opened
    return items


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--load", choices=["auto", "wrk", "httpx"], default="auto",
                        help="load generator: wrk (Debian package; a C client) when installed, else Python httpx")
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
            print(f"{args.workers} worker(s), {args.concurrency} concurrent, {args.cap:g}s per scenario "
                  f"(httpx: at most {args.requests} requests), on {os.cpu_count()} cores")
            use_wrk = args.load == "wrk" or (args.load == "auto" and shutil.which("wrk") is not None)
            print(f"load generator: {'wrk' if use_wrk else 'httpx (Python, on the same cores as the server)'}")
            results = {}
            for name, scenario in scenarios.items():
                if use_wrk:
                    results[name] = _wrk(base, scenario, args.concurrency, args.cap, Path(folder), name)
                else:
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
