"""Acknowledged custom-mapping writes survive SIGKILL of the server at random moments (bench/crash.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_sigkill_during_writes_loses_no_acknowledged_write(built_disk_store: Path, tmp_path: Path) -> None:
    """6 kill/restart cycles (bench/crash.py runs 40 by default); after each restart, and in the store
    opened directly at the end, every acknowledged createMapping (with its audit record) is present and
    every acknowledged retraction holds."""
    out = tmp_path / "crash.json"
    done = subprocess.run(
        [sys.executable, str(REPO / "bench" / "crash.py"), "--cycles", "6", "--min-kill", "0.5", "--max-kill", "4",
         "--seed", "7", "--store", str(built_disk_store), "--json", str(out)],
        capture_output=True, text=True, timeout=400,
        # The writes go through GraphQL: one SPARQL query worker (the minimum) instead of two spares each
        # restart a copy of the shared graphs this test never queries.
        env={**os.environ, "CONTROLGRAPH_SPARQL_WORKERS": "1"},
    )
    assert out.exists(), done.stdout + done.stderr
    result = json.loads(out.read_text())
    assert result["lost_count"] == 0, (result["lost"], result["server_log_tail"])
    assert result["kills"] == 6
    assert result["acknowledged_writes"] >= 6, result  # the kills landed in a live stream of writes
    assert result["answered_not_acknowledged"] == 0, result["answered_examples"]
    assert result["checks"] >= result["acknowledged_writes"], result
    assert done.returncode == 0, done.stdout + done.stderr


def test_concurrent_writes_of_two_tenants_all_succeed(built_store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Writes of several tenants at once in one process all land, each in its own graph.

    (The race this guards against, rdflib's SPARQL parser used from two threads, showed on a cold server
    process: the crash test above starts one per cycle with two tenants writing at once, and requires
    every answered write to succeed.)
    """
    from concurrent.futures import ThreadPoolExecutor

    from controlgraph.data import rdflib_query_cache
    from controlgraph.service import custom_mappings as custom
    from controlgraph.store.tenancy import tenant_graph
    from controlgraph.vocabulary import Relation

    store = built_store.copy()
    pairs = [("iso27002-2022:5.15", "nist-csf-2.0:PR.AA-01"), ("iso27002-2022:8.13", "nist-csf-2.0:PR.DS-11"),
             ("iso27002-2022:5.1", "nist-csf-2.0:GV.PO-01")]
    jobs = [(tenant, s, o) for tenant in ("acme", "beta", "gamma") for s, o in pairs]

    def write(job: tuple[str, str, str]) -> str:
        tenant, subject, obj = job
        draft = custom.MappingDraft(subject=subject, object=obj, relation=Relation("intersects-with"))
        return custom.create_mapping(store, tenant, draft).node

    rdflib_query_cache._translated.cache_clear()  # the concurrent validations parse their queries again
    with ThreadPoolExecutor(max_workers=6) as pool:
        nodes = list(pool.map(write, jobs))
    assert len(set(nodes)) == len(jobs)
    for tenant in ("acme", "beta", "gamma"):
        mine = {str(t.subject) for t in store.graph_triples(tenant_graph(tenant))}
        assert {f"<{n}>" for n in nodes if f"tenant-{tenant}/" in n} <= mine
