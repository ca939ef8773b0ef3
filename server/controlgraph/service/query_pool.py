"""Run public queries so that a slow one is stopped at its time limit and never holds up the others.

A pyoxigraph query cannot be interrupted from another Python thread, so on an embedded on-disk
store the queries run in a small pool of worker processes, each opening the store read-only; a
worker still busy at the time limit is killed and replaced. A worker reopens the store when its
files change (a rebuild switches generation, a write adds or grows files), so answers follow writes.

Two stores cannot be shared with another process, and are served from threads instead:
- a remote store: the query runs on the SPARQL server; the HTTP client gives up at the time limit
  (set the server's own limit too, e.g. ``oxigraph serve --timeout-s``);
- the in-memory store (tests, development): the caller gets its timeout answer at the limit, but the
  query keeps its thread until it ends, so CPU is not reclaimed. Use an on-disk store in production.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import queue
import threading
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any, Protocol

import pyoxigraph as ox

from controlgraph.errors import ControlGraphError, QueryCapacityExceeded, QueryError, QueryTimeout, StoreError
from controlgraph.service.public_view import PublicCopies
from controlgraph.service.query_results import Answer, answer_query
from controlgraph.service.sparql_access import check_read_only
from controlgraph.service.worker_isolation import isolate_network
from controlgraph.settings import Settings
from controlgraph.store import read_snapshots
from controlgraph.store.base import GraphStore
from controlgraph.store.embedded import CURRENT, EmbeddedStore
from controlgraph.store.tenancy import PUBLIC, Visibility

Substitutions = Mapping[str, ox.NamedNode | ox.Literal]
_worker_log = logging.getLogger("controlgraph.query_worker")
_STARTUP_SECONDS = 60


class QueryRunner(Protocol):
    def run(self, sparql: str, *, substitutions: Substitutions | None = None,
            results_media_type: str = "application/sparql-results+json",
            graph_media_type: str = "text/turtle", visibility: Visibility = PUBLIC) -> Answer: ...

    def close(self) -> None: ...


def _timeout_error(settings: Settings) -> QueryTimeout:
    return QueryTimeout(f"query stopped after the time limit of {settings.sparql_timeout:g} s; "
                        "narrow it down (fewer patterns, a LIMIT) or use a saved query")


# ---------------------------------------------------------------------- worker processes


class _WorkerStore:
    """What a worker queries: the newest read snapshot, reopened only when a write published another.

    A snapshot's files never change, so a query never meets a file removed by the writer's compaction
    (see :mod:`controlgraph.store.read_snapshots`). Before any snapshot exists (a store nobody has
    opened for writing since it was built), the live generation is opened read-only, and reopened
    whenever its files change.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self.store: EmbeddedStore | None = None
        self._opened: tuple[Any, ...] = ()
        self.shared_version: tuple[Any, ...] | None = None

    def current(self) -> EmbeddedStore:
        snapshot = read_snapshots.latest(self.root)
        marker = (snapshot.name,) if snapshot is not None else _generation_marker(self.root)
        if self.store is None or marker != self._opened:
            self.store = None  # a store that fails to open is not kept
            if snapshot is not None:
                self.store = EmbeddedStore.open_snapshot(snapshot)
                self.shared_version = tuple(sorted(
                    (g, v) for g, v in snapshot.graph_versions.items() if PUBLIC.sees_graph(g)))
            else:
                self.store = EmbeddedStore(self.root, read_only=True)
                self.shared_version = None  # unknown: the copy of shared graphs is taken again
            self._opened = marker
        return self.store


def _generation_marker(path: Path) -> tuple[Any, ...]:
    """Changes whenever the live generation's files change."""
    try:
        generation = path / (path / CURRENT).read_text(encoding="utf-8").strip()
        entries = sorted((e.name, e.stat().st_size, e.stat().st_mtime_ns) for e in os.scandir(generation)
                         if not e.name.startswith("LOG"))  # RocksDB's info log changes without new data
    except OSError:
        return ()
    return (generation.name, *entries)


def _worker_main(conn: Connection, store_path: str, public_copy_max_quads: int = 0) -> None:
    isolate_network()  # first, while the process has one thread: no query may open a connection
    opened = _WorkerStore(Path(store_path))
    copies = PublicCopies(public_copy_max_quads)  # anonymous queries never run where tenant graphs are
    with contextlib.suppress(ControlGraphError):  # a store that cannot open is reported with the first query
        opened.current()
    conn.send(("ready", None))
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return  # the parent went away
        reply: tuple[str, Any]
        try:
            store = opened.current()
            reply = ("ok", answer_query(copies.store_for(store, job["visibility"], opened.shared_version), **job))
        except ControlGraphError as exc:
            reply = ("error", exc)
        except Exception as exc:  # a worker must answer, whatever happened
            # The details are for the server log (this process's stderr), not for the caller.
            _worker_log.error("query failed in a query worker: %s: %s", type(exc).__name__, exc)
            reply = ("error", StoreError("the query failed inside a query worker; the server log has the cause"))
        try:
            conn.send(reply)
        except Exception as exc:  # e.g. an error that does not pickle
            _worker_log.error("a query answer could not be sent back: %s: %s", type(exc).__name__, exc)
            conn.send(("error", StoreError("the query failed inside a query worker; the server log has the cause")))


class _Worker:
    def __init__(self, context: Any, store_path: Path, public_copy_max_quads: int = 0) -> None:
        self.conn, child = context.Pipe()
        self.process: BaseProcess = context.Process(
            target=_worker_main, args=(child, str(store_path), public_copy_max_quads), daemon=True,
            name="controlgraph-query",
        )
        self.process.start()
        child.close()
        self.ready = False

    def wait_ready(self) -> None:
        """Wait for the worker to start (imports, opening the store), which is not charged to a query's time."""
        if self.ready:
            return
        if not self.conn.poll(_STARTUP_SECONDS):
            raise QueryError(f"a query worker did not start within {_STARTUP_SECONDS} s")
        status, _ = self.conn.recv()
        self.ready = status == "ready"

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=5)
        self.conn.close()


class ProcessQueryRunner:
    """A pool of query worker processes over an embedded on-disk store."""

    def __init__(self, store_path: Path, settings: Settings) -> None:
        self.store_path = store_path
        self.settings = settings
        self._context = multiprocessing.get_context("spawn")  # no fork of a threaded server process
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._workers: list[_Worker] = []
        self._lock = threading.Lock()
        self._closed = False

    def _start(self) -> None:
        with self._lock:
            if self._workers or self._closed:
                return
            for _ in range(self.settings.sparql_workers):
                worker = _Worker(self._context, self.store_path, self.settings.sparql_public_copy_max_quads)
                self._workers.append(worker)
                self._idle.put(worker)

    def _replace(self, worker: _Worker) -> None:
        worker.stop()
        with self._lock:
            if worker in self._workers:
                self._workers.remove(worker)
            if self._closed:
                return
            fresh = _Worker(self._context, self.store_path, self.settings.sparql_public_copy_max_quads)
            self._workers.append(fresh)
        self._idle.put(fresh)

    def run(self, sparql: str, *, substitutions: Substitutions | None = None,
            results_media_type: str = "application/sparql-results+json",
            graph_media_type: str = "text/turtle", visibility: Visibility = PUBLIC) -> Answer:
        check_read_only(sparql)  # refuse early, without using a worker
        self._start()
        started = time.monotonic()
        limit = self.settings.sparql_timeout
        try:
            worker = self._idle.get(timeout=limit)
        except queue.Empty:
            raise QueryCapacityExceeded(
                f"all {self.settings.sparql_workers} query workers stayed busy for {limit:g} s; try again shortly"
            ) from None
        try:
            worker.wait_ready()
        except (QueryError, EOFError, OSError):
            self._replace(worker)
            raise QueryError("a query worker failed to start; the query was not answered") from None
        started = time.monotonic()
        job = {"sparql": sparql, "substitutions": dict(substitutions or {}),
               "results_media_type": results_media_type, "graph_media_type": graph_media_type,
               "row_cap": self.settings.sparql_row_cap, "visibility": visibility}
        try:
            worker.conn.send(job)
            if not worker.conn.poll(max(0.0, limit - (time.monotonic() - started))):
                self._replace(worker)
                raise _timeout_error(self.settings)
            status, value = worker.conn.recv()
        except (EOFError, OSError, BrokenPipeError):
            self._replace(worker)
            raise QueryError("the query worker stopped unexpectedly; the query was not answered") from None
        self._idle.put(worker)
        if status == "ok":
            assert isinstance(value, Answer)
            return value
        raise value if isinstance(value, ControlGraphError) else QueryError(str(value))

    def close(self) -> None:
        with self._lock:
            self._closed = True
            workers, self._workers = self._workers, []
        for worker in workers:
            worker.stop()


# ---------------------------------------------------------------------- threads


class ThreadQueryRunner:
    """Queries on threads, for stores that cannot be opened by another process (remote, in memory)."""

    def __init__(self, store: GraphStore, settings: Settings) -> None:
        self.store = store
        self.settings = settings
        self._size = max(2, settings.sparql_workers * 2)
        self._executor = ThreadPoolExecutor(max_workers=self._size, thread_name_prefix="controlgraph-query")
        self._slots = threading.BoundedSemaphore(self._size)

    def run(self, sparql: str, *, substitutions: Substitutions | None = None,
            results_media_type: str = "application/sparql-results+json",
            graph_media_type: str = "text/turtle", visibility: Visibility = PUBLIC) -> Answer:
        check_read_only(sparql)
        limit = self.settings.sparql_timeout
        if not self._slots.acquire(timeout=limit):
            raise QueryCapacityExceeded(f"all {self._size} query threads stayed busy for {limit:g} s; "
                                        "try again shortly")
        future = self._executor.submit(
            answer_query, self.store, sparql, substitutions=substitutions, results_media_type=results_media_type,
            graph_media_type=graph_media_type, row_cap=self.settings.sparql_row_cap, visibility=visibility,
        )
        future.add_done_callback(lambda _: self._slots.release())
        try:
            return future.result(timeout=limit)
        except FutureTimeout:
            raise _timeout_error(self.settings) from None

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)


def query_runner(store: GraphStore, settings: Settings) -> QueryRunner:
    """The runner fit for where the store lives."""
    if isinstance(store, EmbeddedStore) and store.path is not None:
        return ProcessQueryRunner(store.path, settings)
    return ThreadQueryRunner(store, settings)


def close_quietly(runner: QueryRunner) -> None:
    with contextlib.suppress(Exception):
        runner.close()
