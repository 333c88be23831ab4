"""``/docs`` (Swagger UI) and ``/redoc`` (ReDoc) from the node's own files, never from a CDN.

FastAPI's own docs pages load their scripts, styles and favicon from jsDelivr and fastapi.tiangolo.com: on the
offline networks a node runs on, a blank page. Here both pages load ``/docs-assets/...``, files the set-up copies
from the npm packages pinned in ``web/package-lock.json`` (``make web``: ``web/build.mjs`` writes
``node/docs_assets/``, a build output). Swagger UI's validator badge, which would send the document to
validator.swagger.io, is switched off; and a Content-Security-Policy lets each page load and connect to its own
origin only (ReDoc's side menu always asks cdn.redoc.ly for a logo: the browser refuses it and ReDoc hides the
image). Without the built files each page says how to build them instead of
showing nothing (``/openapi.json`` is served either way).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Final

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

__all__ = ["DOCS_ASSETS", "serve_docs"]

_log = logging.getLogger("airparley.node")

DOCS_ASSETS: Final = Path(__file__).resolve().parent / "docs_assets"
_PREFIX: Final = "/docs-assets"
_SWAGGER_JS: Final = "swagger-ui/swagger-ui-bundle.js"
_REDOC_JS: Final = "redoc/redoc.standalone.js"

# Both pages run an inline script (FastAPI's page templates) and ReDoc starts a worker from a blob.
_HEADERS: Final = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self' 'unsafe-inline' blob:; worker-src 'self' blob:; "
        "style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}

_MISSING: Final = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title></head>
<body><h1>{title}</h1>
<p>This node's copy of {tool} is not built, and the page does not fetch it from the internet.
Run <code>make web</code> (npm ci and web/build.mjs) where the node is installed, then reload.</p>
<p>The OpenAPI document itself is at <a href="{openapi}">{openapi}</a>.</p></body></html>
"""


def serve_docs(app: FastAPI, assets: Path = DOCS_ASSETS) -> None:
    """Add ``/docs`` (Swagger UI) and ``/redoc`` (ReDoc) to ``app``, which is built with ``docs_url=None,
    redoc_url=None``, and the assets they load under ``/docs-assets``."""
    openapi = app.openapi_url or "/openapi.json"
    title = app.title
    if not ((assets / _SWAGGER_JS).is_file() and (assets / _REDOC_JS).is_file()):
        _log.warning("the API docs' assets are not built (run 'make web'): /docs and /redoc will say so")

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        if not (assets / _SWAGGER_JS).is_file():
            return HTMLResponse(
                _MISSING.format(title=f"{title} - API docs", tool="Swagger UI", openapi=openapi), headers=_HEADERS
            )
        page = get_swagger_ui_html(
            openapi_url=openapi,
            title=f"{title} - Swagger UI",
            swagger_js_url=f"{_PREFIX}/{_SWAGGER_JS}",
            swagger_css_url=f"{_PREFIX}/swagger-ui/swagger-ui.css",
            swagger_favicon_url=f"{_PREFIX}/swagger-ui/favicon-32x32.png",
            oauth2_redirect_url=None,
            # null: no badge, so the document is never sent to validator.swagger.io
            swagger_ui_parameters={"validatorUrl": None},
        )
        page.headers.update(_HEADERS)
        return page

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        if not (assets / _REDOC_JS).is_file():
            return HTMLResponse(
                _MISSING.format(title=f"{title} - API docs", tool="ReDoc", openapi=openapi), headers=_HEADERS
            )
        page = get_redoc_html(
            openapi_url=openapi,
            title=f"{title} - ReDoc",
            redoc_js_url=f"{_PREFIX}/{_REDOC_JS}",
            redoc_favicon_url=f"{_PREFIX}/swagger-ui/favicon-32x32.png",
            with_google_fonts=False,
        )
        page.headers.update(_HEADERS)
        return page

    if assets.is_dir():  # StaticFiles over a missing folder answers 500 to every request: 404 is right
        app.mount(_PREFIX, StaticFiles(directory=assets), name="docs-assets")
