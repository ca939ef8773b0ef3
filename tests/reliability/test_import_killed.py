"""An import killed at any moment leaves the store either exactly as it was or fully imported."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pyoxigraph as ox

from controlgraph.store.embedded import EmbeddedStore

CLI = Path(sys.executable).parent / "controlgraph"


CREATED = "http://purl.org/dc/terms/created"


def _term(term: object) -> str:
    return "_:b" if isinstance(term, ox.BlankNode) else str(term)


def _quad_text(q: ox.Quad) -> str:
    # An import record says when the import ran; two runs of the same import differ only there.
    obj = "<when>" if q.predicate.value == CREATED else _term(q.object)
    return " ".join((_term(q.subject), _term(q.predicate), obj, _term(q.graph_name)))


def _snapshot(path: Path) -> Counter[str]:
    """Every quad of the store (blank node labels left out), counted: equal snapshots mean equal stores."""
    store = EmbeddedStore(path, read_only=True)
    quads = Counter(_quad_text(q) for q in store._store)
    del store
    return quads


def _import(store: Path, bundle: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen([str(CLI), "--store", str(store), "import", "ccm", str(bundle)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)


def test_sigkill_during_import_leaves_store_unchanged_or_fully_imported(
    built_disk_store: Path, reference_dir: Path, tmp_path: Path
) -> None:
    bundle = reference_dir / "csa-ccm-4.0.12" / "json-dataset"
    complete = tmp_path / "complete"
    shutil.copytree(built_disk_store, complete)
    started = time.monotonic()
    assert _import(complete, bundle).wait(timeout=300) == 0
    duration = time.monotonic() - started
    imported = _snapshot(complete)

    store = tmp_path / "store"
    shutil.copytree(built_disk_store, store)
    previous = _snapshot(store)
    assert imported != previous
    outcomes: Counter[str] = Counter()
    # The write is the last step (after reading, validating and reasoning), so most kills aim at the end.
    for fraction in (0.3, 0.8, 0.9, 0.95, 0.98, 1.0):
        process = _import(store, bundle)
        time.sleep(duration * fraction)
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=60)
        after = _snapshot(store)
        assert after in (previous, imported), "a killed import left a partly written store"
        outcomes["unchanged" if after == previous else "imported"] += 1
    assert outcomes["unchanged"] >= 1, outcomes  # at least one kill came before the write
    EmbeddedStore(store).close()  # opens read-write cleanly: no lock or half-written state left behind
