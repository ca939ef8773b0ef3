"""Servers the tests start in processes of their own: a free port, start, wait until ready, stop.

One helper instead of a polling loop per test module. It polls every 50 ms (a server is usually ready
between two polls of a longer interval, and each interval is waited for in full), fails as soon as the
process exits instead of waiting out the deadline, and shows the end of the server's output when it
does not start.
"""

from __future__ import annotations

import functools
import socket
import subprocess
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

POLL_SECONDS = 0.05


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@functools.cache
def _probe() -> httpx.Client:
    """One client for every readiness poll of this process. ``httpx.get`` makes a client per call, and with
    it a TLS context that reads the CA bundle: about 30 ms of CPU every 50 ms poll, taken from the server
    starting beside it (55 s of the suite's CPU). No kept connections: the next server may not be this one."""
    return httpx.Client(limits=httpx.Limits(max_keepalive_connections=0))


def answers(url: str, path: str = "/healthz", params: dict[str, str] | None = None, timeout: float = 5.0) -> bool:
    """Whether ``url + path`` answers 200 now."""
    try:
        return _probe().get(f"{url}{path}", params=params, timeout=timeout).status_code == 200
    except httpx.TransportError:
        return False


def wait_until_ready(process: subprocess.Popen[bytes] | subprocess.Popen[str], ready: Callable[[], bool],
                     seconds: float, what: str, output: Callable[[], str] = lambda: "") -> None:
    """Poll ``ready`` until it holds; fail (process killed) if the process exits or ``seconds`` pass."""
    deadline = time.monotonic() + seconds
    while not ready():
        if process.poll() is not None or time.monotonic() > deadline:
            exited = process.poll()
            stop(process)
            state = f"exited {exited}" if exited is not None else f"not ready after {seconds:.0f} s"
            pytest.fail(f"{what} {state}: {output()[-3000:]}")
        time.sleep(POLL_SECONDS)


def stop(process: subprocess.Popen[bytes] | subprocess.Popen[str], seconds: float = 20) -> None:
    """SIGTERM, then SIGKILL if the process outlives ``seconds``."""
    if process.poll() is None:
        process.terminate()
    try:
        process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@dataclass(frozen=True)
class Running:
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@contextmanager
def serving(command: Sequence[str | Path], log: Path, *, ready_path: str = "/healthz",
            ready_params: dict[str, str] | None = None, seconds: float = 180,
            **popen: object) -> Iterator[Running]:
    """Run ``command`` (``{port}`` in it is filled in here) until the block ends, once it answers 200 on
    ``ready_path``; then SIGTERM (SIGKILL after 20 s).

    The server's output goes to ``log``, a file: a pipe nobody reads while the server runs can fill and
    block it. Its end is shown when the server does not start.
    """
    port = free_port()
    running = None
    with log.open("wb") as sink:
        process = subprocess.Popen([str(part).replace("{port}", str(port)) for part in command], stdout=sink,
                                   stderr=subprocess.STDOUT, **popen)  # type: ignore[call-overload]
        running = Running(f"http://127.0.0.1:{port}", process, log)
        try:
            wait_until_ready(process, lambda: answers(running.url, ready_path, ready_params), seconds,
                             f"{Path(str(command[0])).name} on {running.url}", running.output)
            yield running
        finally:
            stop(process)
