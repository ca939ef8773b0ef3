"""A real `controlgraph serve` process for the reliability benches (soak, crash): start, probe, kill.

The server runs in its own session (process group), so a SIGKILL reaches the query worker processes
it spawned too, as a machine crash or an OOM kill of the whole group would.
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

CLI = Path(sys.executable).parent / "controlgraph"


def free_port() -> int:
    """A free port below the kernel's ephemeral range.

    The server is restarted on the same port many times; a port from the ephemeral range may meanwhile
    be taken as the local port of any outgoing connection on the machine, and the restart would fail.
    """
    try:
        low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        low = 32768
    rng = random.Random()
    for _ in range(200):
        port = rng.randrange(10_000, max(10_001, low))
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port below the ephemeral range")


def hash_key(key: str) -> str:
    """The hash `controlgraph hash-key` prints for KEY (as an operator would configure it)."""
    done = subprocess.run([str(CLI), "hash-key"], input=key + "\n", capture_output=True, text=True, check=True)
    return done.stdout.strip()


def rss_kb(pid: int) -> int:
    """Resident set size of one process, from /proc (0 when it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(entry.name))
    return found


class ServerProcess:
    """`controlgraph --store STORE serve` on a loopback port, with the given API key hashes."""

    def __init__(self, store: Path, *, port: int, api_keys: str, log: Path, extra_env: dict[str, str] | None = None,
                 serve_args: tuple[str, ...] = ()):
        self.store = store
        self.serve_args = serve_args  # e.g. ("--build",): build first, as `python3 run.py serve` does
        self.port = port
        self.base = f"http://127.0.0.1:{port}"
        self.log = log
        self.env = {**os.environ, "CONTROLGRAPH_PORT": str(port), "CONTROLGRAPH_API_KEYS": api_keys,
                    "CONTROLGRAPH_LOG_LEVEL": "WARNING", **(extra_env or {})}
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60.0) -> float:
        """Start the server and wait until /healthz answers 200; returns the seconds that took."""
        started = time.monotonic()
        with self.log.open("ab") as log:
            command = [str(CLI), "--store", str(self.store), "serve", *self.serve_args]
            self.process = subprocess.Popen(command, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                            start_new_session=True)
        # One client for the polls: httpx.get makes one per call, with a TLS context that reads the CA
        # bundle (about 30 ms of CPU each, taken from the server starting beside it).
        with httpx.Client(limits=httpx.Limits(max_keepalive_connections=0)) as probe:
            while True:
                try:
                    if probe.get(self.base + "/healthz", timeout=2).status_code == 200:
                        return time.monotonic() - started
                except httpx.TransportError:
                    pass
                if self.process.poll() is not None:
                    tail = self.log.read_text(errors="replace")[-2000:]
                    raise RuntimeError(f"the server exited with {self.process.returncode}; {self.log} ends:\n{tail}")
                if time.monotonic() - started > timeout:
                    self.kill()
                    raise RuntimeError(f"the server did not answer /healthz within {timeout:g} s; see {self.log}")
                time.sleep(0.05)

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def rss_kb(self) -> int:
        return rss_kb(self.pid)

    def workers_rss_kb(self) -> int:
        """RSS of the query worker processes the server spawned."""
        return sum(rss_kb(child) for child in children(self.pid))

    def kill(self) -> None:
        """SIGKILL the server and everything it spawned: no shutdown code runs."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self, timeout: float = 30.0) -> int:
        """SIGTERM (graceful shutdown); returns the exit code."""
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        # Query workers notice their parent is gone and exit; make sure none outlives the run.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        return int(self.process.returncode)
