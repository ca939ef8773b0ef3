"""Developer pages that work offline: GraphiQL, Swagger UI, ReDoc, a SPARQL query form and the /exports index.

GraphiQL is vendored in ``static/vendor/graphiql`` (see its README for versions and licences); Swagger
UI and ReDoc come from the ``fastapi-offline`` package's static files. Nothing is loaded from elsewhere.
"""

from __future__ import annotations

import functools
from importlib.resources import files
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, HTTPException, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles

from controlgraph.exports.catalogue import CROSSWALK_FORMATS, PROGRAMME_FORMATS
from controlgraph.service.saved_queries import SavedQuery
from controlgraph.web import sparql as sparql_routes
from controlgraph.web.explorer.render import STATIC, TOOL_CSP, page, wants_html

router = APIRouter(include_in_schema=False)
DOCS_ASSETS = Path(str(files("fastapi_offline") / "static"))

EXAMPLE_QUERY = """# controlgraph: which controls satisfy NIST CSF 2.0 PR.AA-01, and on whose authority?
# Run with Ctrl-Enter. The Docs pane lists every field.
{
  satisfiers(of: "nist-csf-2.0:PR.AA-01", frameworks: ["iso27001-2022"], first: 10) {
    ... on SatisfiersPayload {
      control { id title }
      satisfiers {
        totalCount
        edges { node { relation coverage inferred control { id title } mappingSet { title authority } } }
      }
    }
    ... on NotFoundError { message }
  }
}
"""

EXAMPLE_SPARQL = """PREFIX cg: <https://w3id.org/controlgraph/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?slug (COUNT(?c) AS ?items) WHERE {
  ?fw cg:slug ?slug . ?c skos:inScheme ?fw .
} GROUP BY ?slug ORDER BY ?slug"""


def graphiql_page() -> HTMLResponse:
    return page("graphiql.html", csp=TOOL_CSP, example=EXAMPLE_QUERY)


def _api_explorers_on(request: Request) -> None:
    """``CONTROLGRAPH_API_EXPLORERS=false`` hides the API documentation pages (404, as an unknown path)."""
    if not request.app.state.settings.api_explorers:
        raise HTTPException(status_code=404, detail="Not Found")


@router.get("/docs")
def swagger_ui(request: Request) -> HTMLResponse:
    _api_explorers_on(request)
    html = get_swagger_ui_html(openapi_url="/openapi.json", title="controlgraph API",
                               swagger_js_url="/static/docs/swagger-ui-bundle.js",
                               swagger_css_url="/static/docs/swagger-ui.css",
                               swagger_favicon_url="/static/docs/favicon.png")
    # FastAPI's page starts Swagger UI from an inline script; here it runs from a local file instead.
    body = bytes(html.body).decode("utf-8")
    start = body.rindex("<script>")
    end = body.index("</script>", start) + len("</script>")
    body = body[:start] + '<script src="/static/swagger-init.js"></script>' + body[end:]
    return HTMLResponse(body, headers={"Content-Security-Policy": TOOL_CSP})


_REDOC_LOGO = b"https://cdn.redoc.ly/redoc/logo-mini.svg"


@functools.cache
def _redoc_script() -> bytes:
    """fastapi-offline's ReDoc build, with its one remote image (the "powered by" logo) pointed at a local one."""
    return (DOCS_ASSETS / "redoc.standalone.js").read_bytes().replace(_REDOC_LOGO, b"/static/docs/favicon.png")


@router.get("/static/redoc.js")
def redoc_script() -> Response:
    return Response(_redoc_script(), media_type="text/javascript; charset=utf-8",
                    headers={"Cache-Control": "max-age=3600"})


@router.get("/redoc")
def redoc(request: Request) -> HTMLResponse:
    _api_explorers_on(request)
    html = get_redoc_html(openapi_url="/openapi.json", title="controlgraph API",
                          redoc_js_url="/static/redoc.js",
                          redoc_favicon_url="/static/docs/favicon.png", with_google_fonts=False)
    return HTMLResponse(html.body, headers={"Content-Security-Policy": TOOL_CSP})


def sparql_form(request: Request) -> HTMLResponse:
    queries: dict[str, SavedQuery] = request.app.state.saved_queries
    return page("sparql.html", nav="sparql", queries=list(queries.values()), example=EXAMPLE_SPARQL)


@router.get("/sparql")
async def sparql_get(request: Request) -> Response:
    """A browser with no query gets the query form; everything else is the SPARQL 1.1 Protocol route."""
    if "query" not in request.query_params and not request.url.query and wants_html(request):
        return sparql_form(request)
    return await sparql_routes.sparql_get(request)


def _export_routes() -> list[dict[str, Any]]:
    return [
        {"path": "/exports/crosswalk", "parameters": {"from": "source framework slug",
                                                      "to": "target slugs, comma-separated",
                                                      "format": ", ".join(CROSSWALK_FORMATS),
                                                      "inferred": "true or false (default false)"},
         "example": "/exports/crosswalk?from=nist-csf-2.0&to=iso27001-2022&format=csv"},
        {"path": "/exports/programme", "parameters": {"have": "implemented frameworks or FRAMEWORK:ID (globs)",
                                                      "targets": "target slugs, comma-separated",
                                                      "format": ", ".join(PROGRAMME_FORMATS),
                                                      "hub": "hub framework (default iso27002-2022)"},
         "example": "/exports/programme?have=iso27001-2022&targets=nist-csf-2.0&format=xlsx"},
    ]


@router.get("/exports")
def exports_index(request: Request) -> Response:
    """The export routes and their parameters: a page for a browser, JSON otherwise."""
    routes = _export_routes()
    if wants_html(request):
        return page("exports.html", nav="", routes=routes, crosswalk=list(CROSSWALK_FORMATS.values()),
                    programme=list(PROGRAMME_FORMATS.values()))
    return JSONResponse({"routes": routes})


@router.get("/favicon.ico")
def favicon() -> Response:
    return Response((DOCS_ASSETS / "favicon.png").read_bytes(), media_type="image/png",
                    headers={"Cache-Control": "max-age=86400"})


def mount_static(app: FastAPI) -> None:
    app.mount("/static/docs", StaticFiles(directory=DOCS_ASSETS), name="docs-static")
    app.mount("/static", StaticFiles(directory=STATIC), name="explorer-static")
