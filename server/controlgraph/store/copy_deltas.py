"""What a write changed in the shared graphs, left for the query workers to bring their copies up to date.

Each query worker keeps an in-memory copy of the shared graphs (:mod:`controlgraph.service.public_view`).
After every write of a shared graph it took the copy again whole: about 1 s of CPU per worker from the
snapshot's file, 3-4 s from RocksDB (the first worker after a write that left no file), for the 317,000
shared quads of the shipped graph, though an import of a few SSSOM rows changes a few dozen triples.
A write made as one transaction knows exactly what it changes (the ``DELETE DATA`` / ``INSERT DATA`` of
:func:`controlgraph.store.graph_changes.write_operations`), so the writer leaves those operations beside
the snapshots, in a file named by the shared graphs' version before the write that holds the version
after it. A worker whose copy is at one version follows the files to the version of the snapshot it
opens and applies them to its copy, in milliseconds. Where a link is missing (a build, a write made as
a new generation, a write too large, a file removed) it takes the copy whole, as before.

Applying the chain to a copy that already holds some of its writes (a checkpoint taken while a write
lands holds it under the older version) gives the same end state: each step deletes only triples its
write deleted and inserts only triples its write inserted, and a later step redoes whatever an earlier
one undid.

No file is left for a write that inserts blank nodes: ``INSERT DATA`` gives them fresh labels, and a
copy answers with the labels the store holds (its copies from the file keep them).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from controlgraph.store.tenancy import PUBLIC

PREFIX = "delta-"
SUFFIX = ".ru"
# Past this much update text (about 20,000 triples) a worker loads the snapshot's file about as fast.
MOST_CHARACTERS = 4_000_000
# Most files followed from one copy's version: a worker follows writes within a second when idle.
LONGEST_CHAIN = 1_000

SharedVersion = tuple[tuple[str, str], ...]


def shared_version(graph_versions: Mapping[str, str]) -> SharedVersion:
    """The version of the shared graphs' content: each shared graph with the version of its last write."""
    return tuple(sorted((g, v) for g, v in graph_versions.items() if PUBLIC.sees_graph(g)))


def version_key(version: SharedVersion) -> str:
    return hashlib.sha256(repr(version).encode()).hexdigest()[:24]


def record(directory: Path, before: SharedVersion, after: SharedVersion, operations: Sequence[tuple[str, str]]) -> None:
    """Leave the shared graphs' part of a write's ``operations`` ((graph, update) pairs, in order) for workers.

    Nothing is left when the shared graphs did not change, or the write is too large or holds blank nodes;
    a failure to write the file is not the write's failure (workers then take the copy whole).
    """
    shared = [update for graph, update in operations if PUBLIC.sees_graph(graph)]
    if before == after or not shared or sum(len(update) for update in shared) > MOST_CHARACTERS:
        return
    text = " ;\n".join(shared)
    if "_:" in text:  # "_:" in a literal too: then the copy is taken whole
        return
    path = directory / f"{PREFIX}{version_key(before)}{SUFFIX}"
    tmp = directory / f".{path.name}.{secrets.token_hex(4)}"
    with contextlib.suppress(OSError):
        directory.mkdir(exist_ok=True)
        tmp.write_text(f"{version_key(after)}\n{text}", encoding="utf-8")
        os.replace(tmp, path)  # whole or absent: a reader never meets half a file
    tmp.unlink(missing_ok=True)


def chain(directory: Path, start: SharedVersion, end: SharedVersion) -> str | None:
    """The update taking a copy at ``start`` to ``end``; None when the files do not lead there."""
    key, target = version_key(start), version_key(end)
    steps: list[str] = []
    while key != target:
        if len(steps) >= LONGEST_CHAIN:
            return None
        try:
            text = (directory / f"{PREFIX}{key}{SUFFIX}").read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None
        key, _, update = text.partition("\n")
        steps.append(update)
    return " ;\n".join(steps)


def remove_old(directory: Path, seconds: float) -> None:
    """Remove the files written more than ``seconds`` ago (and half-written ones of a writer that died)."""
    now = time.time()
    with contextlib.suppress(OSError):
        for entry in os.scandir(directory):
            if entry.name.lstrip(".").startswith(PREFIX):
                with contextlib.suppress(OSError):
                    if now - entry.stat().st_mtime > seconds:
                        os.unlink(entry.path)
