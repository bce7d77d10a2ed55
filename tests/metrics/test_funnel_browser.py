"""The Full funnel page in real Chromium: tiles, sparklines drawn by Plotly, drill-down."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mercato.runtime import Services
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
        verdict = page.locator("#kpi-cart_abandonment_rate .verdict")
        assert "vs 70.19%" in verdict.inner_text()
        assert verdict.get_attribute("data-position") in ("above", "below", "within")
        assert page.locator("#kpi-roas .value").inner_text() != ""
        headers = page.locator("#drill-down thead th").all_text_contents()
        assert "Instagram" in headers  # the platform by its name, not its key
        assert "instagram" not in headers
        # The stage funnels are drawn without a toolbar over their titles.
        page.wait_for_selector("#stage-chart-instagram .main-svg", timeout=30_000)
        assert page.locator("#stage-funnel .js-plotly-plot").count() == 4
        assert page.locator("#stage-funnel .modebar").count() == 0
        # Sparklines show their scale (tick labels on both axes).
        assert page.locator("#kpi-transactions .spark .ytick").count() >= 1
        # Every table fits its card: a wide one scrolls inside it, the page does not.
        page.goto(f"{live_server}/funnel?start={RANGE['start']}&end={RANGE['end']}&drill=campaign")
        page.wait_for_selector("#drill-down table")
        overflow = page.evaluate(
            """() => [...document.querySelectorAll('table.data')].filter(t => {
                const card = t.closest('.card, .stage');
                return t.parentElement.getBoundingClientRect().right
                    > card.getBoundingClientRect().right + 1;
            }).length"""
        )
        assert overflow == 0
        assert page.evaluate("document.documentElement.scrollWidth") <= 1400
        # On a phone the stage funnels stack and stay inside their card.
        page.set_viewport_size({"width": 390, "height": 844})
        page.wait_for_timeout(500)  # Plotly's responsive redraw
        wider = page.evaluate(
            """() => {
                const card = document.querySelector('#stage-funnel').getBoundingClientRect();
                const parts = '#stage-funnel .chart, #stage-funnel .table-scroll';
                return [...document.querySelectorAll(parts)]
                    .filter(e => e.getBoundingClientRect().right > card.right + 1).length;
            }"""
        )
        assert wider == 0
        page.screenshot(path=str(artifacts_dir / "funnel.png"), full_page=True)
    finally:
        page.close()
