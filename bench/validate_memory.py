"""Peak memory of `controlgraph validate` per input byte (issue 21, finding 13), each run in a child process.

Generates mapping-set files of several sizes (copies of the curated CCM -> ISO 27002:2022 set's
mappings, each under a new IRI, between real controls, so the file conforms), validates each with
`python -m controlgraph validate FILE` in a child process and prints the child's peak RSS, its growth
over validating a one-mapping file, and both as a ratio to the input size, for each way `validate` can
take: pyshacl alone (``CONTROLGRAPH_VALIDATE_FAST_MAX_BYTES=0``) and the fast check first (the setting
raised over every size, so each file takes it; by default only inputs up to 1 MB do).

    PYTHONPATH=server python bench/validate_memory.py --sizes 1000,3000,6000
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SOURCE = REPO / "mappings" / "sets" / "csa-ccm-4--iso27002-2022--curated.ttl"
SET = "ms:csa-ccm-4--iso27002-2022--curated"


def mapping_set(mappings: int) -> str:
    """A conforming mapping set of ``mappings`` mappings (the curated set's, repeated under new IRIs)."""
    text = SOURCE.read_text(encoding="utf-8")
    blocks = text.split("\n\n")
    header = [b for b in blocks if "a cg:" not in b or "a cg:MappingSet" in b]
    body = [b for b in blocks if "a cg:Mapping ;" in b]
    out = [b.replace(SET, "ms:bench-validate-memory") for b in header]
    for i in range(mappings):
        block = re.sub(r"^\S+", f"<https://w3id.org/controlgraph/id/mapping/bench/{i}>", body[i % len(body)],
                       count=1, flags=re.MULTILINE)
        out.append(block.replace(SET, "ms:bench-validate-memory"))
    return "\n\n".join(out) + "\n"


# The ways `validate` takes, by CONTROLGRAPH_VALIDATE_FAST_MAX_BYTES.
PYSHACL = {"CONTROLGRAPH_VALIDATE_FAST_MAX_BYTES": "0"}
FAST_FIRST = {"CONTROLGRAPH_VALIDATE_FAST_MAX_BYTES": "64000000"}


def measure(path: Path, env: dict[str, str] | None = None) -> tuple[int, float, int]:
    """(peak RSS in bytes, seconds, exit code) of validating ``path`` in a child process (``env`` added)."""
    started = time.monotonic()
    child = subprocess.Popen([sys.executable, "-m", "controlgraph", "validate", str(path)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env={**os.environ, **(env or {})})
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.monotonic() - started
    if child.stderr is not None:
        child.stderr.close()
    return usage.ru_maxrss * 1024, seconds, os.waitstatus_to_exitcode(status)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,3000,6000", help="mappings per generated file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="validate-memory-") as work:
        tiny = Path(work) / "bench-one.ttl"
        tiny.write_text(mapping_set(1), encoding="utf-8")
        paths = []
        for count in (int(n) for n in args.sizes.split(",")):
            path = Path(work) / f"bench-{count}.ttl"
            path.write_text(mapping_set(count), encoding="utf-8")
            paths.append((count, path))
        for label, env in (("pyshacl alone", PYSHACL), ("fast check first", FAST_FIRST)):
            base, base_seconds, code = measure(tiny, env)
            print(f"{label}: baseline (1 mapping, {tiny.stat().st_size:,} B): peak {base / 1e6:.0f} MB, "
                  f"{base_seconds:.1f} s, exit {code}")
            print("mappings  input_MB  peak_MB  growth_MB  peak/input  growth/input  seconds  exit")
            for count, path in paths:
                size = path.stat().st_size
                peak, seconds, code = measure(path, env)
                print(f"{count:>8}  {size / 1e6:>8.2f}  {peak / 1e6:>7.0f}  {(peak - base) / 1e6:>9.0f}  "
                      f"{peak / size:>10.1f}  {(peak - base) / size:>12.1f}  {seconds:>7.1f}  {code:>4}")

if __name__ == "__main__":
    main()
