"""The Full funnel page in real Chromium: tiles, sparklines drawn by Plotly, drill-down."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mercato.web.services import Services
from tests.metrics.test_surfaces import RANGE, seed
from tests.support.brands import PASSWORD, Brand

pytestmark = pytest.mark.browser


def test_full_funnel_in_chromium(
    services: Services, brand: Brand, live_server: str, browser: Any, artifacts_dir: Path
) -> None:
    seed(services, brand)
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    try:
        page.goto(f"{live_server}/login")
        page.fill("input[name=email]", brand.email())
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server}/")
        page.goto(f"{live_server}/funnel?start={RANGE['start']}&end={RANGE['end']}&compare=yoy")
        page.wait_for_selector("#kpi-transactions .spark .main-svg", timeout=30_000)
        assert page.locator(".spark .main-svg").count() >= 20
        assert (
            page.locator("#kpi-cart_abandonment_rate .benchmark")
            .inner_text()
            .startswith("benchmark 70.19%")
        )
        assert page.locator("#kpi-roas .value").inner_text() != ""
        headers = page.locator("#drill-down thead th").all_text_contents()
        assert "Instagram" in headers  # the platform by its name, not its key
        assert "instagram" not in headers
        page.screenshot(path=str(artifacts_dir / "funnel.png"), full_page=True)
    finally:
        page.close()
