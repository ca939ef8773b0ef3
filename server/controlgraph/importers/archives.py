"""Unpacking a bundle that arrives as one archive (zip or tar), defensively.

A folder import (the CCM JSON bundle) cannot travel as one request body or one file, so it may come
as a zip or tar archive (``.tar``, ``.tar.gz``/``.tgz``, ``.tar.bz2``, ``.tar.xz``). Archives are
untrusted input. :func:`unpack_archive` writes regular files and folders only, into a fresh folder
of the caller's, and refuses the whole archive (:class:`InputError`, nothing left behind) when:

- a member's name is absolute, climbs out (``..``), holds a backslash, a NUL or a drive letter,
  or names a file twice (so no member can land outside the folder or overwrite another);
- a member is a symbolic or hard link, a device or a FIFO;
- it holds more than ``max_entries`` members, or unpacks to more than ``max_bytes`` in all (bytes are
  counted as they are written, whatever the archive declares), or expands more than
  :data:`MAX_RATIO` times its own size past :data:`RATIO_FLOOR` bytes (a zip bomb);
- it is neither a zip nor a tar archive, or is damaged.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import os
import shutil
import stat
import tarfile
import zipfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Protocol

from controlgraph.errors import InputError

ARCHIVE_SUFFIXES = (".zip", ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz")
MAX_ENTRIES = 2_000
MAX_RATIO = 100  # unpacked bytes per archive byte, past RATIO_FLOOR
RATIO_FLOOR = 8 * 1024 * 1024
_CHUNK = 64 * 1024


class _Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


def is_archive(path: Path) -> bool:
    """Whether ``path`` is a file named like an archive this module unpacks."""
    return path.is_file() and path.name.lower().endswith(ARCHIVE_SUFFIXES)


def _member_path(name: str, archive: str) -> PurePosixPath:
    """The member's relative path, or an error when it could land outside the folder."""
    bad = (not name or "\\" in name or "\0" in name or name.startswith("/")
           or (len(name) > 1 and name[1] == ":"))
    parts = PurePosixPath(name).parts
    if bad or any(p == ".." for p in parts):
        raise InputError(f"archive member {name[:80]!r} has an unsafe name (absolute, '..' or '\\'); "
                         "nothing was unpacked", path=archive)
    kept = [p for p in parts if p not in ("", ".")]
    if not kept:
        raise InputError(f"archive member {name[:80]!r} names no file; nothing was unpacked", path=archive)
    return PurePosixPath(*kept)


class _Budget:
    def __init__(self, archive: str, archive_bytes: int, max_bytes: int, max_entries: int) -> None:
        self.archive, self.archive_bytes = archive, archive_bytes
        self.max_bytes, self.max_entries = max_bytes, max_entries
        self.bytes = self.entries = 0
        self.names: set[str] = set()

    def entry(self, path: PurePosixPath) -> None:
        self.entries += 1
        if self.entries > self.max_entries:
            raise InputError(f"archive holds more than {self.max_entries:,} members; nothing was unpacked",
                             path=self.archive)
        key = str(path)
        if key in self.names:
            raise InputError(f"archive names {key[:80]!r} twice; nothing was unpacked", path=self.archive)
        self.names.add(key)

    def spend(self, n: int) -> None:
        self.bytes += n
        if self.bytes > self.max_bytes:
            raise InputError(f"archive unpacks to more than {self.max_bytes:,} bytes; nothing was unpacked",
                             path=self.archive)
        if self.bytes > RATIO_FLOOR and self.bytes > MAX_RATIO * max(self.archive_bytes, 1):
            raise InputError(f"archive expands more than {MAX_RATIO} times its size (a zip bomb?); "
                             "nothing was unpacked", path=self.archive)


def _write(source: _Readable, target: Path, budget: _Budget) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    # O_EXCL: never through an existing name (the folder is fresh and names are unique, so none exists).
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    with os.fdopen(fd, "wb") as out:
        while chunk := source.read(_CHUNK):
            budget.spend(len(chunk))
            out.write(chunk)


def _zip_members(archive: zipfile.ZipFile, name: str) -> Iterator[tuple[zipfile.ZipInfo, PurePosixPath, bool]]:
    for info in archive.infolist():
        file_type = stat.S_IFMT(info.external_attr >> 16)  # 0 when the archiver recorded no Unix mode
        if file_type not in (0, stat.S_IFREG, stat.S_IFDIR):
            raise InputError(f"archive member {info.filename[:80]!r} is a link or a special file; "
                             "nothing was unpacked", path=name)
        if info.flag_bits & 0x1:
            raise InputError(f"archive member {info.filename[:80]!r} is encrypted; nothing was unpacked", path=name)
        yield info, _member_path(info.filename, name), info.is_dir()


def _unpack_zip(data: bytes, folder: Path, budget: _Budget) -> None:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info, relative, is_dir in _zip_members(archive, budget.archive):
            budget.entry(relative)
            if info.file_size > budget.max_bytes:  # declared too large: refused before reading a byte
                budget.spend(info.file_size)
            if is_dir:
                (folder / relative).mkdir(parents=True, exist_ok=True)
                continue
            with archive.open(info) as source:
                _write(source, folder / relative, budget)


class _Limited(io.RawIOBase):
    """A stream that refuses to give more than ``limit`` bytes (a tar's headers and padding included)."""

    def __init__(self, source: _Readable, limit: int, archive: str) -> None:
        self.source, self.limit, self.archive, self.given = source, limit, archive, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        data = self.source.read(len(buffer))
        self.given += len(data)
        if self.given > self.limit:
            raise InputError(f"archive unpacks to more than {self.limit:,} bytes; nothing was unpacked",
                             path=self.archive)
        buffer[: len(data)] = data
        return len(data)


def _decompressed(data: bytes) -> _Readable:
    raw = io.BytesIO(data)
    if data[:2] == b"\x1f\x8b":
        return gzip.GzipFile(fileobj=raw)
    if data[:3] == b"BZh":
        return bz2.BZ2File(raw)
    if data[:6] == b"\xfd7zXZ\x00":
        return lzma.LZMAFile(raw)
    return raw


def _unpack_tar(data: bytes, folder: Path, budget: _Budget) -> None:
    # Streamed through a byte limit: whatever the archive declares, at most that much is decompressed.
    limit = budget.max_bytes + 512 * (budget.max_entries + 2) * 3
    stream = io.BufferedReader(_Limited(_decompressed(data), limit, budget.archive))
    with tarfile.open(fileobj=stream, mode="r|") as archive:
        for member in archive:
            relative = _member_path(member.name, budget.archive)
            budget.entry(relative)
            if member.isdir():
                (folder / relative).mkdir(parents=True, exist_ok=True)
                continue
            if not member.isreg():
                raise InputError(f"archive member {member.name[:80]!r} is a link or a special file; "
                                 "nothing was unpacked", path=budget.archive)
            if member.size > budget.max_bytes:
                budget.spend(member.size)
            source = archive.extractfile(member)
            assert source is not None  # a regular member always has content
            _write(source, folder / relative, budget)


def unpack_archive(data: bytes, folder: Path, *, name: str, max_bytes: int,
                   max_entries: int = MAX_ENTRIES) -> Path:
    """Unpack ``data`` (a zip or tar archive called ``name``) into the empty or new ``folder``.

    Returns the bundle's folder: ``folder`` itself, or its one subfolder when the archive holds a
    single top-level folder (``json-dataset/CCM/...``) and nothing else. On any refusal the folder's
    contents are removed and :class:`InputError` is raised.
    """
    folder.mkdir(parents=True, exist_ok=True)
    if any(folder.iterdir()):
        raise InputError("the folder to unpack into is not empty", path=str(folder))
    budget = _Budget(name, len(data), max_bytes, max_entries)
    try:
        if data[:4] == b"PK\x03\x04" or data[:4] == b"PK\x05\x06":
            _unpack_zip(data, folder, budget)
        else:
            try:
                _unpack_tar(data, folder, budget)
            except tarfile.ReadError:
                raise InputError("not a zip or tar archive", path=name) from None
    except InputError:
        _empty(folder)
        raise
    except (zipfile.BadZipFile, tarfile.TarError, EOFError, OSError, ValueError, lzma.LZMAError) as exc:
        _empty(folder)
        raise InputError(f"damaged archive ({type(exc).__name__}: {str(exc)[:120]})", path=name) from None
    entries = list(folder.iterdir())
    if len(entries) == 1 and entries[0].is_dir():
        return entries[0]
    return folder


def _empty(folder: Path) -> None:
    for entry in folder.iterdir():
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
