"""A build killed at any moment leaves a store that opens cleanly and holds a complete generation."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox

from controlgraph.store.embedded import EmbeddedStore


def _snapshot(path: Path) -> set[str]:
    """Every quad as an N-Quads line (Oxigraph's own dump: faster than quad by quad in Python)."""
    store = EmbeddedStore(path, read_only=True)
    dump = store._store.dump(format=ox.RdfFormat.N_QUADS)
    del store
    assert dump is not None
    return set(dump.decode().splitlines())


def test_sigkill_during_build_keeps_previous_or_new_store(built_disk_store: Path, tmp_path: Path) -> None:
    store = tmp_path / "store"
    shutil.copytree(built_disk_store, store)
    before = _snapshot(store)
    exe = Path(sys.executable).parent / "controlgraph"
    rng = random.Random(7)
    outcomes = {"previous": 0, "new": 0}
    for _ in range(6):
        process = subprocess.Popen([str(exe), "--store", str(store), "build"], stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, start_new_session=True)
        time.sleep(rng.uniform(0.2, 6.0))
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=60)
        after = _snapshot(store)
        # A rebuild of the same data differs only in the build's own timestamp triple.
        changed = {q for q in after ^ before if "/graph/build>" not in q}
        assert not changed, sorted(changed)[:5]
        outcomes["previous" if after == before else "new"] += 1
        before = after
    # Generations orphaned by killed builds are removed by the next build that completes.
    subprocess.run([str(exe), "--store", str(store), "build"], check=True, capture_output=True, timeout=300)
    generations = [p for p in store.glob("gen-*") if p.is_dir()]
    assert len(generations) <= 2, sorted(p.name for p in generations)
    assert sum(outcomes.values()) == 6
