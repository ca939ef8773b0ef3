"""Read snapshots: immutable views of an on-disk store, for the query worker processes.

A process that opens a RocksDB database read-only works from the file list it saw when it opened;
the writing process's compaction later deletes table files that list names, and the reader's next
query fails on a missing file. So the writer publishes, after each write, a checkpoint of its
database (pyoxigraph ``Store.backup``: hard links to the immutable table files, about 2 ms) and points
``READ`` at it. Readers open the newest checkpoint read-only. Nothing changes the files of a
checkpoint, and one is removed only after it has been superseded for longer than the grace period,
which is longer than any query may run (the query workers stop a query at its time limit).

The pointer also carries a version per named graph, renewed whenever a write replaces that graph, so
a reader can tell which graphs changed between two snapshots (a query worker keeps its copy of the
shared graphs across writes that touch only a tenant's graph).

    data/store/READ                        {"snapshot": "snap-...", "graph_versions": {...},
                                            "database": RocksDB's IDENTITY of the live generation}
    data/store/snapshots/snap-<ns>-<hex>/  a checkpoint, named by its creation time
    data/store/snapshots/shared-<content>-<graphs>.nq  the newest snapshot's shared graphs, for the
                                           query workers (:mod:`controlgraph.store.snapshot_copies`)
    data/store/snapshots/delta-<version>.ru  what a write changed in the shared graphs, for the workers'
                                           copies (:mod:`controlgraph.store.copy_deltas`)
"""

from __future__ import annotations

import itertools
import json
import os
import secrets
import shutil
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from controlgraph.store import copy_deltas, snapshot_copies

SNAPSHOTS_DIR = "snapshots"
READ_POINTER = "READ"
_PREFIX = "snap-"


@dataclass(frozen=True)
class ReadSnapshot:
    """The newest published snapshot and the version of each named graph in it."""

    path: Path
    graph_versions: Mapping[str, str]
    database_id: str | None = None  # RocksDB's identity of the database it is a checkpoint of

    @property
    def name(self) -> str:
        return self.path.name


def new_graph_version() -> str:
    return secrets.token_hex(8)


def publish(database: ox.Store, root: Path, graph_versions: Mapping[str, str], *, grace_seconds: float,
            database_id: str | None = None) -> None:
    """Checkpoint ``database`` into a new snapshot, point ``READ`` at it, remove long-superseded ones."""
    directory = root / SNAPSHOTS_DIR
    directory.mkdir(exist_ok=True)
    name = f"{_PREFIX}{time.time_ns():020d}-{secrets.token_hex(3)}"
    database.backup(str(directory / name))
    pointer = {"snapshot": name, "graph_versions": dict(graph_versions), "database": database_id}
    tmp = root / f".{READ_POINTER}.{secrets.token_hex(4)}"
    tmp.write_text(json.dumps(pointer, sort_keys=True), encoding="utf-8")
    # A reader sees the old pointer or the new one, never a partial file. No fsync: snapshots are
    # derived data, and the writer publishes a fresh one whenever it opens the store.
    os.replace(tmp, root / READ_POINTER)
    remove_superseded(directory, keep=name, grace_seconds=grace_seconds)
    snapshot_copies.remove_stale(directory, directory / name, database_id)
    copy_deltas.remove_old(directory, grace_seconds)


def database_identity(database: Path | None) -> str | None:
    """RocksDB's identity of the database in directory ``database`` (a UUID written when it was created)."""
    try:
        return None if database is None else (database / "IDENTITY").read_text(encoding="utf-8").strip() or None
    except OSError:
        return None


def latest(root: Path) -> ReadSnapshot | None:
    """The snapshot ``READ`` names; None when there is none (no writer has published one yet)."""
    try:
        pointer = json.loads((root / READ_POINTER).read_text(encoding="utf-8"))
        path = root / SNAPSHOTS_DIR / str(pointer["snapshot"])
        versions = {str(g): str(v) for g, v in dict(pointer["graph_versions"]).items()}
        database_id = pointer.get("database")
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    identity = database_id if isinstance(database_id, str) and database_id else None
    return ReadSnapshot(path, versions, identity) if path.is_dir() else None


def withdraw(root: Path) -> None:
    """Remove ``READ``, so readers stop using snapshots until the next one is published."""
    (root / READ_POINTER).unlink(missing_ok=True)


def _created_ns(name: str) -> int:
    try:
        return int(name[len(_PREFIX):].split("-", 1)[0])
    except ValueError:
        return 0


def remove_superseded(directory: Path, *, keep: str, grace_seconds: float) -> None:
    """Remove the snapshots whose successor was created more than ``grace_seconds`` ago.

    A snapshot is superseded when the next one is created (its name says when). Half-written
    snapshots of a writer killed during a backup were never named by ``READ`` and go the same way.
    """
    names = sorted(p.name for p in directory.iterdir() if p.name.startswith(_PREFIX) and p.is_dir())
    now = time.time_ns()
    for older, newer in itertools.pairwise(names):
        if older != keep and now - _created_ns(newer) > grace_seconds * 1e9:
            shutil.rmtree(directory / older, ignore_errors=True)
