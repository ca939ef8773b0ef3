#!/usr/bin/env python3
"""Import speed: a two-row SSSOM file, the CSA CCM bundle and a re-import, next to a build, in one run.

    PYTHONPATH=server .venv/bin/python bench/imports.py [--before /path/to/other/tree] [--work DIR]

Builds a store once (``controlgraph build``, timed: the baseline every figure is compared with), then
runs each import in a child process (``python -m controlgraph import ...``) on a fresh copy of that
store, so every import starts from the same shipped build:

- ``sssom-2``: an SSSOM/TSV file of two rows of the OLIR CSF 2.0 -> ISO 27001 set under a new set id;
- ``ccm``: ``import ccm`` of the CCM JSON bundle folder (``$CONTROLGRAPH_REFERENCE/csa-ccm-4.0.12/json-dataset``);
- ``ccm-again``: the same bundle imported a second time into the store that already holds it (no change).

With ``--before``, the other tree imports into copies of a build it made itself (same data).

Prints wall and CPU seconds (the child's user + system) per import, the seconds the CLI itself reports
(the work after the process has started and loaded its modules), and the ratio to the build's wall time.
``--before PATH`` runs the same imports, on copies of the same build, with the code of another checkout
(its ``server/`` first on PYTHONPATH), so old and new are measured in one run on the same machine load.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SSSOM_SET = "nist-csf-2.0--iso27001-2022--olir"


def run(tree: Path, store: Path, *args: str) -> tuple[float, float, float | None, str]:
    """Run ``controlgraph --store STORE ARGS`` with ``tree``'s code; wall, CPU, the CLI's own seconds, output."""
    env = {**os.environ, "PYTHONPATH": str(tree / "server"), "CONTROLGRAPH_STORE": str(store)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "controlgraph", *args], env=env, capture_output=True, text=True,
                          check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode != 0:
        raise SystemExit(f"controlgraph {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    reported = re.findall(r"^seconds: ([0-9.]+)", done.stdout, flags=re.MULTILINE)
    return wall, cpu, float(reported[-1]) if reported else None, done.stdout


def two_row_sssom(store: Path, folder: Path) -> Path:
    """Two rows of a shipped set, as a new SSSOM mapping set (written with this tree's exporter)."""
    code = (
        "import sys; from pathlib import Path\n"
        "from controlgraph.store.embedded import EmbeddedStore\n"
        "from controlgraph.sssom_tsv import write_sssom\n"
        "store = EmbeddedStore(Path(sys.argv[1]), read_only=True)\n"
        f"print(write_sssom(store, {SSSOM_SET!r}), end='')\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO / "server")}
    text = subprocess.run([sys.executable, "-c", code, str(store)], env=env, capture_output=True, text=True,
                          check=True).stdout
    lines = text.splitlines()
    header = [ln.replace(SSSOM_SET, "bench-two-rows") if "mapping_set_id" in ln else ln
              for ln in lines if ln.startswith("#")]
    table = [ln for ln in lines if not ln.startswith("#")]
    path = folder / "two-rows.sssom.tsv"
    path.write_text("\n".join([*header, *table[:3]]) + "\n", encoding="utf-8")
    return path


Figures = list[tuple[str, float, float, float | None]]


def scenarios(tree: Path, built: Path, work: Path, sssom: Path, ccm: Path) -> Figures:
    out = []
    for name, kind, path in (("sssom-2", "sssom", sssom), ("ccm", "ccm", ccm)):
        store = work / f"{tree.name}-{name}"
        shutil.rmtree(store, ignore_errors=True)
        shutil.copytree(built, store, symlinks=True)
        wall, cpu, own, _ = run(tree, store, "import", kind, str(path))
        out.append((name, wall, cpu, own))
        if name == "ccm":
            wall, cpu, own, text = run(tree, store, "import", kind, str(path))
            assert "unchanged" in text, text
            out.append(("ccm-again", wall, cpu, own))
        shutil.rmtree(store, ignore_errors=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", type=Path, help="another checkout to measure the same imports with")
    parser.add_argument("--work", type=Path, help="folder for the stores (default: a temporary one)")
    args = parser.parse_args()
    reference = Path(os.environ.get("CONTROLGRAPH_REFERENCE", REPO.parent / "shared" / "reference"))
    ccm = reference / "csa-ccm-4.0.12" / "json-dataset"
    with tempfile.TemporaryDirectory(dir=args.work) as tmp:
        work = Path(tmp)
        built = work / "built"
        wall, cpu, _, _ = run(REPO, built, "build")
        print(f"build (baseline): {wall:7.2f}s wall  {cpu:7.2f}s CPU  load average {os.getloadavg()[0]:.1f}")
        sssom = two_row_sssom(built, work)
        trees = [("after", REPO)] + ([("before", args.before.resolve())] if args.before else [])
        for label, tree in trees:
            print(f"{label}: {tree}")
            own_build = built
            if tree != REPO:
                # Each tree imports into a store of its own build: what one version writes (e.g. result
                # digests) would otherwise count as a change for the other.
                own_build = work / f"built-{label}"
                run(tree, own_build, "build")
            for name, wall_s, cpu_s, own_s in scenarios(tree, own_build, work, sssom, ccm):
                cli = f"{own_s:7.2f}s" if own_s is not None else "      -"
                print(f"  {name:<10} {wall_s:7.2f}s wall  {cpu_s:7.2f}s CPU  {cli} in the CLI  "
                      f"{wall_s / wall:6.3f} x build  (load average {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
