"""Keep a query worker process off the network: whatever a query asks, it can open no connection.

The read-only check refuses SERVICE before a query reaches pyoxigraph; this is the second wall. On
Linux a worker moves itself into a network namespace of its own (``unshare(CLONE_NEWUSER |
CLONE_NEWNET)``, allowed to unprivileged processes where user namespaces are enabled): the namespace
has no interface but a loopback that is down, so every connection fails at once ("network is
unreachable"), including to the server's own address. Files and the pipe to the server are unaffected.

It must run while the process has one thread (before the store is opened). Where the platform refuses
(not Linux, user namespaces disabled), the worker runs as before and says so once in the log.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import sys

logger = logging.getLogger("controlgraph.query_worker")

_CLONE_NEWUSER = 0x10000000
_CLONE_NEWNET = 0x40000000


def isolate_network() -> bool:
    """Move this process into an empty network namespace; False (and a log line) where that is refused."""
    if not sys.platform.startswith("linux"):
        logger.warning("query workers can reach the network: network namespaces need Linux")
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        if libc.unshare(_CLONE_NEWUSER | _CLONE_NEWNET) == 0:
            return True
        reason = os.strerror(ctypes.get_errno())
    except (OSError, AttributeError) as exc:
        reason = str(exc)
    logger.warning("query workers can reach the network: this platform refused a network namespace (%s)", reason)
    return False
