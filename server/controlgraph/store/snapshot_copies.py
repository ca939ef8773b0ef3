"""N-Quads files of a read snapshot's shared graphs, so query workers share one read of RocksDB.

Each query worker keeps an in-memory copy of the shared graphs (:mod:`controlgraph.service.public_view`).
Taking it from the on-disk store costs about 3 s of CPU at 300,000 quads, nearly all of it reading
RocksDB; loading the same quads from an N-Quads file costs about a third of that. So the first worker to
copy a snapshot's shared graphs also writes them to a file in the ``snapshots`` folder (a dump of its
in-memory copy, a few tenths of a second), and the other workers, and the workers of the next server
started on the same data, load that file. One worker at a time copies to write a file (a file lock):
a background copy waits for the file, while a worker starting beside the one writing it reads the store
side by side (a server says ready when all its workers are).

A file is named by the content of the snapshot, not by the snapshot: a snapshot is a RocksDB checkpoint,
its table files are immutable and numbered by the database, which never reuses a number, so the
database's identity (its ``IDENTITY``, a UUID) with the names of the snapshot's table files (and the
content of any log file) names its content. A restarted server publishes a new snapshot of the same
data under the same content name, and its workers find the file. Any write gives new table files, so a
new name. Blank node labels are kept as stored (the file is parsed without renaming them), so a copy
loaded from the file answers exactly as one read from the store.

A writer that bulk-loads a new generation (a build, a large import) writes the file itself as the quads
pass to the loader (:class:`SharedCapture`), so the workers of its snapshot load it at once.

Only the newest snapshot's file is kept: each publication removes the others. Any failure to read or
write a file (a read-only store directory, a full disk, a file removed under the reader) falls back to
reading the store: the files only save time.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import itertools
import logging
import os
import secrets
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import BinaryIO

import pyoxigraph as ox

from controlgraph.store.graph_changes import Section

PREFIX = "shared-"
SUFFIX = ".nq"
LOCK_SUFFIX = ".lock"
# Quads per call when a copy is filled in batches (a background copy yields between them). pyoxigraph holds
# the interpreter for a whole call; the longest call is 30-50 ms at 2,000 or 10,000 alike (the store's own
# growth), while 2,000 cost a third more in all than 5,000 (1.84 s against 1.40 s for 317,000 quads).
COPY_BATCH = 5_000
_log = logging.getLogger(__name__)


def content_name(snapshot: Path, database_id: str | None) -> str | None:
    """A name for what ``snapshot`` (a checkpoint directory) holds; None when it cannot be told."""
    if not database_id:
        return None
    digest = hashlib.sha256(database_id.encode())
    try:
        entries = sorted(os.scandir(snapshot), key=lambda e: e.name)
        for entry in entries:
            if entry.name.endswith(".sst"):
                digest.update(f"\n{entry.name}".encode())
            elif entry.name.endswith(".log") and entry.stat().st_size:
                # Writes not yet in a table file: their content counts (a log's number changes with every
                # opening of the database, so an empty one, the usual case, is left out).
                digest.update(b"\nlog " + hashlib.sha256(Path(entry.path).read_bytes()).digest())
    except OSError:
        return None
    return digest.hexdigest()[:24]


class SnapshotCopies:
    """The shared-graph files under ``directory`` (a store's ``snapshots`` folder)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    @staticmethod
    def key_of(snapshot_path: Path, database_id: str | None, graphs: Sequence[str]) -> str | None:
        """The file key of ``graphs`` as the snapshot holds them; None: no file for this snapshot."""
        content = content_name(snapshot_path, database_id)
        if content is None:
            return None
        names = hashlib.sha256("\n".join(sorted(graphs)).encode()).hexdigest()[:12]
        return f"{PREFIX}{content}-{names}"

    def file_of(self, key: str) -> Path:
        return self.directory / f"{key}{SUFFIX}"

    @contextlib.contextmanager
    def turn(self, key: str, wait: bool = True) -> Iterator[bool]:
        """Hold the key's lock: one process at a time copies these graphs to write their file.

        Yields False, without waiting, when ``wait`` is false and another process holds it.
        """
        try:
            lock = open(self.directory / f"{key}{LOCK_SUFFIX}", "a+")  # noqa: SIM115 (held across the yield)
        except OSError:
            yield True  # e.g. a read-only store directory: no turns, no files
            return
        with lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
            except BlockingIOError:
                yield False
                return
            yield True

    def fill(self, into: ox.Store, snapshot: Path, database_id: str | None, graphs: Sequence[str],
             between_batches: Callable[[], object] | None, batch: int, *, from_store: Callable[[], None]) -> None:
        """Fill ``into`` with ``graphs`` of the snapshot: from their file, else ``from_store`` and write the file.

        A file once written is loaded at once (it appears whole, by a rename). While another worker copies
        to write it, a background copy (``between_batches`` given) waits and loads it; a copy someone is
        waiting for (a worker starting, which says ready after it) reads the store side by side instead:
        waiting would add the other's read and dump to its own start.
        """
        key = self.key_of(snapshot, database_id, graphs)
        if key is None:
            from_store()
            return
        existed = self.file_of(key).exists()
        if existed and self.load(key, into, between_batches, batch):
            return
        with self.turn(key, wait=between_batches is not None) as mine:
            if not mine:
                from_store()
            elif existed or not self.load(key, into, between_batches, batch):
                # Corrupt (it existed and did not load), or still absent after the turn: read the store and
                # write the file.
                from_store()
                self.save(key, into)

    def load(self, key: str, into: ox.Store, between_batches: Callable[[], object] | None = None,
             batch: int = COPY_BATCH) -> bool:
        """Add the graphs of the key's file to ``into``; False (and ``into`` left empty) when there is none usable.

        ``between_batches``: load in batches and call it between them (a background copy that must not
        hold the interpreter for a whole second while a query waits).
        """
        path = self.file_of(key)
        try:
            quads = ox.parse(path=str(path), format=ox.RdfFormat.N_QUADS)
            if between_batches is None:
                into.bulk_extend(quads)
            else:
                while chunk := list(itertools.islice(quads, batch)):
                    into.extend(chunk)
                    between_batches()
        except (OSError, SyntaxError) as exc:
            if not isinstance(exc, FileNotFoundError):
                _log.warning("%s: not usable (%s); the shared graphs are read from the store", path, exc)
            into.clear()
            return False
        return True

    def save(self, key: str, copy: ox.Store) -> None:
        """Write ``copy`` (the key's graphs, in memory) as the key's file, whole or not at all."""
        path = self.file_of(key)
        tmp = self.directory / f".{path.name}.{secrets.token_hex(4)}"
        try:
            copy.dump(str(tmp), format=ox.RdfFormat.N_QUADS)
            os.replace(tmp, path)
        except OSError as exc:
            _log.info("%s: not written (%s); other workers read the store", path, exc)
            tmp.unlink(missing_ok=True)


class SharedCapture:
    """The shared graphs' quads of a bulk load, written to a file as they pass on to the loader, which
    becomes the query workers' file once the loaded database's content can be named (:meth:`keep_as`).

    One pass: the quads are not produced again for the file. Until named, the file is a hidden
    ``.shared-pending-...`` one, which a later publication removes if the writer dies first. Any failure
    to write it drops the file and nothing else (the file only saves time).
    """

    def __init__(self, directory: Path, sees: Callable[[str], bool], batch: int = 10_000) -> None:
        self.directory = directory
        self._sees = sees
        self._batch = batch
        self._path = directory / f".{PREFIX}pending-{secrets.token_hex(4)}{SUFFIX}"
        self._file: BinaryIO | None = None
        try:
            directory.mkdir(exist_ok=True)
            self._file = self._path.open("wb")
        except OSError as exc:
            _log.info("%s: not written (%s); workers read the store", self._path, exc)

    def through(self, sections: Iterable[Section]) -> Iterator[ox.Quad]:
        """The quads of ``sections`` as they are, the shared graphs' ones written to the file on the way."""
        for graph, quads in sections:
            if self._file is None or graph is None or not self._sees(graph):
                yield from quads
                continue
            pending = iter(quads)
            while batch := list(itertools.islice(pending, self._batch)):
                yield from batch
                self._write(batch)

    def _write(self, batch: list[ox.Quad]) -> None:
        if self._file is not None:
            try:
                ox.serialize(batch, self._file, format=ox.RdfFormat.N_QUADS)
            except Exception as exc:  # a full disk, say: the load goes on, without the file
                _log.info("%s: not written (%s); workers read the store", self._path, exc)
                self.drop()

    def keep_as(self, key: str | None) -> None:
        """Make the file the one of ``key`` (the loaded content's, :meth:`SnapshotCopies.key_of`), or drop
        it when there is none."""
        if self._file is None:
            return
        try:
            self._file.close()
            if key is None:
                raise OSError("the loaded content has no name")
            os.replace(self._path, SnapshotCopies(self.directory).file_of(key))
        except OSError as exc:
            _log.info("%s: not kept (%s); workers read the store", self._path, exc)
            self._path.unlink(missing_ok=True)
        self._file = None

    def drop(self) -> None:
        """Remove the file (the load failed, or writing it did)."""
        if self._file is not None:
            with contextlib.suppress(OSError):
                self._file.close()
            self._path.unlink(missing_ok=True)
            self._file = None


def remove_stale(directory: Path, newest: Path, database_id: str | None) -> None:
    """Remove every file, lock and half-written file but those of the ``newest`` snapshot's content.

    A worker still loading a removed file keeps reading it (an open file outlives its name); one that
    had not opened it yet reads the store instead.
    """
    with contextlib.suppress(OSError):
        files = [entry for entry in directory.iterdir() if entry.name.lstrip(".").startswith(PREFIX)]
        if not files:
            return  # a store no query worker has copied from (CLI writes, builds): no content to name
        keep = content_name(newest, database_id)
        for entry in files:
            if keep is None or not entry.name.lstrip(".").startswith(f"{PREFIX}{keep}-"):
                entry.unlink(missing_ok=True)
