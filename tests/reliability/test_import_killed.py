"""An import killed at any moment leaves the store either exactly as it was or fully imported."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path

import pyoxigraph as ox

from cli_import import WRITING, CliImport
from controlgraph.store.embedded import EmbeddedStore

CREATED = "http://purl.org/dc/terms/created"


_BLANK = re.compile(rb"_:[A-Za-z0-9]+")
_WHEN = re.compile(rb'(<' + re.escape(CREATED.encode()) + rb'>) "[^"]*"(\^\^<[^>]*>)?')


def _quad_line(line: bytes) -> bytes:
    # An import record says when the import ran; two runs of the same import differ only there.
    return _BLANK.sub(b"_:b", _WHEN.sub(rb"\1 <when>", line))


def _snapshot(path: Path) -> list[bytes]:
    """Every quad of the store as a sorted list of N-Quads lines (blank node labels and the import's date left
    out): equal snapshots mean equal stores. Read by Oxigraph's own dump, not quad by quad in Python."""
    store = EmbeddedStore(path, read_only=True)
    dump = store._store.dump(format=ox.RdfFormat.N_QUADS)
    del store
    assert dump is not None
    return sorted(_quad_line(line) for line in dump.splitlines())


def _kill_at(process: subprocess.Popen[bytes], line: str, then: float) -> None:
    """SIGKILL the import's process group ``then`` seconds after it prints a progress line holding ``line``
    (its progress goes to stderr); an import that ends first is left to end."""
    assert process.stderr is not None
    for printed in process.stderr:
        if line in printed.decode():
            time.sleep(then)
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
            break
    process.wait(timeout=600)


def test_sigkill_during_import_leaves_store_unchanged_or_fully_imported(
    built_disk_store: Path, ccm_cli_import: CliImport, tmp_path: Path
) -> None:
    # The complete import is the run's shared one (tests/conftest.py): the same command on a copy of the
    # same store, which also says when the write starts and how long it takes.
    assert ccm_cli_import.returncode == 0, ccm_cli_import.stderr
    assert ccm_cli_import.writing_at > 0, ccm_cli_import.stderr
    write_seconds = ccm_cli_import.seconds - ccm_cli_import.writing_at
    imported = _snapshot(ccm_cli_import.store)

    store = tmp_path / "store"
    shutil.copytree(built_disk_store, store)
    previous = _snapshot(store)
    assert imported != previous
    outcomes: Counter[str] = Counter()
    # Kills aimed by the import's own progress lines, not by a fraction of a run measured once (a loaded
    # machine shifts those): one after validation began (nothing written yet), then across the one write
    # (store.replace_graphs: the update, the versions, the snapshot), from its first instant to its end.
    # The write is most of an import, so every kill but the first lands in it.
    kills = [("  validating ", 0.0), *((WRITING, write_seconds * f) for f in (0.0, 0.35, 0.7, 0.95))]
    for line, then in kills:
        _kill_at(ccm_cli_import.run_on(store), line, then)
        after = _snapshot(store)
        assert after in (previous, imported), f"a kill {then:.1f} s after {line.strip()!r} left a partly written store"
        outcomes["unchanged" if after == previous else "imported"] += 1
        if after == imported:  # the next kill must meet a real write, not an import with nothing to change
            EmbeddedStore(store).close()  # opens read-write cleanly first
            shutil.rmtree(store)
            shutil.copytree(built_disk_store, store)
    assert outcomes["unchanged"] >= 1, outcomes  # at least one kill came before the write
    EmbeddedStore(store).close()  # opens read-write cleanly: no lock or half-written state left behind
