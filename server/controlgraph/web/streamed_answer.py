"""Send a large SPARQL answer as it arrives from the query worker, one chunk at a time (issue 21, finding 9).

The response head goes out first (status 200, ``Transfer-Encoding: chunked``, ``X-Result-Streamed:
true``; the row count is not known yet, so there is no ``X-Result-Rows``), then each chunk as the
worker hands it over; the next chunk is asked for only once the previous one was passed to the
connection, so the server holds one chunk per answer whatever the answer's size.

An answer that cannot be finished (the row or byte cap reached, the time limit passed, the worker
failed, the client stopped reading until the time limit) ends with the connection closed *without* the
chunked body's last, empty chunk: every HTTP client then reports an incomplete body (curl exit 18,
httpx ``RemoteProtocolError``, requests ``ChunkedEncodingError``), so a cut answer is never taken for a
whole one. The reason goes to the log.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from contextlib import ExitStack

import anyio
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from controlgraph.errors import ControlGraphError
from controlgraph.service.answer_relay import RelayedAnswer

logger = logging.getLogger("controlgraph.web")


class StreamedAnswer(Response):
    def __init__(self, relayed: RelayedAnswer, release: ExitStack) -> None:
        super().__init__(media_type=None)
        self.relayed, self.release = relayed, release
        charset = "" if relayed.media_type.endswith("json") else "; charset=utf-8"
        self.raw_headers = [(b"content-type", (relayed.media_type + charset).encode("latin-1")),
                            (b"x-result-streamed", b"true")]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        gone = False

        async def watch() -> None:
            nonlocal gone
            while (await receive())["type"] != "http.disconnect":
                pass
            gone = True

        try:
            async with anyio.create_task_group() as group:
                group.start_soon(watch)
                try:
                    await self._relay(send, lambda: gone)
                finally:
                    group.cancel_scope.cancel()
        finally:
            await run_in_threadpool(self.relayed.close)  # stops the worker if the answer was not read to its end
            self.release.close()

    async def _relay(self, send: Send, gone: Callable[[], bool]) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": self.raw_headers})
        problem: str | None = None
        try:
            while True:
                if gone():
                    problem = "the client went away"
                    break
                chunk = await run_in_threadpool(self.relayed.next_chunk)
                if chunk is None:
                    outcome = self.relayed.outcome
                    problem = outcome.problem if outcome is not None else "no end from the query worker"
                    break
                # A client that stops reading blocks the send (flow control): it too ends at the deadline.
                with anyio.fail_after(max(0.0, self.relayed.deadline - time.monotonic())):
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
        except ControlGraphError as exc:
            problem = str(exc)
        except TimeoutError:
            problem = "the client did not read the answer within the query's time limit"
        if problem is None:
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        else:
            # Returning without the last chunk makes the server close the connection: the body stays incomplete.
            logger.info("a streamed SPARQL answer was cut (%s); the connection is closed before its end", problem)
