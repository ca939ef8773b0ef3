#!/usr/bin/env python3
"""CPU share of the probability model (leave-one-set-out fit + scoring) in the shipped build.

    PYTHONPATH=server .venv/bin/python bench/scoring_share.py

Builds the shipped data twice into one in-memory store: a fresh build (everything validated, the
model fitted) and a rebuild with unchanged datasets (validation skipped by content hash, the model
reused when fitted on the same inputs). Prints each build's CPU seconds, the seconds spent in
``fit_model`` and ``apply_model``, and what scoring adds to the build without it. CPU time, not wall:
on a shared machine wall time mostly measures the other jobs.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import controlgraph.reasoning.materialise as materialise
from controlgraph.pipeline.build import build
from controlgraph.settings import Settings
from controlgraph.store.embedded import EmbeddedStore

spent = {"scoring": 0.0}


def timed(f: Callable[..., Any]) -> Callable[..., Any]:
    def run(*args: Any, **kwargs: Any) -> Any:
        start = time.process_time()
        try:
            return f(*args, **kwargs)
        finally:
            spent["scoring"] += time.process_time() - start
    return run


def main() -> None:
    materialise.fit_model = timed(materialise.fit_model)  # type: ignore[assignment]
    materialise.apply_model = timed(materialise.apply_model)  # type: ignore[assignment]
    store = EmbeddedStore(None)
    for label in ("fresh build", "rebuild"):
        spent["scoring"] = 0.0
        start = time.process_time()
        result = build(Settings.from_env({}, store="memory"), store)
        total = time.process_time() - start
        scoring = spent["scoring"]
        print(f"{label} (validation {result.validation}): {total:.2f} s CPU, scoring {scoring:.2f} s, "
              f"adds {100 * scoring / (total - scoring):.1f}% to the build without it")


if __name__ == "__main__":
    main()
