"""``/docs`` (Swagger UI) and ``/redoc`` (ReDoc) render in a real Chromium from the node's own files alone.

Every request the pages make is recorded, and any that would leave 127.0.0.1 is refused (as on an offline
network) and fails the test: FastAPI's default pages load from jsDelivr and would be blank there.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi import FastAPI
from node_support import Running, Served, _free_port

from airparley.node._docs import DOCS_ASSETS, serve_docs


@pytest.fixture
def offline_page(browser: Any) -> Iterator[tuple[Any, list[str], list[str]]]:
    if not (DOCS_ASSETS / "swagger-ui" / "swagger-ui-bundle.js").is_file():
        pytest.fail("the API docs' assets are not built: run 'make web' (npm ci + node web/build.mjs)")
    context = browser.new_context()
    requested: list[str] = []
    refused: list[str] = []

    def only_loopback(route: Any) -> None:
        url = route.request.url
        requested.append(url)
        if urlsplit(url).hostname == "127.0.0.1" or url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            refused.append(url)
            route.abort()

    context.route("**/*", only_loopback)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        yield page, requested, refused
        assert errors == [], errors
    finally:
        context.close()


def test_swagger_ui_renders_the_document_from_local_assets(
    running: Running, offline_page: tuple[Any, list[str], list[str]]
) -> None:
    page, requested, refused = offline_page
    page.goto(f"{running.url}/docs")
    page.wait_for_selector(".swagger-ui .info .title", timeout=15_000)
    assert "airparley node" in page.inner_text(".swagger-ui .info .title")
    # The operations are drawn from /openapi.json: the document was loaded and read.
    page.wait_for_selector('.opblock-summary-path[data-path="/api/v1/notices"]', timeout=15_000)
    assert page.locator(".opblock").count() >= 20
    assert refused == [], f"/docs asked for {refused}"
    assert f"{running.url}/docs-assets/swagger-ui/swagger-ui-bundle.js" in requested
    assert f"{running.url}/openapi.json" in requested


def test_redoc_renders_the_document_from_local_assets(
    running: Running, offline_page: tuple[Any, list[str], list[str]]
) -> None:
    page, requested, refused = offline_page
    page.goto(f"{running.url}/redoc")
    page.wait_for_selector("h1:has-text('airparley node')", timeout=20_000)
    page.wait_for_selector("text=File new notices (GeoJSON FeatureCollection)", timeout=20_000)
    assert refused == [], f"/redoc asked for {refused}"
    assert f"{running.url}/docs-assets/redoc/redoc.standalone.js" in requested


def test_the_pages_name_no_other_host(running: Running) -> None:
    for path in ("/docs", "/redoc"):
        html = httpx.get(f"{running.url}{path}", timeout=10).text
        assert "http://" not in html
        assert "https://" not in html, f"{path} links outside the node"
    assert httpx.get(f"{running.url}/docs-assets/swagger-ui/swagger-ui.css", timeout=10).status_code == 200


def test_without_the_built_assets_the_pages_say_how_to_build_them(tmp_path: Path) -> None:
    app = FastAPI(title="airparley node", docs_url=None, redoc_url=None)
    serve_docs(app, tmp_path / "not-built")
    port = _free_port()
    served = Served(app, port)
    try:
        for path in ("/docs", "/redoc"):
            page = httpx.get(f"http://127.0.0.1:{port}{path}", timeout=10)
            assert page.status_code == 200
            assert "make web" in page.text
            assert "https://" not in page.text
        missing = httpx.get(f"http://127.0.0.1:{port}/docs-assets/swagger-ui/swagger-ui-bundle.js", timeout=10)
        assert missing.status_code == 404
    finally:
        served.stop()
