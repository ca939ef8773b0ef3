"""Run public queries so that a slow one is stopped at its time limit and never holds up the others.

A pyoxigraph query cannot be interrupted from another Python thread, so on an embedded on-disk
store the queries run in a small pool of worker processes, each opening the store read-only; a
worker still busy at the time limit is killed and replaced. A worker reopens the store when its
files change (a rebuild switches generation, a write adds or grows files), so answers follow writes.

Every query has one deadline, ``sparql_timeout`` from when it arrives: waiting for a free worker
(at most ``sparql_queue_wait``) is part of it, so no answer comes later than the limit.

A worker process is started with its own small bootstrap (not multiprocessing's, which imports the
server's main module first and with it libraries that start threads): it leaves the network
(:mod:`controlgraph.service.worker_isolation`) while it still has one thread, then opens the store
and takes its copy of the shared graphs before it reports ready.

Two stores cannot be shared with another process, and are served from threads instead:
- a remote store: the query runs on the SPARQL server; the HTTP client gives up at the time limit
  (set the server's own limit too, e.g. ``oxigraph serve --timeout-s``);
- the in-memory store (tests, development): the caller gets its timeout answer at the limit, but the
  query keeps its thread until it ends, so CPU is not reclaimed. Use an on-disk store in production.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Protocol

import pyoxigraph as ox

from controlgraph.errors import ControlGraphError, QueryCapacityExceeded, QueryError, QueryTimeout, StoreError
from controlgraph.service.answer_relay import QueueChannel, QueueSink, RelayedAnswer
from controlgraph.service.answer_stream import StreamEnd, StreamLimits, stream_answer
from controlgraph.service.public_view import PublicCopies
from controlgraph.service.query_results import Answer
from controlgraph.service.sparql_access import check_read_only
from controlgraph.settings import Settings
from controlgraph.store import copy_deltas, read_snapshots
from controlgraph.store.base import GraphStore
from controlgraph.store.embedded import EmbeddedStore
from controlgraph.store.generations import CURRENT
from controlgraph.store.snapshot_copies import SnapshotCopies
from controlgraph.store.tenancy import PUBLIC, Visibility

Substitutions = Mapping[str, ox.NamedNode | ox.Literal]
_worker_log = logging.getLogger("controlgraph.query_worker")
_IDLE_CHECK_SECONDS = 1.0
_STARTING_POLL = 0.05
# How long the app's startup waits for its query workers to be ready (each opens the store and builds its
# in-memory copy of the shared graphs first), so a server that answers at all answers queries; past it the
# server starts anyway and queries meet "workers are starting" (503) until they are.
_STARTUP_WAIT = 120.0


class QueryRunner(Protocol):
    def start(self) -> None: ...

    def run(self, sparql: str, *, substitutions: Substitutions | None = None,
            results_media_type: str = "application/sparql-results+json",
            graph_media_type: str = "text/turtle", visibility: Visibility = PUBLIC) -> Answer: ...

    def stream(self, sparql: str, *, substitutions: Substitutions | None = None,
               results_media_type: str = "application/sparql-results+json",
               graph_media_type: str = "text/turtle", visibility: Visibility = PUBLIC,
               window: int | None = None) -> RelayedAnswer: ...

    def close(self) -> None: ...


def _timeout_error(settings: Settings) -> QueryTimeout:
    return QueryTimeout(f"query stopped after the time limit of {settings.sparql_timeout:g} s; "
                        "narrow it down (fewer patterns, a LIMIT) or use a saved query")


def _limits(settings: Settings, window: int | None) -> StreamLimits:
    """``window``: None streams answers past ``sparql_stream_window``; a runner's ``run`` asks for whole answers."""
    return StreamLimits(row_cap=settings.sparql_row_cap, max_bytes=settings.sparql_max_result_bytes,
                        window=settings.sparql_stream_window if window is None else window,
                        chunk_bytes=settings.sparql_stream_chunk)


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
                self.shared_version = copy_deltas.shared_version(snapshot.graph_versions)
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


def _worker_main(conn: Connection, store_path: str, public_copy_max_quads: int = 0, copy_first: bool = True) -> None:
    """``copy_first``: take the copy of the shared graphs before saying ready (the workers the app starts with);
    a worker replacing one stopped at a time limit says ready at once and takes it in the background, so one
    runaway query does not leave the pool without a ready worker for the seconds a copy takes."""
    opened = _WorkerStore(Path(store_path))
    # Anonymous queries never run where tenant graphs are; the copy is taken outside any query's time.
    copies = PublicCopies(public_copy_max_quads, background=True,
                          files=SnapshotCopies(Path(store_path) / read_snapshots.SNAPSHOTS_DIR))
    with contextlib.suppress(ControlGraphError):  # a store that cannot open is reported with the first query
        if copy_first:
            copies.prepare(opened.current(), opened.shared_version)
        else:
            copies.refresh(opened.current(), opened.shared_version)
    conn.send(("ready", None))
    while True:
        try:
            if not conn.poll(_IDLE_CHECK_SECONDS):
                # Idle: follow writes now, so the next query does not find the copy out of date.
                with contextlib.suppress(ControlGraphError, OSError):
                    copies.refresh(opened.current(), opened.shared_version)
                continue
            job = conn.recv()
        except (EOFError, OSError):
            return  # the parent went away
        sink = _PipeSink(conn)
        try:
            with copies.answering():
                store = opened.current()
                # A tenant's own graph is laid over the copy until the whole answer has been streamed.
                with copies.view(store, job["visibility"], opened.shared_version) as answering:
                    stream_answer(answering, job.pop("sparql"), sink, **job)
                continue
        except ControlGraphError as exc:
            error = exc
        except (EOFError, OSError):
            return  # the parent went away while a chunk waited for its reply
        except Exception as exc:  # a worker must answer, whatever happened
            # The details are for the server log (this process's stderr), not for the caller.
            _worker_log.error("query failed in a query worker: %s: %s", type(exc).__name__, exc)
            error = StoreError("the query failed inside a query worker; the server log has the cause")
        try:
            conn.send(("error", error))
        except (EOFError, OSError):
            return
        except Exception as exc:  # e.g. an error that does not pickle
            _worker_log.error("a query error could not be sent back: %s: %s", type(exc).__name__, exc)
            conn.send(("error", StoreError("the query failed inside a query worker; the server log has the cause")))


class _PipeSink:
    """A worker's end of a streamed answer: messages over the pipe, a reply awaited after each chunk."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def whole(self, answer: Answer) -> None:
        self.conn.send(("whole", answer))

    def head(self, form: str, media_type: str) -> None:
        self.conn.send(("head", form, media_type))

    def chunk(self, data: bytes) -> bool:
        self.conn.send(("chunk", data))
        return bool(self.conn.recv() == "more")

    def end(self, outcome: StreamEnd) -> None:
        self.conn.send(("end", outcome))


class _WorkerChannel:
    """The server's end of a worker's pipe, for one query."""

    def __init__(self, runner: ProcessQueryRunner, worker: _Worker) -> None:
        self.runner, self.worker = runner, worker

    def receive(self, timeout: float) -> tuple[Any, ...] | None:
        if not self.worker.conn.poll(timeout):
            return None
        message: tuple[Any, ...] = self.worker.conn.recv()
        return message

    def reply(self, word: str) -> None:
        with contextlib.suppress(OSError):  # a worker that died is found at the next receive
            self.worker.conn.send(word)

    def abandon(self) -> None:
        self.runner._replace(self.worker)

    def release(self) -> None:
        self.runner._idle.put(self.worker)


def worker_entry() -> None:
    """A worker process's main, after the bootstrap left the network: ``fd store_path max_quads copy_first``."""
    fd, store_path, max_quads, copy_first = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
    _worker_main(Connection(int(fd)), store_path, int(max_quads), copy_first == "1")


WORKER_BOOTSTRAP = ("from controlgraph.service.worker_isolation import isolate_network; isolate_network(); "
              "from controlgraph.service.query_pool import worker_entry; worker_entry()")


class _Worker:
    def __init__(self, store_path: Path, public_copy_max_quads: int = 0, *, copy_first: bool = True) -> None:
        ours, theirs = socket.socketpair()
        package_root = str(Path(__file__).resolve().parents[2])  # where `controlgraph` is importable from
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH", "")) if p)
        self.process = subprocess.Popen(
            [sys.executable, "-c", WORKER_BOOTSTRAP, str(theirs.fileno()), str(store_path), str(public_copy_max_quads),
             "1" if copy_first else "0"],
            pass_fds=(theirs.fileno(),), env=env, stdin=subprocess.DEVNULL, close_fds=True,
        )
        theirs.close()
        self.conn = Connection(ours.detach())
        self.ready = False
        self._ready_lock = threading.Lock()

    def wait_ready(self, until: float) -> bool:
        """Whether the worker has started (imports, store, copy) by ``until``."""
        with self._ready_lock:  # one reader of the "ready" message
            if self.ready:
                return True
            if not self.conn.poll(max(0.0, until - time.monotonic())):
                return False
            status, _ = self.conn.recv()
            self.ready = status == "ready"
            return self.ready

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=5)
        self.conn.close()


class _WholeAnswers:
    """What both runners share: a whole answer is the streamed one collected, up to the byte cap."""

    settings: Settings

    def stream(self, sparql: str, *, substitutions: Substitutions | None = None,
               results_media_type: str = "application/sparql-results+json",
               graph_media_type: str = "text/turtle", visibility: Visibility = PUBLIC,
               window: int | None = None) -> RelayedAnswer:
        raise NotImplementedError

    def run(self, sparql: str, *, substitutions: Substitutions | None = None,
            results_media_type: str = "application/sparql-results+json",
            graph_media_type: str = "text/turtle", visibility: Visibility = PUBLIC) -> Answer:
        """The answer in one piece (capped as a streamed one is: it is never larger than the byte cap)."""
        return self.stream(sparql, substitutions=substitutions, results_media_type=results_media_type,
                           graph_media_type=graph_media_type, visibility=visibility,
                           window=self.settings.sparql_max_result_bytes).collect()


class ProcessQueryRunner(_WholeAnswers):
    """A pool of query worker processes over an embedded on-disk store."""

    def __init__(self, store_path: Path, settings: Settings,
                 before_query: Callable[[Visibility], None] | None = None) -> None:
        """``before_query``: called with the caller's visibility before its query is handed to a worker (the
        writing store publishes the snapshot holding the caller's own last write, see ``publish_pending``)."""
        self.store_path = store_path
        self.settings = settings
        self._before_query = before_query
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._workers: list[_Worker] = []
        self._lock = threading.Lock()
        self._closed = False

    def _new_worker(self, *, copy_first: bool = True) -> _Worker:
        return _Worker(self.store_path, self.settings.sparql_public_copy_max_quads, copy_first=copy_first)

    def start(self) -> None:
        """Start the workers now and wait for them to be ready (the app does at startup, before its first
        request), so the first queries need not wait for them."""
        if not self.wait_ready(_STARTUP_WAIT):
            logging.getLogger(__name__).warning(
                "query workers not ready after %.0f s; SPARQL answers 503 until they are", _STARTUP_WAIT)

    def wait_ready(self, timeout: float) -> bool:
        """Whether every worker is ready within ``timeout`` seconds (starting them if needed)."""
        self._start()
        until = time.monotonic() + timeout
        with self._lock:
            workers = list(self._workers)
        try:
            return all(worker.wait_ready(until) for worker in workers)
        except (EOFError, OSError):
            return False

    def _start(self) -> None:
        with self._lock:
            if self._workers or self._closed:
                return
            for _ in range(self.settings.sparql_workers):
                worker = self._new_worker()
                self._workers.append(worker)
                self._idle.put(worker)

    def _replace(self, worker: _Worker) -> None:
        worker.stop()
        with self._lock:
            if worker in self._workers:
                self._workers.remove(worker)
            if self._closed:
                return
            fresh = self._new_worker(copy_first=False)  # ready at once; its copy follows in the background
            self._workers.append(fresh)
        self._idle.put(fresh)

    def _acquire(self, deadline: float) -> _Worker:
        """A ready worker, waiting at most the queue wait (and never past the deadline).

        A worker still starting (a replacement for one stopped at a time limit) stays in the pool and is
        passed over for a ready one; it is never stopped for being slow to start.
        """
        until = min(deadline, time.monotonic() + self.settings.sparql_queue_wait)
        while True:
            try:
                worker = self._idle.get(timeout=max(0.0, until - time.monotonic()))
            except queue.Empty:
                raise QueryCapacityExceeded(
                    f"all {self.settings.sparql_workers} query workers stayed busy; try again shortly") from None
            try:
                if worker.wait_ready(min(until, time.monotonic() + _STARTING_POLL)):
                    return worker
            except (EOFError, OSError):
                self._replace(worker)  # it died starting: a fresh one takes its place
                continue
            self._idle.put(worker)
            if time.monotonic() >= until:
                raise QueryCapacityExceeded("the query workers are starting (opening the store); try again shortly")

    def stream(self, sparql: str, *, substitutions: Substitutions | None = None,
               results_media_type: str = "application/sparql-results+json",
               graph_media_type: str = "text/turtle", visibility: Visibility = PUBLIC,
               window: int | None = None) -> RelayedAnswer:
        """The answer whole if small, else its head; the caller pulls the chunks and must close it."""
        deadline = time.monotonic() + self.settings.sparql_timeout
        check_read_only(sparql)  # refuse early, without using a worker
        if self._before_query is not None:
            self._before_query(visibility)
        self._start()
        worker = self._acquire(deadline)
        job = {"sparql": sparql, "substitutions": dict(substitutions or {}),
               "results_media_type": results_media_type, "graph_media_type": graph_media_type,
               "limits": _limits(self.settings, window), "visibility": visibility, "checked": True}
        try:
            worker.conn.send(job)
        except (EOFError, OSError):
            self._replace(worker)
            raise QueryError("the query worker stopped unexpectedly; the query was not answered") from None
        return RelayedAnswer(_WorkerChannel(self, worker), deadline, _timeout_error(self.settings))

    def close(self) -> None:
        with self._lock:
            self._closed = True
            workers, self._workers = self._workers, []
        for worker in workers:
            worker.stop()


# ---------------------------------------------------------------------- threads


class ThreadQueryRunner(_WholeAnswers):
    """Queries on threads, for stores that cannot be opened by another process (remote, in memory)."""

    def __init__(self, store: GraphStore, settings: Settings) -> None:
        self.store = store
        self.settings = settings
        self._size = max(2, settings.sparql_workers * 2)
        self._executor = ThreadPoolExecutor(max_workers=self._size, thread_name_prefix="controlgraph-query")
        self._slots = threading.BoundedSemaphore(self._size)

    def start(self) -> None:
        """Nothing to start: threads are made as queries come."""

    def stream(self, sparql: str, *, substitutions: Substitutions | None = None,
               results_media_type: str = "application/sparql-results+json",
               graph_media_type: str = "text/turtle", visibility: Visibility = PUBLIC,
               window: int | None = None) -> RelayedAnswer:
        deadline = time.monotonic() + self.settings.sparql_timeout
        check_read_only(sparql)
        wait = min(self.settings.sparql_queue_wait, deadline - time.monotonic())
        if not self._slots.acquire(timeout=max(0.0, wait)):
            raise QueryCapacityExceeded(f"all {self._size} query threads stayed busy; try again shortly")
        sink = QueueSink(deadline)
        limits = _limits(self.settings, window)

        def produce() -> None:
            try:
                stream_answer(self.store, sparql, sink, substitutions=substitutions,
                              results_media_type=results_media_type, graph_media_type=graph_media_type,
                              limits=limits, visibility=visibility, checked=True)
            except Exception as exc:  # the reader must hear of it, whatever happened (it raises it again)
                sink.error(exc)

        future = self._executor.submit(produce)
        future.add_done_callback(lambda _: self._slots.release())
        return RelayedAnswer(QueueChannel(sink, lambda: None), deadline, _timeout_error(self.settings))

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)


def query_runner(store: GraphStore, settings: Settings) -> QueryRunner:
    """The runner fit for where the store lives."""
    if isinstance(store, EmbeddedStore) and store.path is not None:
        return ProcessQueryRunner(store.path, settings,
                                  before_query=lambda visibility: store.publish_pending(visibility.sees_graph))
    return ThreadQueryRunner(store, settings)


def close_quietly(runner: QueryRunner) -> None:
    with contextlib.suppress(Exception):
        runner.close()
