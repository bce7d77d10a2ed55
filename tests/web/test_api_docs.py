"""The interactive API docs work offline: every asset comes from the app itself."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

pytestmark = pytest.mark.browser


def _offline_page(browser: Any) -> tuple[Any, Any, list[str]]:
    """A page whose requests to anything but loopback fail, as on a machine without internet."""
    context = browser.new_context()
    page = context.new_page()
    blocked: list[str] = []

    def only_loopback(route: Any) -> None:
        if urlsplit(route.request.url).hostname in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    page.route("**/*", only_loopback)
    return context, page, blocked


def test_swagger_ui_lists_the_operations_offline(browser: Any, live_server: str) -> None:
    context, page, blocked = _offline_page(browser)
    try:
        page.goto(f"{live_server}/api/v1/docs")
        page.wait_for_selector(".opblock", timeout=30_000)
        operations = page.locator(".opblock-summary-path").all_inner_texts()
    finally:
        context.close()
    assert blocked == []
    assert any("/api/v1/kpis" in path for path in operations), operations[:10]


def test_redoc_renders_offline(browser: Any, live_server: str) -> None:
    context, page, blocked = _offline_page(browser)
    try:
        page.goto(f"{live_server}/api/v1/redoc")
        page.wait_for_selector("[data-section-id^='operation/']", timeout=30_000)
        sections = page.locator("[data-section-id^='operation/']").count()
    finally:
        context.close()
    assert blocked == []
    assert sections > 10


def test_docs_assets_and_favicon(live_server: str) -> None:
    page = httpx.get(f"{live_server}/api/v1/docs").text
    assert "cdn." not in page
    asset = httpx.get(f"{live_server}/api/v1/docs/assets/swagger-ui-bundle.js")
    assert asset.status_code == 200
    assert asset.headers["content-type"].startswith("text/javascript")
    assert httpx.get(f"{live_server}/api/v1/docs/assets/..%2Fcore.py").status_code == 404
    assert httpx.get(f"{live_server}/api/v1/docs/assets/core.py").status_code == 404
    icon = httpx.get(f"{live_server}/favicon.ico")
    assert icon.status_code == 200
    assert icon.content[:4] == b"\x00\x00\x01\x00"  # an ICO file
