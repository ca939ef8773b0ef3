"""The web explorer at ``/``: server-rendered pages over the same engine functions as GraphQL and the CLI.

``pages`` (home, search, control, explain, framework), ``analysis_pages`` (crosswalk, coverage, programme),
``devtools`` (GraphiQL, Swagger UI, ReDoc, the SPARQL form, the /exports index), ``render`` (templates,
headers). Every script and style sheet is served from ``static/``; pages work with no network.
"""

from __future__ import annotations

from fastapi import FastAPI

from controlgraph.web.explorer import analysis_pages, devtools, pages, review
from controlgraph.web.explorer.render import PageHeadersMiddleware


def install(app: FastAPI) -> None:
    """Add the explorer's routes; call before the SPARQL routes, so a browser's GET /sparql gets the form."""
    app.include_router(pages.router)
    app.include_router(analysis_pages.router)
    app.include_router(devtools.router)
    app.include_router(review.router)
    devtools.mount_static(app)  # after the routes: /static/redoc.js is a route, the rest are files
    app.add_middleware(PageHeadersMiddleware)
