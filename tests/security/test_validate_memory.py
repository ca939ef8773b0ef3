"""`controlgraph validate` memory per input byte (issue 21, finding 13), measured on child processes.

Validating a generated mapping set of about 3.3 MB must not need more than a generous multiple of its size
beyond what validating a one-mapping file needs (the shipped datasets, read as context, and the
libraries). Before the fix the growth was 20-22 bytes per input byte on this input (the issue measured
about 80 on its own); after it 10-11 (`bench/validate_memory.py`), so the bound below fails on a return
to the old way (a list of parsed triples beside the rdflib graph, one IRI object per occurrence). Inputs over
`CONTROLGRAPH_VALIDATE_MAX_BYTES` are refused with one line, exit 2.

The bound is pyshacl's: inputs over `CONTROLGRAPH_VALIDATE_FAST_MAX_BYTES` (1 MB) go to it directly, smaller ones
through a fast check first (about 17 bytes per input byte, so at most some 17 MB more), which is set off here so
that both runs measure the same path.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("validate_memory_bench", REPO / "bench" / "validate_memory.py")
assert _spec is not None and _spec.loader is not None
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)

MAPPINGS = 3_000
BYTES_PER_INPUT_BYTE = 18  # after the fix 10-11, before it 20-22 (the issue saw 80)


def test_validate_memory_grows_by_a_bounded_multiple_of_the_input(tmp_path: Path) -> None:
    one, big = tmp_path / "one.ttl", tmp_path / "big.ttl"
    one.write_text(bench.mapping_set(1), encoding="utf-8")
    big.write_text(bench.mapping_set(MAPPINGS), encoding="utf-8")
    base, _, code = bench.measure(one, bench.PYSHACL)
    assert code == 0
    peak, _, code = bench.measure(big, bench.PYSHACL)
    assert code == 0  # the generated set conforms: the whole validation ran
    size = big.stat().st_size
    assert size > 3_000_000
    ratio = (peak - base) / size
    assert ratio < BYTES_PER_INPUT_BYTE, f"validate grew by {ratio:.1f} bytes per input byte ({peak / 1e6:.0f} MB)"


def test_inputs_over_the_setting_are_refused_with_one_line(tmp_path: Path) -> None:
    big = tmp_path / "big.ttl"
    big.write_text(bench.mapping_set(20), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "controlgraph", "validate", str(big)], capture_output=True,
                          text=True, timeout=300, env={**os.environ, "CONTROLGRAPH_VALIDATE_MAX_BYTES": "10000"},
                          check=False)
    assert done.returncode == 2, done.stderr[-500:]
    assert "over the 10,000 accepted" in done.stderr and "CONTROLGRAPH_VALIDATE_MAX_BYTES" in done.stderr
    assert "Traceback" not in done.stderr
