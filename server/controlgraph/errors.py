"""The one exception hierarchy of controlgraph.

Every error the engine raises on purpose derives from :class:`ControlGraphError` and carries a
message fit to show a user as one line: it names the file, line or node, and what is wrong.
The CLI maps the classes to exit codes; the web layer maps them to HTTP statuses.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class ControlGraphError(Exception):
    """Base of every deliberate controlgraph error.

    Its text is one line whatever values it quotes: a line break taken from a user's file is shown as
    ``\\n``, so a message can neither spread over several lines nor pass for more than one message.
    """

    def __str__(self) -> str:
        text = super().__str__()
        if "\n" in text or "\r" in text:
            return text.replace("\r", "\\r").replace("\n", "\\n")
        return text


class ConfigurationError(ControlGraphError):
    """A setting has an unusable value."""


class InputError(ControlGraphError):
    """An input file cannot be read or parsed (unusable input)."""

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None) -> None:
        where = path or ""
        if path and line is not None:
            where = f"{path}:{line}"
        super().__init__(f"{where}: {message}" if where else message)
        self.path = path
        self.line = line
        self.detail = message


@dataclass(frozen=True)
class Violation:
    """One SHACL violation, located as precisely as the data allows."""

    path: str  # the dataset file the focus node comes from, or "<graph>" when unknown
    focus_node: str
    constraint: str  # the shape or constraint component that failed
    message: str
    severity: str = "Violation"
    value: str | None = None

    def one_line(self) -> str:
        value = f" (value: {self.value})" if self.value is not None else ""
        return f"{self.path}: {self.focus_node}: {self.constraint}: {self.message}{value}"


class ValidationFailed(ControlGraphError):
    """The data does not conform to the SHACL shapes; nothing was written."""

    def __init__(self, violations: Sequence[Violation]) -> None:
        self.violations = list(violations)
        count = len(self.violations)
        first = self.violations[0].one_line() if self.violations else ""
        super().__init__(f"{count} SHACL violation{'s' if count != 1 else ''}; first: {first}")


class NotFound(ControlGraphError):
    """A control, framework, mapping set, mapping or saved query does not exist."""


class QueryError(ControlGraphError):
    """A query is malformed, refused by policy, or exceeded its limits."""


class QueryRefused(QueryError):
    """A query asks for something the endpoint does not allow (updates, SERVICE)."""


class QueryTimeout(QueryError):
    """A query ran past its time limit and was stopped."""


class QueryCapacityExceeded(QueryError):
    """Every query worker is busy with other queries; the caller may retry shortly."""


class TooManyQueries(QueryCapacityExceeded):
    """The caller already runs as many queries at once as it may."""


class StoreError(ControlGraphError):
    """The store cannot be opened, read or written."""


class StoreUnavailable(StoreError):
    """A remote store does not answer."""


class ImportRejected(ControlGraphError):
    """An importer could not make a usable dataset out of a user's file."""


class AuthenticationError(ControlGraphError):
    """A write came without a valid API key."""


class PermissionDenied(ControlGraphError):
    """The caller is known but may not do this."""
