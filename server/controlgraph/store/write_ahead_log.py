"""Putting a RocksDB database's write-ahead log on disk, so that an acknowledged write survives a crash.

pyoxigraph writes each transaction to RocksDB's log before it returns (a killed process loses nothing)
but never syncs it, so a crash of the machine could. An fsync of the log segments that grew since the
last sync (and of the directory, when a segment is new) takes a few milliseconds, where a flush of the
memtables (``Store.flush``) takes about a hundred. A segment gone meanwhile was obsolete: RocksDB removes
one only after syncing the tables that hold its writes.
"""

from __future__ import annotations

import contextlib
import os
import re
from pathlib import Path

_SEGMENT = re.compile(r"^[0-9]+\.log$")  # RocksDB's log segments (not its info LOG)


def fsync_path(path: Path) -> None:
    """fsync a file or a directory (a directory's entries: a rename or a new file in it)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class WriteAheadLog:
    """The log segments of one database directory and what of them was last synced."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._synced: dict[str, tuple[int, int]] = {}  # segment -> (size, mtime) when last synced

    def sync(self) -> None:
        """Sync every segment that changed since the last call; raises OSError when the disk refuses."""
        seen: dict[str, tuple[int, int]] = {}
        for entry in os.scandir(self.directory):
            if _SEGMENT.match(entry.name):
                with contextlib.suppress(FileNotFoundError):
                    info = entry.stat()
                    seen[entry.name] = (info.st_size, info.st_mtime_ns)
        for name, state in seen.items():
            if self._synced.get(name) != state:
                with contextlib.suppress(FileNotFoundError):
                    fsync_path(self.directory / name)
        if not set(seen) <= set(self._synced):
            fsync_path(self.directory)
        self._synced = seen
