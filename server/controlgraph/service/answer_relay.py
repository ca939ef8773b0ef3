"""The reading end of a streamed answer (see :mod:`controlgraph.service.answer_stream`), one chunk at a time.

A producer (a worker process, or a thread) sends messages over a channel:
``("whole", Answer)``, or ``("head", form, media_type)`` then ``("chunk", bytes)``... then
``("end", StreamEnd)``; ``("error", ControlGraphError)`` at any point. After each chunk the producer
waits for ``"more"`` or ``"stop"``, so the reader holds at most one chunk and a slow client slows the
producer down instead of filling the server's memory. Every wait ends at the query's deadline: past it
the producer is stopped (a worker process is killed and replaced) and :class:`QueryTimeout` is raised.
"""

from __future__ import annotations

import contextlib
import queue
import time
from typing import Any, Protocol

from controlgraph.errors import ControlGraphError, QueryError, QueryTimeout
from controlgraph.service.answer_stream import StreamEnd
from controlgraph.service.query_results import Answer


class Channel(Protocol):
    def receive(self, timeout: float) -> tuple[Any, ...] | None:
        """The next message, or None when none came within ``timeout`` seconds."""

    def reply(self, word: str) -> None: ...

    def abandon(self) -> None:
        """The producer is past its deadline or misbehaved: stop it whatever it is doing."""

    def release(self) -> None:
        """The producer ended cleanly and may take the next query."""


class RelayedAnswer:
    """A whole answer (:attr:`whole`), or a head (:attr:`form`, :attr:`media_type`) and chunks to pull."""

    def __init__(self, channel: Channel, deadline: float, timeout_error: QueryTimeout) -> None:
        self.channel, self.deadline, self.timeout_error = channel, deadline, timeout_error
        self.whole: Answer | None = None
        self.form = self.media_type = ""
        self.outcome: StreamEnd | None = None
        self._open = True
        self._awaiting_reply = False
        first = self._receive()
        if first[0] == "whole":
            self.whole = first[1]
            self._finish(release=True)
        elif first[0] == "head":
            self.form, self.media_type = first[1], first[2]
        else:
            self._unexpected(first)

    def _receive(self) -> tuple[Any, ...]:
        try:
            message = self.channel.receive(max(0.0, self.deadline - time.monotonic()))
        except (EOFError, OSError):
            self._finish(release=False)
            raise QueryError("the query worker stopped unexpectedly; the query was not answered") from None
        if message is None:
            self._finish(release=False)
            raise self.timeout_error
        if message[0] == "error":
            self._finish(release=True)
            error = message[1]
            # A producer thread's unexpected error is raised as it is (the web app logs it with its traceback).
            raise error if isinstance(error, Exception) else QueryError(str(error))
        return message

    def _unexpected(self, message: tuple[Any, ...]) -> None:
        self._finish(release=False)
        raise QueryError(f"the query worker sent an unexpected {message[0]!r}; the query was not answered")

    def _finish(self, *, release: bool) -> None:
        if self._open:
            self._open = False
            if release:
                self.channel.release()
            else:
                self.channel.abandon()

    def next_chunk(self) -> bytes | None:
        """The next chunk of a streamed answer; None once it ended (then :attr:`outcome` says how)."""
        if not self._open:
            return None
        if self._awaiting_reply:
            self.channel.reply("more")
            self._awaiting_reply = False
        message = self._receive()
        if message[0] == "chunk":
            self._awaiting_reply = True
            data: bytes = message[1]
            return data
        if message[0] == "end":
            self.outcome = message[1]
            self._finish(release=True)
            return None
        self._unexpected(message)
        return None

    def close(self) -> None:
        """Stop reading: the producer is told to stop and is waited for until the deadline (then stopped)."""
        if not self._open:
            return
        if self._awaiting_reply:
            self.channel.reply("stop")
            self._awaiting_reply = False
        with contextlib.suppress(ControlGraphError):
            while self._open:
                message = self._receive()
                if message[0] == "end":
                    self._finish(release=True)
                elif message[0] == "chunk":
                    self.channel.reply("stop")
                else:
                    self._unexpected(message)

    def collect(self) -> Answer:
        """The whole answer (for callers in this process that want one piece; it may be large)."""
        if self.whole is not None:
            return self.whole
        parts = []
        while (chunk := self.next_chunk()) is not None:
            parts.append(chunk)
        assert self.outcome is not None
        if self.outcome.problem is not None:
            raise QueryError(f"the answer is incomplete: {self.outcome.problem}")
        return Answer(self.form, b"".join(parts), self.media_type, self.outcome.rows, False)


class QueueSink:
    """An answer :class:`~controlgraph.service.answer_stream.Sink` for a producer thread (read by QueueChannel)."""

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline
        self.messages: queue.Queue[tuple[Any, ...]] = queue.Queue()
        self.replies: queue.Queue[str] = queue.Queue()

    def whole(self, answer: Answer) -> None:
        self.messages.put(("whole", answer))

    def head(self, form: str, media_type: str) -> None:
        self.messages.put(("head", form, media_type))

    def chunk(self, data: bytes) -> bool:
        self.messages.put(("chunk", data))
        try:  # never waits past the deadline, even for a reader that went away without a word
            return self.replies.get(timeout=max(0.0, self.deadline - time.monotonic())) == "more"
        except queue.Empty:
            return False

    def end(self, outcome: StreamEnd) -> None:
        self.messages.put(("end", outcome))

    def error(self, error: Exception) -> None:
        self.messages.put(("error", error))


class QueueChannel:
    def __init__(self, sink: QueueSink, release: Any) -> None:
        self.sink, self._release = sink, release

    def receive(self, timeout: float) -> tuple[Any, ...] | None:
        try:
            return self.sink.messages.get(timeout=timeout)
        except queue.Empty:
            return None

    def reply(self, word: str) -> None:
        self.sink.replies.put(word)

    def abandon(self) -> None:
        # The thread cannot be stopped; it stops at its next chunk (and its slot is freed when it ends).
        self.sink.replies.put("stop")

    def release(self) -> None:
        self._release()
