"""Bounds on what user input may put into the graph: literal length, and values in error messages.

A literal longer than :data:`MAX_LITERAL_CHARS` is refused wherever user data enters the graph (an
importer's dataset, a committed import, a tenant's write), so no single value can slow every reader of
the shared graphs. :func:`brief` renders any value for a message without ever turning all of it into
text (``repr(row)[:60]`` would render the whole row first).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pyoxigraph as ox

from controlgraph.errors import InputError

MAX_LITERAL_CHARS = 100_000  # the longest official statement shipped or imported is under 10,000


def brief(value: Any, limit: int = 60) -> str:
    """A short, bounded description of ``value`` for an error message or a row report."""
    if isinstance(value, str):
        return repr(value[:limit]) + ("..." if len(value) > limit else "")
    if value is None or isinstance(value, bool | int | float):
        text = repr(value)
        return text if len(text) <= limit else text[:limit] + "..."
    if isinstance(value, dict):
        return f"an object of {len(value)} key(s)"
    if isinstance(value, list | tuple):
        return f"a list of {len(value)} item(s)"
    return f"a value of type {type(value).__name__}"


def check_literal_lengths(triples: Iterable[ox.Triple], where: str) -> None:
    """Refuse the first literal over :data:`MAX_LITERAL_CHARS`, naming its node and property."""
    for t in triples:
        value = t.object
        if isinstance(value, ox.Literal) and len(value.value) > MAX_LITERAL_CHARS:
            raise InputError(
                f"{where}: the value of <{t.predicate.value}> on {brief(str(t.subject), 120)} has "
                f"{len(value.value):,} characters, more than the {MAX_LITERAL_CHARS:,} accepted"
            )
