"""Screenshots of every explorer page in headless Chromium, with the server time of each (Server-Timing).

    python scripts/explorer_screenshots.py http://127.0.0.1:8000 OUT_DIR

Requests to anything but the server are aborted and listed; each page is loaded twice and the
second (warm) server time is reported, as a user sees it after the first visit.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import httpx
from playwright.sync_api import Route, sync_playwright

PAGES = {
    "home": "/",
    "search": "/search?q=access+control",
    "search-did-you-mean": "/search?q=acess+controll",
    "control": "/control/nist-csf-2.0:PR.AA-01",
    "explain": "/explain?subject=nist-csf-2.0:PR.AA-01&object=iso27001-2022:A.5.16",
    "framework": "/framework/nist-csf-2.0?by=iso27001-2022",
    "crosswalk": "/crosswalk?from=nist-csf-2.0&to=iso27001-2022&to=csa-ccm-4",
    "coverage": "/coverage?have=iso27001-2022&target=iso27017-2015&target=nist-csf-2.0",
    "programme": "/programme?targets=iso27017-2015,iso27018-2019&have=iso27001-2022",
    "sparql": "/sparql",
    "exports": "/exports",
    "review-sign-in": "/review",
    "graphiql": "/graphql",
    "swagger": "/docs",
    "redoc": "/redoc",
}


def main(base: str, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    blocked: list[str] = []

    def only_local(route: Route) -> None:
        if route.request.url.startswith(base + "/") or route.request.url.startswith("data:"):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium") or "chromium", headless=True,
                                    args=["--no-sandbox", "--disable-gpu"])
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.route("**/*", only_local)
        page = context.new_page()
        for name, path in PAGES.items():
            httpx.get(base + path, headers={"Accept": "text/html"}, timeout=120)  # warm
            timing = httpx.get(base + path, headers={"Accept": "text/html"}, timeout=120).headers.get("server-timing")
            page.goto(base + path)
            if name == "graphiql":
                page.locator(".graphiql-execute-button").click()
                page.wait_for_timeout(1500)
            elif name in ("swagger", "redoc"):
                page.wait_for_timeout(1500)
            height = min(page.evaluate("document.documentElement.scrollHeight"), 1800)
            page.screenshot(path=str(out / f"{name}.png"), full_page=True,
                            clip={"x": 0, "y": 0, "width": 1280, "height": height})
            print(f"{name:22} {path:70} {timing}")
        browser.close()
    print("requests blocked (left the server):", blocked or "none")


if __name__ == "__main__":
    main(sys.argv[1].rstrip("/"), Path(sys.argv[2]))
