"""Run clean-up work when the app shuts down, after the last request (FastAPI lifespan chaining)."""

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
