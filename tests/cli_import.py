"""The installed ``controlgraph import ccm`` run once per test run, and what the tests read of that run.

Importing the whole CCM bundle into the shipped graph is the longest step of the import tests. The CLI
test of tests/importers/test_ccm.py, the kill test, the import-then-build test and the saved queries
over an imported bundle each ran it; they now share one run (``ccm_cli_import`` in tests/conftest.py)
and check their things of its output, its report and the store it left.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
STORE = "STORE"  # where the store's path goes in the command
WRITING = "  writing "  # the progress line printed just before the import's one write to the store


@dataclass(frozen=True)
class CliImport:
    """One run of ``controlgraph import ccm BUNDLE`` on a copy of the shipped store, as a user runs it
    (from the repository top, the bundle named relative to it)."""

    store: Path  # the store after the import: copy it before opening it for writing
    command: list[str]  # with STORE where the store's path goes
    returncode: int
    stdout: str
    stderr: str  # the progress lines
    report: Path  # the --report CSV
    seconds: float  # start to exit
    writing_at: float  # start to the WRITING progress line (-1 if none was printed)

    def run_on(self, store: Path) -> subprocess.Popen[bytes]:
        """The same command on another store, progress on a pipe, in a process group of its own."""
        return subprocess.Popen(_on(self.command, store), cwd=REPO, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, start_new_session=True)

    @classmethod
    def read(cls, root: Path) -> CliImport:
        run = json.loads((root / "run.json").read_text())
        return cls(store=root / "store", stdout=(root / "stdout.txt").read_text(), report=root / "issues.csv",
                   **run)


def _on(command: list[str], store: Path) -> list[str]:
    return [str(store) if part == STORE else part for part in command]


def run_ccm_import(root: Path, shipped: Path, reference: Path) -> None:
    """Import the bundle into a copy of ``shipped`` under ``root``; keep what the command said there."""
    store, report = root / "store", root / "issues.csv"
    shutil.copytree(shipped, store)  # makes root too
    bundle = os.path.relpath(reference / "csa-ccm-4.0.12" / "json-dataset", REPO)  # ../shared/reference/...
    command = [str(Path(sys.executable).parent / "controlgraph"), "--store", STORE, "import", "ccm", bundle]
    started = time.monotonic()
    with (root / "stdout.txt").open("wb") as out:
        process = subprocess.Popen(_on([*command, "--report", str(report)], store), cwd=REPO, stdout=out,
                                   stderr=subprocess.PIPE, text=True)
        assert process.stderr is not None
        lines, writing_at = [], -1.0
        for line in process.stderr:
            lines.append(line)
            if writing_at < 0 and WRITING in line:
                writing_at = time.monotonic() - started
        returncode = process.wait()
    (root / "run.json").write_text(json.dumps({
        "command": command, "returncode": returncode, "stderr": "".join(lines),
        "seconds": time.monotonic() - started, "writing_at": writing_at}))
