"""Independent, pure computations over a list, in worker processes forked from this one when that is safe.

The leave-one-set-out fit runs the engine once per published set (a dozen runs of about 0.07 s each on
the shipped data, a third of a build's reasoning); the runs share nothing, so on a machine with several
CPUs they run side by side. Forked workers inherit the inputs (nothing is pickled on the way in) and
return small results (feature matrices and labels).

Forking is only safe when this process runs one Python thread: a fork copies just the calling thread,
and a lock another thread held (logging, a store's publisher) would stay locked in the child forever.
A server's process has several threads, so there, and on a single CPU, the work runs here, in order.
The results are the same either way, in the order of the items.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable, Sequence
from typing import Any, TypeVar, cast

Item = TypeVar("Item")
Result = TypeVar("Result")

MAX_WORKERS = 4


# The function of the running map, for the forked workers to find (they inherit this process's memory).
_current: Callable[[Any], Any] | None = None


def _run(item: object) -> object:
    assert _current is not None
    return _current(item)


def may_fork() -> bool:
    """Whether a worker forked now gets a consistent copy of this process (one thread, fork available)."""
    return hasattr(os, "fork") and threading.active_count() == 1


def forked_map(function: Callable[[Item], Result], items: Sequence[Item], workers: int | None = None) -> list[Result]:
    """``[function(i) for i in items]``, in up to ``workers`` forked processes (default: the CPUs, at most
    :data:`MAX_WORKERS`) when there are several items and forking is safe; here otherwise."""
    if workers is None:
        workers = min(os.cpu_count() or 1, MAX_WORKERS)
    workers = min(workers, len(items))
    global _current
    if workers < 2 or not may_fork() or _current is not None:
        return [function(i) for i in items]
    _current = function
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            return cast(list[Result], pool.map(_run, items, chunksize=1))
    finally:
        _current = None
