"""Relay-style cursor connections over lists the engine returns whole, with a largest page size."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

import strawberry

from controlgraph.errors import InputError

T = TypeVar("T")
S = TypeVar("S")
DEFAULT_PAGE = 50


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class Edge(Generic[T]):
    cursor: str
    node: T


@strawberry.type
class Connection(Generic[T]):
    total_count: int
    edges: list[Edge[T]]
    page_info: PageInfo


def encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o:{offset}".encode()).decode("ascii")


def decode_cursor(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor.encode("ascii")).decode("ascii")
        if not text.startswith("o:"):
            raise ValueError(text)
        offset = int(text[2:])
        if offset < 0:
            raise ValueError(text)
        return offset
    except (ValueError, binascii.Error, UnicodeError):
        raise InputError(f"after: {cursor!r} is not a cursor this API gave out") from None


def page_window(first: int | None, after: str | None, page_size_max: int) -> tuple[int, int]:
    """(start, size) of the page asked for; a page over ``page_size_max`` is refused, not cut silently."""
    size = min(DEFAULT_PAGE, page_size_max) if first is None else first
    if size < 0 or size > page_size_max:
        raise InputError(f"first must be from 0 to {page_size_max}, not {size}")
    start = 0 if after is None else decode_cursor(after) + 1
    return start, size


def paginate(
    items: Sequence[S], first: int | None, after: str | None, page_size_max: int, node: Callable[[S], T]
) -> Connection[T]:
    start, size = page_window(first, after, page_size_max)
    window = items[start:start + size]
    edges = [Edge(cursor=encode_cursor(start + i), node=node(item)) for i, item in enumerate(window)]
    return Connection(
        total_count=len(items),
        edges=edges,
        page_info=PageInfo(
            has_next_page=start + len(window) < len(items),
            has_previous_page=start > 0,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
    )
