"""Soak run of the API: a bounded mixed workload against a real `controlgraph serve` process, for a set time.

A private copy of a built on-disk store (or a fresh build) is served by one `controlgraph serve` process
(the write-capable server: the embedded store admits one read-write process). CLIENTS asyncio clients
loop over a weighted mix of reads, and one paced writer per tenant writes, until SECONDS have passed:

- GraphQL satisfiers, crosswalk and coverage (anonymous and as a tenant);
- SPARQL queries on /sparql, and saved queries on /queries/{name};
- authenticated writes through GraphQL: createMapping, then updateMapping, then retractMapping of it,
  as one of two tenants (the API keys are configured through CONTROLGRAPH_API_KEYS and `controlgraph hash-key`);
- deliberate failures whose answer is checked: a write without a key (AuthenticationError) and a
  satisfiers lookup of a control that does not exist (NotFoundError).

Every response must be HTTP 200 without GraphQL `errors` (deliberate failures must give exactly the
expected user error); anything else counts as an error. Reported: requests and throughput, p50/p99
latency per operation, errors (with the first few), and the server's RSS (/proc/<pid>/status) when
ready, after warm-up, and at the end, next to the query worker processes' RSS.

    .venv/bin/python bench/soak.py --seconds 600 --clients 8 [--store BUILT_STORE] [--json out.json]

The load generator shares the machine (2 cores here) with the server: figures are a floor, not a ceiling.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from serverproc import ServerProcess, free_port, hash_key

TENANT_KEYS = {"soak-a": "soak-key-a-2c71", "soak-b": "soak-key-b-9e04"}

SATISFIERS = """query($of: ID!, $fw: [String!]) { satisfiers(of: $of, frameworks: $fw, first: 20) {
  __typename ... on SatisfiersPayload { control { id title } satisfiers { totalCount edges { node {
  control { id title } relation coverage inferred strength mappingSet { id authority publisher } } } } }
  ... on UserError { message } } }"""
CROSSWALK = """query($from: String!, $to: String!, $inf: Boolean!) {
  crosswalk(from: $from, to: $to, includeInferred: $inf, first: 50) { __typename ... on CrosswalkPayload {
  rows { totalCount edges { node { source { id } target { control { id } relation } } } } }
  ... on UserError { message } } }"""
COVERAGE = """query($have: [String!]!, $target: String!) { coverage(have: $have, target: $target, first: 20) {
  __typename ... on CoverageReport { implemented overall { full partial none } items { totalCount } }
  ... on UserError { message } } }"""
CREATE = """mutation($i: MappingInput!) { createMapping(input: $i) { __typename
  ... on MappingPayload { mapping { id relation } auditId } ... on UserError { message } } }"""
UPDATE = """mutation($id: ID!, $p: MappingPatchInput!) { updateMapping(id: $id, input: $p) { __typename
  ... on MappingPayload { mapping { id relation strength } } ... on UserError { message } } }"""
RETRACT = """mutation($id: ID!) { retractMapping(id: $id) { __typename ... on RetractPayload { id }
  ... on UserError { message } } }"""
CONTROLS = """query($fw: String!) { controls(framework: $fw, first: 200) { __typename
  ... on ControlsPayload { controls { edges { node { id } } } } } }"""

SPARQL = [
    "PREFIX cg: <https://w3id.org/controlgraph/ontology#> SELECT ?set (COUNT(?m) AS ?n) WHERE "
    "{ ?m cg:inMappingSet ?set } GROUP BY ?set ORDER BY DESC(?n) LIMIT 20",
    "PREFIX cg: <https://w3id.org/controlgraph/ontology#> PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
    "SELECT ?c ?label WHERE { ?c a cg:Control ; skos:prefLabel ?label } LIMIT 100",
    "ASK { ?s ?p ?o }",
]
SAVED = [
    ("crosswalk", {"framework": "nist-csf-2.0", "other": "iso27001-2022"}),
    ("satisfiers", {"control": "nist-csf-2.0:PR.AA-01"}),
    ("unmapped-items", {"framework": "iso27002-2022"}),
    ("mappings-by-publisher", {}),
    ("coverage-by-framework", {"target": "nist-csf-2.0", "by": "iso27001-2022", "kind": "subcategory"}),
]
PAIRS = [("nist-csf-1.1", "nist-csf-2.0"), ("iso27002-2013", "iso27002-2022"), ("gdpr", "iso27002-2022"),
         ("nist-csf-2.0", "iso27001-2022"), ("csa-ccm-4", "nist-csf-2.0")]
SATISFIED = ["nist-csf-2.0:PR.AA-01", "iso27002-2013:12.3.1", "gdpr:Art.32(1)(a)", "iso27001-2022:A.5.15",
             "nist-csf-2.0:DE.CM-01", "iso27002-2022:8.13"]

# Read operations and their weights; writes run on their own paced writers (one per tenant).
MIX = [("satisfiers", 30), ("crosswalk", 15), ("coverage", 8), ("sparql", 20), ("saved", 12), ("deliberate", 5)]


class Failure(Exception):
    """A response that is not what the operation must answer."""


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: int = 0
    error_examples: list[str] = field(default_factory=list)

    def error(self, operation: str, what: str) -> None:
        self.errors += 1
        if len(self.error_examples) < 10:
            self.error_examples.append(f"{operation}: {what[:300]}")


class Workload:
    def __init__(self, base: str, tally: Tally, seed: int) -> None:
        self.base = base
        self.tally = tally
        self.rng = random.Random(seed)
        self.caller_rng = random.Random(seed + 1)  # who asks a saved query: the mix's own sequence stays as it was
        self.iso: list[str] = []
        self.csf: list[str] = []

    async def timed(self, client: httpx.AsyncClient, operation: str, method: str, path: str,
                    **kwargs: Any) -> httpx.Response | None:
        started = time.perf_counter()
        try:
            response = await client.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            self.tally.error(operation, f"{type(exc).__name__}: {exc}")
            return None
        self.tally.latencies[operation].append(time.perf_counter() - started)
        if response.status_code != 200:
            self.tally.error(operation, f"HTTP {response.status_code}: {response.text}")
            return None
        return response

    async def graphql(self, client: httpx.AsyncClient, operation: str, query: str, variables: dict[str, Any],
                      field_name: str, expected: str, key: str | None = None) -> dict[str, Any] | None:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        response = await self.timed(client, operation, "POST", "/graphql",
                                    json={"query": query, "variables": variables}, headers=headers)
        if response is None:
            return None
        body = response.json()
        if body.get("errors"):
            self.tally.error(operation, json.dumps(body["errors"]))
            return None
        value = (body.get("data") or {}).get(field_name) or {}
        if value.get("__typename") != expected:
            self.tally.error(operation, f"expected {expected}, got {json.dumps(value)}")
            return None
        return dict(value)

    async def load_controls(self, client: httpx.AsyncClient) -> None:
        for slug, target in (("iso27002-2022", self.iso), ("nist-csf-2.0", self.csf)):
            value = await self.graphql(client, "setup", CONTROLS, {"fw": slug}, "controls", "ControlsPayload")
            if value is None:
                raise SystemExit(f"cannot list the controls of {slug}: {self.tally.error_examples}")
            target.extend(e["node"]["id"] for e in value["controls"]["edges"])

    async def one(self, client: httpx.AsyncClient, operation: str, tenant: str) -> None:
        rng = self.rng
        key = TENANT_KEYS[tenant]
        if operation == "satisfiers":
            frameworks = rng.choice([None, ["iso27001-2022"], ["nist-csf-2.0", "iso27002-2022"]])
            await self.graphql(client, operation, SATISFIERS, {"of": rng.choice(SATISFIED), "fw": frameworks},
                               "satisfiers", "SatisfiersPayload", key=rng.choice([None, key]))
        elif operation == "crosswalk":
            source, target = rng.choice(PAIRS)
            await self.graphql(client, operation, CROSSWALK, {"from": source, "to": target, "inf": rng.random() < 0.3},
                               "crosswalk", "CrosswalkPayload", key=rng.choice([None, key]))
        elif operation == "coverage":
            have, target = rng.choice([(["iso27002-2022"], "nist-csf-2.0"), (["iso27001-2022:A.5.*"], "gdpr"),
                                       (["nist-csf-2.0"], "iso27017-2015")])
            await self.graphql(client, operation, COVERAGE, {"have": have, "target": target}, "coverage",
                               "CoverageReport")
        elif operation == "sparql":
            await self.timed(client, operation, "POST", "/sparql", content=rng.choice(SPARQL).encode(),
                             headers={"Content-Type": "application/sparql-query",
                                      "Accept": "application/sparql-results+json"})
        elif operation == "saved":
            name, params = rng.choice(SAVED)
            # Half as the tenant, whose own graph the worker lays over its copy of the shared graphs.
            headers = {"Authorization": f"Bearer {key}"} if self.caller_rng.random() < 0.5 else {}
            await self.timed(client, operation, "GET", f"/queries/{name}", params=params, headers=headers)
        elif operation == "deliberate":
            if rng.random() < 0.5:
                await self.graphql(client, "deliberate-unauthenticated", CREATE, {"i": self.draft()},
                                   "createMapping", "AuthenticationError")
            else:
                await self.graphql(client, "deliberate-not-found", SATISFIERS, {"of": "nist-csf-2.0:ZZ.ZZ-99",
                                                                                "fw": None},
                                   "satisfiers", "NotFoundError")

    def draft(self) -> dict[str, Any]:
        return {"subject": self.rng.choice(self.iso), "object": self.rng.choice(self.csf),
                "relation": self.rng.choice(["INTERSECTS_WITH", "SUBSET_OF", "SUPERSET_OF"]),
                "strength": self.rng.randint(1, 10), "comment": "soak"}

    async def write_cycle(self, client: httpx.AsyncClient, key: str) -> None:
        created = await self.graphql(client, "createMapping", CREATE, {"i": self.draft()}, "createMapping",
                                     "MappingPayload", key=key)
        if created is None:
            return
        node = created["mapping"]["id"]
        await self.graphql(client, "updateMapping", UPDATE, {"id": node, "p": {"strength": self.rng.randint(1, 10)}},
                           "updateMapping", "MappingPayload", key=key)
        await self.graphql(client, "retractMapping", RETRACT, {"id": node}, "retractMapping", "RetractPayload", key=key)


def _pick(rng: random.Random) -> str:
    return rng.choices([op for op, _ in MIX], weights=[w for _, w in MIX])[0]


async def drive(base: str, seconds: float, clients: int, seed: int, write_interval: float,
                sample: Callable[[], None] = lambda: None, sample_every: float = 30.0,
                writes: bool = True) -> tuple[Tally, float]:
    tally = Tally()
    workload = Workload(base, tally, seed)
    # One connection per reader and per writer: a write must not wait client-side for a reader's connection
    # (that wait was once counted as write latency).
    connections = clients + len(TENANT_KEYS)
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as client:
        await workload.load_controls(client)
        deadline = time.perf_counter() + seconds

        async def loop(index: int) -> None:
            tenant = sorted(TENANT_KEYS)[index % len(TENANT_KEYS)]
            while time.perf_counter() < deadline:
                await workload.one(client, _pick(workload.rng), tenant)

        async def writer(tenant: str) -> None:
            # Each write validates with pyshacl (pure Python, about 0.3-1.3 s of CPU): writers are paced
            # so that writes are a steady part of the load rather than all of it.
            while time.perf_counter() < deadline:
                cycle_started = time.perf_counter()
                await workload.write_cycle(client, TENANT_KEYS[tenant])
                await asyncio.sleep(max(0.0, write_interval - (time.perf_counter() - cycle_started)))

        async def sampler() -> None:
            while time.perf_counter() < deadline:
                await asyncio.sleep(min(sample_every, max(0.0, deadline - time.perf_counter())))
                sample()

        started = time.perf_counter()
        await asyncio.gather(*(loop(i) for i in range(clients)), *(writer(t) for t in TENANT_KEYS if writes), sampler())
        elapsed = time.perf_counter() - started
    tally.latencies.pop("setup", None)
    return tally, elapsed


async def warm_up(base: str, seed: int) -> None:
    """One of each operation, so start-up costs (query workers, caches) are not charged to the soak."""
    tally = Tally()
    workload = Workload(base, tally, seed)
    async with httpx.AsyncClient(base_url=base, timeout=120) as client:
        await workload.load_controls(client)
        for operation, _ in MIX:
            for _ in range(3):
                await workload.one(client, operation, "soak-a")
        await workload.write_cycle(client, TENANT_KEYS["soak-a"])
    if tally.errors:
        raise SystemExit(f"warm-up failed: {tally.error_examples}")


def percentile(ordered: list[float], q: float) -> float:
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def summarise(tally: Tally, elapsed: float) -> dict[str, Any]:
    operations = {}
    for operation, values in sorted(tally.latencies.items()):
        ordered = sorted(values)
        operations[operation] = {"requests": len(ordered), "p50_ms": round(1000 * statistics.median(ordered), 1),
                                 "p99_ms": round(1000 * percentile(ordered, 0.99), 1),
                                 "max_ms": round(1000 * ordered[-1], 1)}
    total = sum(o["requests"] for o in operations.values())
    return {"requests": total, "seconds": round(elapsed, 1), "rps": round(total / elapsed, 1) if elapsed else 0.0,
            "errors": tally.errors, "error_examples": tally.error_examples, "operations": operations}


def prepare_store(source: Path | None, folder: Path) -> Path:
    store = folder / "store"
    if source is not None:
        shutil.copytree(source, store)
        return store
    from controlgraph.pipeline.build import build
    from controlgraph.settings import Settings
    from controlgraph.store.embedded import EmbeddedStore

    built = EmbeddedStore(store)
    build(Settings.from_env({}, store=str(store)), built)
    built.close()
    return store


def run(args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="controlgraph-soak-") as tmp:
        folder = Path(tmp)
        store = prepare_store(args.store, folder)
        keys = ",".join(f"{tenant}:{hash_key(key)}" for tenant, key in TENANT_KEYS.items())
        # Every simulated client connects from 127.0.0.1, which the server counts as one anonymous caller:
        # let that address run as many queries at once as there are clients (docs/security.md, finding 7).
        extra_env = {"CONTROLGRAPH_SPARQL_PER_CALLER": str(args.clients),
                     **dict(item.split("=", 1) for item in args.server_env)}
        server = ServerProcess(store, port=args.port or free_port(), api_keys=keys, log=folder / "server.log",
                               extra_env=extra_env)
        ready_seconds = server.start()
        try:
            rss_ready = server.rss_kb()
            asyncio.run(warm_up(server.base, args.seed))
            rss_start, workers_start = server.rss_kb(), server.workers_rss_kb()
            timeline: list[tuple[float, float]] = []  # (server MB, query workers MB) every --sample-every s

            def sample() -> None:
                timeline.append((round(server.rss_kb() / 1024, 1), round(server.workers_rss_kb() / 1024, 1)))

            tally, elapsed = asyncio.run(drive(server.base, args.seconds, args.clients, args.seed,
                                               args.write_interval, sample, args.sample_every,
                                               not args.no_writes))
            rss_end, workers_end = server.rss_kb(), server.workers_rss_kb()
            alive = server.process is not None and server.process.poll() is None
        finally:
            exit_code = server.stop()
        result = summarise(tally, elapsed)
        if not alive:
            result["errors"] += 1
            result["error_examples"].append("the server process died during the run")
        result.update({
            "clients": args.clients, "write_interval_s": args.write_interval, "server_ready_s": round(ready_seconds, 2),
            "rss_ready_mb": round(rss_ready / 1024, 1), "rss_start_mb": round(rss_start / 1024, 1),
            "rss_end_mb": round(rss_end / 1024, 1), "workers_rss_start_mb": round(workers_start / 1024, 1),
            "workers_rss_end_mb": round(workers_end / 1024, 1), "server_exit_code": exit_code,
            "rss_timeline_mb": timeline, "sample_every_s": args.sample_every, "server_env": extra_env,
        })
        if exit_code != 0:
            result["server_log_tail"] = (folder / "server.log").read_text(errors="replace")[-2000:]
        return result


def report(result: dict[str, Any]) -> None:
    print(f"{result['requests']} requests in {result['seconds']} s ({result['rps']} req/s) from "
          f"{result['clients']} readers and {len(TENANT_KEYS)} paced writers; errors: {result['errors']}")
    for operation, o in result["operations"].items():
        print(f"  {operation:<28} {o['requests']:7d}   p50 {o['p50_ms']:8.1f} ms   p99 {o['p99_ms']:8.1f} ms"
              f"   max {o['max_ms']:8.1f} ms")
    print(f"server RSS: ready {result['rss_ready_mb']} MB, after warm-up {result['rss_start_mb']} MB, "
          f"end {result['rss_end_mb']} MB; query workers {result['workers_rss_start_mb']} -> "
          f"{result['workers_rss_end_mb']} MB; server ready in {result['server_ready_s']} s; "
          f"exit code on SIGTERM {result['server_exit_code']}")
    if result["rss_timeline_mb"]:
        points = ", ".join(f"{server:g}/{workers:g}" for server, workers in result["rss_timeline_mb"])
        print(f"RSS every {result['sample_every_s']:g} s, server/query workers MB: {points}")
    for example in result["error_examples"]:
        print(f"  error: {example}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--store", type=Path, help="a built on-disk store to copy (default: build one)")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--without", action="append", default=[], choices=[op for op, _ in MIX],
                        help="leave this read operation out of the mix (repeatable)")
    parser.add_argument("--write-interval", type=float, default=2.0,
                        help="seconds between the starts of a tenant writer's create-update-retract cycles")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-writes", action="store_true", help="readers only (to tell where memory goes)")
    parser.add_argument("--sample-every", type=float, default=30.0, help="seconds between RSS samples")
    parser.add_argument("--server-env", action="append", default=[], metavar="NAME=VALUE",
                        help="extra environment for the server process (e.g. MALLOC_ARENA_MAX=2)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    for left_out in args.without:
        MIX[:] = [(op, weight) for op, weight in MIX if op != left_out]
    result = run(args)
    report(result)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    raise SystemExit(1 if result["errors"] else 0)


if __name__ == "__main__":
    main()
