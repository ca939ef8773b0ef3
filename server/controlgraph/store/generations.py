"""Generations of an on-disk store: complete databases side by side, and ``CURRENT`` naming the live one.

A build writes a new generation and then points ``CURRENT`` at it with an atomic rename, so a build that
fails or is killed midway leaves the previous generation live and untouched (see
:mod:`controlgraph.store.embedded`). One process at a time writes generations (``LOCK``).
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import secrets
import shutil
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pyoxigraph as ox

from controlgraph.errors import StoreError
from controlgraph.store.write_ahead_log import fsync_path

CURRENT = "CURRENT"
LOCK = "LOCK"
KEEP_PREVIOUS = 1  # generations kept besides the live one, so a reader opened before a swap keeps working


def current(root: Path) -> Path | None:
    """The live generation's directory; None for a store never written."""
    pointer = root / CURRENT
    if not pointer.exists():
        return None
    name = pointer.read_text(encoding="utf-8").strip()
    generation = root / name
    if not name or not generation.is_dir():
        raise StoreError(f"{pointer}: names generation {name!r}, which does not exist")
    return generation


def new_directory(root: Path) -> Path:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
    return root / f"gen-{stamp}-{secrets.token_hex(3)}"


def point_current_at(root: Path, generation: Path) -> None:
    """Make ``generation`` the live one, durably: the pointer is written aside, synced, then renamed."""
    tmp = root / f".{CURRENT}.{secrets.token_hex(4)}"
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(generation.name + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, root / CURRENT)
    fsync_path(root)


@contextmanager
def exclusive(root: Path | None) -> Iterator[None]:
    """One writer of generations at a time, across processes (nothing to hold for an in-memory store)."""
    if root is None:
        yield
        return
    with open(root / LOCK, "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def write(root: Path, quads: Iterable[ox.Quad]) -> Path:
    """A new generation directory holding ``quads``, on disk (not yet live: see :func:`point_current_at`).

    RocksDB's bulk loader writes table files directly, without a transaction: about a quarter of the CPU
    of a transaction's inserts. Nobody reads the generation before it goes live, so none is needed. A
    failure removes the directory; a killed process leaves it for :func:`remove_stale`.
    """
    generation = new_directory(root)
    try:
        database = ox.Store(str(generation))
        database.bulk_extend(quads)
        database.flush()
        del database
    except BaseException:
        shutil.rmtree(generation, ignore_errors=True)
        raise
    return generation


def remove_stale(root: Path, live: Path, previous: Path | None = None) -> None:
    """Remove every generation but ``live`` and the one it replaced, and leftover pointers.

    ``previous`` is kept so that a reader that opened it before the swap keeps working (``KEEP_PREVIOUS``);
    when it is not known, the newest other generation is kept. Anything else is stale: an older
    generation, or one a killed writer left half-written (writers hold :func:`exclusive`, so none is
    being written now).
    """
    others = sorted((p for p in root.glob("gen-*") if p.is_dir() and p != live), key=lambda p: p.stat().st_mtime)
    keep = [previous] if previous is not None and previous.is_dir() else others[len(others) - KEEP_PREVIOUS:]
    for stale in others:
        if stale not in keep:
            shutil.rmtree(stale, ignore_errors=True)
    for leftover in root.glob(f".{CURRENT}.*"):
        leftover.unlink(missing_ok=True)
