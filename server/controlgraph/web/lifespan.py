"""Run work when the app starts, before the first request, and clean-up when it shuts down, after the last
(FastAPI lifespan chaining)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI


def on_shutdown(app: FastAPI, callback: Callable[[], None]) -> None:
    """Call ``callback`` when the app stops, after whatever shutdown work was registered before."""
    previous = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(application: Any) -> AsyncIterator[Any]:
        try:
            async with previous(application) as state:
                yield state
        finally:
            callback()

    app.router.lifespan_context = lifespan


def on_startup(app: FastAPI, callback: Callable[[], None]) -> None:
    """Call ``callback`` when the app starts, after whatever startup work was registered before."""
    previous = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(application: Any) -> AsyncIterator[Any]:
        async with previous(application) as state:
            callback()
            yield state

    app.router.lifespan_context = lifespan
