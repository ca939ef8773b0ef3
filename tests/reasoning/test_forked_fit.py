"""The leave-one-set-out fit runs its held-out sets in forked processes when it may, with the same model."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

from controlgraph.reasoning.forked_map import forked_map

SERVER = Path(__file__).resolve().parents[2] / "server"

# Run in a process of its own: a pytest worker may run threads, and then nothing is forked.
_SCRIPT = """
import json, os
from controlgraph.data.datasets import data_root, shipped_datasets
from controlgraph.data.loader import load_files
from controlgraph.reasoning.forked_map import forked_map, may_fork
from controlgraph.reasoning.inputs import asserted_mappings, control_texts, shared_graphs
from controlgraph.reasoning.pair_features import texts_from
from controlgraph.reasoning.probability_fit import ScoringInputs, fit_model
from controlgraph.settings import Settings

assert may_fork()
squares = forked_map(lambda i: (i * i, os.getpid()), list(range(7)), 2)
triples = shared_graphs(load_files(shipped_datasets(data_root(Settings().data_dir))).graphs())
edges = asserted_mappings(triples)
titles, statements, parents = control_texts(triples)
models = [fit_model(ScoringInputs(edges, texts_from(titles, statements), parents.get, 3), workers=w).to_json()
          for w in (1, 2)]
print(json.dumps({"squares": [s for s, _ in squares], "pids": sorted({p for _, p in squares}), "me": os.getpid(),
                  "serial": models[0], "forked": models[1]}))
"""


def test_held_out_runs_in_forked_processes_give_the_model_of_a_serial_fit() -> None:
    import json

    done = subprocess.run([sys.executable, "-c", _SCRIPT], env={**os.environ, "PYTHONPATH": str(SERVER)},
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout)
    assert out["squares"] == [i * i for i in range(7)]  # in the order of the items
    # Computed in other processes (which of the two takes which item depends on which starts first).
    assert out["pids"] and out["me"] not in out["pids"]
    assert out["serial"]["trained_on"] and out["forked"] == out["serial"]


def test_with_another_thread_running_nothing_is_forked() -> None:
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert {pid for pid in forked_map(lambda _: os.getpid(), [1, 2, 3], 2)} == {os.getpid()}
    finally:
        stop.set()
        other.join()
