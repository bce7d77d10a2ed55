"""Hostile captions in real Chromium: no script in them runs on any UGC page; the
moderation queue's keyboard shortcuts approve the focused item."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mercato.catalog.models import UgcItem
from mercato.runtime import Services
from tests.support.brands import PASSWORD, Brand
from tests.ugc.conftest import Library

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("without_model")]


def _log_in(page: Any, live_server: str, brand: Brand) -> None:
    page.goto(f"{live_server}/login")
    page.fill("input[name=email]", brand.email())
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/")


def test_xss_payloads_never_run_and_keyboard_moderation_works(
    services: Services,
    brand: Brand,
    library: Library,
    live_server: str,
    browser: Any,
    artifacts_dir: Path,
) -> None:
    page = browser.new_page()
    dialogs: list[str] = []

    def dismiss(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", dismiss)
    try:
        _log_in(page, live_server, brand)
        for path in (
            "/ugc",
            f"/ugc/items/{library.publishable}",
            "/ugc/moderation",
            "/ugc/creators",
        ):
            page.goto(live_server + path)
            page.wait_for_load_state("load")
            assert page.evaluate("window.__pwned === undefined"), path
            assert page.locator("svg[onload]").count() == 0, path
        page.goto(f"{live_server}/ugc/items/{library.publishable}")
        assert "<script>window.__pwned=1</script>" in page.locator("#caption").inner_text()
        page.goto(f"{live_server}/ugc")
        page.screenshot(path=str(artifacts_dir / "ugc_library.png"), full_page=True)
        page.goto(f"{live_server}/ugc/moderation")
        first = page.locator(".queue-item").first.get_attribute("data-item")
        page.keyboard.press("j")
        page.keyboard.press("k")
        with page.expect_navigation():
            page.keyboard.press("a")
        page.wait_for_load_state("load")
        assert page.locator(f'[data-item="{first}"]').count() == 0
        assert page.evaluate("window.__pwned === undefined")
        assert dialogs == []
    finally:
        page.close()
    with services.catalog.session() as s:
        item = s.get(UgcItem, first)
        assert item is not None
        assert item.status == "approved"
