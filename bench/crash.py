"""Crash safety of acknowledged writes: SIGKILL the server at random moments during a stream of writes.

A private copy of a built on-disk store is served by `controlgraph serve`. Each cycle starts the server,
checks that everything acknowledged so far is as acknowledged, then has WRITERS clients (two tenants)
stream custom-mapping writes through GraphQL (mostly createMapping, some retractMapping of an earlier
acknowledged mapping) until the whole process group is killed with SIGKILL at a random moment.

A write is acknowledged when its HTTP response arrived with the success payload; a write whose response
never came (in flight at the kill) may or may not have landed, and is not checked. After the last cycle
the server is stopped and the store is opened directly: it must open cleanly, hold every acknowledged
mapping and its audit record, and none of the acknowledged retractions.

    .venv/bin/python bench/crash.py --cycles 40 [--store BUILT_STORE] [--json out.json]

Prints the kills, acknowledged writes, what was lost (must be nothing), and the time from a kill to the
restarted server answering /healthz (recovery).
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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from serverproc import ServerProcess, free_port, hash_key

TENANT_KEYS = {"crash-a": "crash-key-a-51d3", "crash-b": "crash-key-b-0f7e"}
CONTROLS = """query($fw: String!) { controls(framework: $fw, first: 200) {
  ... on ControlsPayload { controls { edges { node { id } } } } } }"""
CREATE = """mutation($i: MappingInput!) { createMapping(input: $i) { __typename
  ... on MappingPayload { mapping { id relation } auditId } ... on UserError { message } } }"""
RETRACT = """mutation($id: ID!) { retractMapping(id: $id) { __typename ... on RetractPayload { id auditId }
  ... on UserError { message } } }"""
RELATIONS = ["INTERSECTS_WITH", "SUBSET_OF", "SUPERSET_OF", "EQUAL"]
BATCH = 25  # mapping(id) lookups per GraphQL document (under the alias limit)


@dataclass
class Ledger:
    """What the server acknowledged, per tenant: mappings that must exist, retractions that must hold."""

    present: dict[str, tuple[str, str]] = field(default_factory=dict)  # mapping -> (tenant, relation)
    retracted: dict[str, str] = field(default_factory=dict)  # mapping -> tenant
    audits: dict[str, str] = field(default_factory=dict)  # audit record -> tenant
    acknowledged: int = 0
    rejected: int = 0  # answered, but not with success (not acknowledged; must not count as written)
    rejected_examples: list[str] = field(default_factory=list)
    in_flight_at_kill: int = 0
    checks: int = 0
    lost: list[str] = field(default_factory=list)


class Writers:
    def __init__(self, base: str, ledger: Ledger, rng: random.Random, pairs: dict[str, list[tuple[str, str]]]):
        self.base = base
        self.ledger = ledger
        self.rng = rng
        self.pairs = pairs

    async def stream(self, client: httpx.AsyncClient, tenant: str, stop: asyncio.Event) -> None:
        key = TENANT_KEYS[tenant]
        headers = {"Authorization": f"Bearer {key}"}
        while not stop.is_set():
            owned = [m for m, (t, _) in self.ledger.present.items() if t == tenant]
            retract = owned and self.rng.random() < 0.2
            if retract:
                node = self.rng.choice(owned)
                self.ledger.present.pop(node)  # uncertain until acknowledged
                payload = {"query": RETRACT, "variables": {"id": node}}
            else:
                subject, obj = self.pairs[tenant].pop()
                relation = self.rng.choice(RELATIONS)
                payload = {"query": CREATE, "variables": {"i": {"subject": subject, "object": obj,
                                                                "relation": relation, "comment": "crash test"}}}
            try:
                response = await client.post("/graphql", json=payload, headers=headers)
            except httpx.HTTPError:
                self.ledger.in_flight_at_kill += 1
                return  # the server is gone; whatever was in flight is not checked
            body = response.json() if response.status_code == 200 else {}
            value = (body.get("data") or {}).get("retractMapping" if retract else "createMapping") or {}
            if retract and value.get("__typename") == "RetractPayload":
                self.ledger.retracted[node] = tenant
                self.ledger.audits[value["auditId"]] = tenant
                self.ledger.acknowledged += 1
            elif not retract and value.get("__typename") == "MappingPayload":
                self.ledger.present[value["mapping"]["id"]] = (tenant, value["mapping"]["relation"])
                self.ledger.audits[value["auditId"]] = tenant
                self.ledger.acknowledged += 1
            else:
                self.ledger.rejected += 1
                if len(self.ledger.rejected_examples) < 5:
                    self.ledger.rejected_examples.append(f"HTTP {response.status_code}: {response.text[:300]}")
                if retract:  # answered without success: the mapping is still there
                    self.ledger.present[node] = (tenant, "?")


async def verify_over_http(base: str, ledger: Ledger) -> None:
    """Every acknowledged mapping readable by its tenant with its relation; every acknowledged retraction gone."""
    expectations: list[tuple[str, str, str | None]] = [(m, t, r) for m, (t, r) in ledger.present.items()]
    expectations += [(m, t, None) for m, t in ledger.retracted.items() if m not in ledger.present]
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        for tenant in TENANT_KEYS:
            mine = [e for e in expectations if e[1] == tenant]
            for start in range(0, len(mine), BATCH):
                batch = mine[start:start + BATCH]
                fields = " ".join(
                    f'm{i}: mapping(id: {json.dumps(m)}) {{ __typename ... on Mapping {{ id relation }} }}'
                    for i, (m, _, _) in enumerate(batch)
                )
                response = await client.post("/graphql", json={"query": f"{{ {fields} }}"},
                                             headers={"Authorization": f"Bearer {TENANT_KEYS[tenant]}"})
                body = response.json()
                if response.status_code != 200 or body.get("errors"):
                    raise RuntimeError(f"verification query failed: HTTP {response.status_code}: {body}")
                for i, (node, _, relation) in enumerate(batch):
                    found = body["data"][f"m{i}"]
                    ledger.checks += 1
                    if relation is None and found["__typename"] != "NotFoundError":
                        ledger.lost.append(f"acknowledged retraction of {node} undone")
                    elif relation is not None and found["__typename"] != "Mapping":
                        ledger.lost.append(f"acknowledged mapping {node} missing")
                    elif relation not in (None, "?") and found["relation"] != relation:
                        ledger.lost.append(f"{node}: relation {found['relation']}, acknowledged {relation}")


def verify_store(store_path: Path, ledger: Ledger) -> None:
    """Open the store directly (it must open cleanly) and check the ledger against the tenant graphs."""
    import pyoxigraph as ox

    from controlgraph.store.embedded import EmbeddedStore
    from controlgraph.store.tenancy import tenant_audit_graph, tenant_graph

    store = EmbeddedStore(store_path)
    subjects: dict[str, set[str]] = {}
    for tenant in TENANT_KEYS:
        subjects[tenant] = {t.subject.value for graph in (tenant_graph(tenant), tenant_audit_graph(tenant))
                            for t in store.graph_triples(graph) if isinstance(t.subject, ox.NamedNode)}
    store.close()
    del store
    for node, (tenant, _) in ledger.present.items():
        ledger.checks += 1
        if node not in subjects[tenant]:
            ledger.lost.append(f"store: acknowledged mapping {node} missing")
    for node, tenant in ledger.retracted.items():
        ledger.checks += 1
        if node not in ledger.present and node in subjects[tenant]:
            ledger.lost.append(f"store: acknowledged retraction of {node} undone")
    for audit, tenant in ledger.audits.items():
        ledger.checks += 1
        if audit not in subjects[tenant]:
            ledger.lost.append(f"store: audit record {audit} of an acknowledged write missing")


async def control_ids(base: str) -> tuple[list[str], list[str]]:
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        found = []
        for slug in ("iso27002-2022", "nist-csf-2.0"):
            body = (await client.post("/graphql", json={"query": CONTROLS, "variables": {"fw": slug}})).json()
            found.append([e["node"]["id"] for e in body["data"]["controls"]["controls"]["edges"]])
    return found[0], found[1]


async def write_until_killed(server: ServerProcess, writers: Writers, per_tenant: int, kill_after: float) -> None:
    stop = asyncio.Event()
    limits = httpx.Limits(max_connections=len(TENANT_KEYS) * per_tenant)
    async with httpx.AsyncClient(base_url=server.base, timeout=60, limits=limits) as client:
        streams = [asyncio.create_task(writers.stream(client, tenant, stop))
                   for tenant in TENANT_KEYS for _ in range(per_tenant)]
        await asyncio.sleep(kill_after)
        server.kill()
        stop.set()
        await asyncio.gather(*streams)


def run(args: argparse.Namespace) -> dict[str, Any]:
    rng = random.Random(args.seed)
    ledger = Ledger()
    recoveries: list[float] = []
    with tempfile.TemporaryDirectory(prefix="controlgraph-crash-") as tmp:
        folder = Path(tmp)
        store = folder / "store"
        if args.store is not None:
            shutil.copytree(args.store, store)
        else:
            from soak import prepare_store
            store = prepare_store(None, folder)
        keys = ",".join(f"{tenant}:{hash_key(key)}" for tenant, key in TENANT_KEYS.items())
        server = ServerProcess(store, port=args.port or free_port(), api_keys=keys, log=folder / "server.log")
        server.start()
        iso, csf = asyncio.run(control_ids(server.base))
        pairs = {}
        for tenant in TENANT_KEYS:
            everything = [(s, o) for s in iso for o in csf]
            rng.shuffle(everything)
            pairs[tenant] = everything
        writers = Writers(server.base, ledger, rng, pairs)
        started = time.monotonic()
        for _ in range(args.cycles):
            kill_after = rng.uniform(args.min_kill, args.max_kill)
            asyncio.run(write_until_killed(server, writers, args.writers_per_tenant, kill_after))
            recoveries.append(server.start())  # raises with the server log's end if it does not come back
            asyncio.run(verify_over_http(server.base, ledger))
        exit_code = server.stop()
        verify_store(store, ledger)
        elapsed = time.monotonic() - started
        log_tail = (folder / "server.log").read_text(errors="replace")[-1500:] if ledger.lost else ""
    return {
        "kills": args.cycles, "seconds": round(elapsed, 1), "acknowledged_writes": ledger.acknowledged,
        "acknowledged_mappings_present": len(ledger.present), "acknowledged_retractions": len(ledger.retracted),
        "answered_not_acknowledged": ledger.rejected, "answered_examples": ledger.rejected_examples,
        "in_flight_at_kill": ledger.in_flight_at_kill,
        "checks": ledger.checks, "lost": ledger.lost[:20], "lost_count": len(ledger.lost),
        "recovery_s": {"min": round(min(recoveries), 2), "median": round(statistics.median(recoveries), 2),
                       "max": round(max(recoveries), 2)},
        "exit_code_on_sigterm": exit_code, "server_log_tail": log_tail,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cycles", type=int, default=40, help="kill/restart cycles")
    parser.add_argument("--writers-per-tenant", type=int, default=2)
    parser.add_argument("--min-kill", type=float, default=0.2, help="earliest kill, seconds after writes start")
    parser.add_argument("--max-kill", type=float, default=3.0, help="latest kill, seconds after writes start")
    parser.add_argument("--store", type=Path, help="a built on-disk store to copy (default: build one)")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    result = run(args)
    r = result["recovery_s"]
    print(f"{result['kills']} SIGKILLs in {result['seconds']} s; {result['acknowledged_writes']} acknowledged writes "
          f"({result['acknowledged_mappings_present']} mappings kept, {result['acknowledged_retractions']} "
          f"retractions), {result['in_flight_at_kill']} in flight at a kill, "
          f"{result['answered_not_acknowledged']} answered without success; {result['checks']} checks; "
          f"lost: {result['lost_count']}")
    print(f"recovery (kill to /healthz 200): min {r['min']} s, median {r['median']} s, max {r['max']} s")
    for line in result["answered_examples"]:
        print(f"  answered without success: {line}")
    for line in result["lost"]:
        print(f"  LOST: {line}")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    raise SystemExit(1 if result["lost_count"] else 0)


if __name__ == "__main__":
    main()
