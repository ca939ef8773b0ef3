#!/usr/bin/env python3
"""Set-up and run controlgraph on a fresh machine that has only Python 3.11+ and pip.

    python3 run.py serve   # install, build the graph, serve it on http://127.0.0.1:8000
    python3 run.py test    # install with the test tools, run the whole test suite (parallel workers)
    python3 run.py lint    # ruff and mypy, as CI runs them

Everything goes into ./.venv, pinned by constraints.txt; a second run reinstalls only when
pyproject.toml or constraints.txt changed. Extra arguments go to the underlying command
(`python3 run.py test -k sparql`, `python3 run.py serve --port 9000`). `test` runs one pytest-xdist
worker per CPU, each taking whole test files (`-n auto --dist loadfile`) unless the arguments choose
(`-n 0`, `-p no:xdist`); `python3 run.py test -m "not slow"` is the fast subset (docs/testing.md).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")


def _run(*cmd: str | Path) -> None:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    done = subprocess.run([str(c) for c in cmd], cwd=ROOT)
    if done.returncode != 0:
        sys.exit(done.returncode)


def _install(extra: str) -> None:
    if sys.version_info < (3, 11):  # noqa: UP036  (run.py may be started by an older python3)
        sys.exit(f"controlgraph needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    if not (BIN / "python").exists():
        venv.EnvBuilder(with_pip=True).create(VENV)
    fingerprint = hashlib.sha256(
        (ROOT / "pyproject.toml").read_bytes() + (ROOT / "constraints.txt").read_bytes() + extra.encode()
    ).hexdigest()
    stamp = VENV / ".controlgraph-installed"
    if stamp.exists() and stamp.read_text().strip() == fingerprint:
        return
    target = f".[{extra}]" if extra else "."
    _run(BIN / "python", "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         "-c", "constraints.txt", "-e", target)
    stamp.write_text(fingerprint)


def _install_browser() -> None:
    """Best effort: the HTML report tests drive a headless Debian chromium; as root on Debian, install it."""
    if shutil.which("chromium") or not hasattr(os, "geteuid") or os.geteuid() != 0 or not shutil.which("apt-get"):
        return
    print("+ apt-get install chromium (for the HTML report tests)", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=False, stdout=subprocess.DEVNULL, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", "chromium"], check=False, stdout=subprocess.DEVNULL, env=env)


def _parallel(args: list[str]) -> list[str]:
    """pytest-xdist workers, one per CPU, unless the arguments already say how many (or turn xdist off)."""
    chosen = any(a in ("-n", "--numprocesses", "no:xdist") or a.startswith(("-n", "--numprocesses=")) for a in args)
    return [] if chosen else ["-n", "auto", "--dist", "loadfile"]


def main(argv: list[str]) -> None:
    if not argv or argv[0] not in ("serve", "test", "lint"):
        sys.exit(__doc__)
    command, rest = argv[0], argv[1:]
    if command == "serve":
        _install("")
        _run(BIN / "controlgraph", "serve", "--build", *rest)
    elif command == "test":
        _install("test")
        _install_browser()
        _run(BIN / "python", "-m", "pytest", *_parallel(rest), *rest)
    else:
        _install("test")
        _run(BIN / "ruff", "check", ".")
        _run(BIN / "mypy")


if __name__ == "__main__":
    main(sys.argv[1:])
