"""The Attribution page in real Chromium: the grouped bar chart draws one trace per model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mercato.runtime import Services
from tests.attribution.warehouse_support import seed
from tests.support.brands import PASSWORD, Brand

pytestmark = pytest.mark.browser


def test_attribution_page_draws_the_model_comparison(
    services: Services, brand: Brand, live_server: str, browser: Any, artifacts_dir: Path
) -> None:
    seed(services.warehouse, brand.workspace_id)
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text))
    try:
        page.goto(f"{live_server}/login")
        page.fill("input[name=email]", brand.email())
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server}/")
        page.click("nav >> text=Attribution")
        page.wait_for_url(f"{live_server}/attribution")
        page.wait_for_selector("#comparison-chart .main-svg", timeout=15_000)
        assert page.locator("#kpi-conversions").inner_text() == "4"
        legend = page.locator("#comparison-chart .legendtext").all_text_contents()
        assert "Markov (pooled)" in legend
        assert "Shapley value" in legend
        assert not [name for name in legend if "_" in name]
        assert len(legend) == 10
        page.select_option("select[name=by]", "platform")
        page.click("#attribution-filters button")
        page.wait_for_selector("#comparison-chart .main-svg", timeout=15_000)
        assert "TikTok" in page.locator("#credits").inner_text()
        assert [e for e in errors if "autocomplete" not in e and "404" not in e] == []
        page.screenshot(path=str(artifacts_dir / "attribution.png"), full_page=True)
    finally:
        page.close()
