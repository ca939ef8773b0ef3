"""Reading a user's file defensively: size caps, strict parsers, errors that say where.

User files are untrusted. Every reader goes through these functions, so an oversized file, a
truncated JSON document or a YAML file with a language-specific tag or an alias fails with one clear line
(:class:`InputError` naming the file and the position) instead of a traceback or a hang.
"""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

from controlgraph.data.literals import brief
from controlgraph.data.safe_yaml import load_plain_yaml
from controlgraph.errors import InputError

MAX_INPUT_BYTES = 64 * 1024 * 1024  # far above any real catalog (the CCM bundle is under 1 MB)


def existing_file(path: Path, what: str, *, within: Path | None = None) -> Path:
    """``path`` if it is a regular file under the size cap (and, with ``within``, inside that folder).

    A bundle's files are looked up inside the bundle: a symbolic link leading out of it (to
    ``/proc``, ``/etc``, another user's files) is refused, so a crafted bundle cannot make the
    importer read local files.
    """
    try:
        if within is not None and not path.resolve().is_relative_to(within.resolve()):
            raise InputError(f"links outside the folder it belongs to (expected {what})", path=str(path))
        if not path.exists():
            raise InputError(f"file not found (expected {what})", path=str(path))
        info = path.stat()
    except OSError as exc:
        raise InputError(f"cannot be read ({exc.strerror or 'input/output error'}; expected {what})",
                         path=str(path)) from None
    except RuntimeError:  # a symbolic link loop
        raise InputError(f"cannot be resolved (a loop of links; expected {what})", path=str(path)) from None
    if not stat.S_ISREG(info.st_mode):
        raise InputError(f"not a file (expected {what})", path=str(path))
    if info.st_size > MAX_INPUT_BYTES:
        raise InputError(f"file is {info.st_size:,} bytes, more than the {MAX_INPUT_BYTES:,} accepted",
                         path=str(path))
    return path


def existing_folder(path: Path, what: str) -> Path:
    if not path.exists():
        raise InputError(f"no such folder ({what})", path=str(path))
    if not path.is_dir():
        raise InputError(f"not a folder (expected {what})", path=str(path))
    return path


def read_bytes(path: Path, what: str, *, within: Path | None = None) -> bytes:
    """The file's bytes, at most the cap whatever its reported size (``/proc`` files report 0)."""
    existing_file(path, what, within=within)
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_INPUT_BYTES + 1)
    except OSError as exc:
        raise InputError(f"cannot be read ({exc.strerror or 'input/output error'}; expected {what})",
                         path=str(path)) from None
    if len(data) > MAX_INPUT_BYTES:
        raise InputError(f"file is more than the {MAX_INPUT_BYTES:,} bytes accepted", path=str(path))
    return data


def read_text(path: Path, what: str, *, within: Path | None = None) -> str:
    data = read_bytes(path, what, within=within)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text (byte {exc.start}): expected {what}", path=str(path)) from None


def _reject_constant(token: str) -> Any:
    raise ValueError(f"{token} is not valid JSON")


def load_json(path: Path, what: str, *, within: Path | None = None) -> Any:
    text = read_text(path, what, within=within)
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON at column {exc.colno}: {exc.msg} (expected {what})",
                         path=str(path), line=exc.lineno) from None
    except (ValueError, RecursionError) as exc:
        raise InputError(f"invalid JSON: {exc} (expected {what})", path=str(path)) from None


def load_yaml(path: Path, what: str) -> Any:
    """Plain YAML data only: no tags that build Python objects, no anchors or aliases (alias bombs)."""
    return load_plain_yaml(read_text(path, what), path=str(path), what=what)


def expect_dict(value: Any, where: str, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InputError(f"{where}: expected {what} (an object), found {type(value).__name__}")
    return value


def expect_list(value: Any, where: str, what: str) -> list[Any]:
    if not isinstance(value, list):
        raise InputError(f"{where}: expected {what} (a list), found {type(value).__name__}")
    return value


def expect_str(value: Any, where: str, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InputError(f"{where}: expected {what} (a non-empty string), found {brief(value)}")
    return value.strip()
