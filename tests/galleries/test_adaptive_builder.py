"""The builder sets a gallery's adaptive order (and clears it), in headless Chromium."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mercato.catalog.models import Gallery
from mercato.runtime import Services
from tests.galleries.support import make_shop


def _rule(services: Services, gallery_id: str) -> dict[str, Any]:
    with services.catalog.session() as session:
        gallery = session.get(Gallery, gallery_id)
        assert gallery is not None
        return dict(gallery.rule)


def test_builder_sets_and_clears_the_adaptive_order(
    services: Services, live_server: str, browser: Any, artifacts_dir: Path
) -> None:
    from tests.support.brands import PASSWORD

    shop = make_shop(services)
    page = browser.new_page(viewport={"width": 1300, "height": 1200})
    try:
        page.goto(f"{live_server}/login")
        page.fill("input[name=email]", shop.brand.email())
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server}/")
        page.goto(f"{live_server}/galleries/{shop.home}")
        assert page.input_value("select[name='rule.order']") == "default"
        page.select_option("select[name='rule.order']", "adaptive")
        page.select_option("select[name='rule.reward']", "add_to_cart")
        page.fill("input[name='rule.burn_in']", "250")
        page.fill("input[name='rule.floor']", "0.02")
        with page.expect_response(lambda r: r.request.method == "PATCH") as saved:
            page.click("#save")
        assert saved.value.status == 200, saved.value.text()
        rule = _rule(services, shop.home)
        assert rule["order"] == "adaptive"
        assert rule["reward"] == "add_to_cart"
        assert rule["burn_in"] == 250
        assert rule["floor"] == 0.02
        page.reload()
        assert page.input_value("select[name='rule.order']") == "adaptive"
        assert page.input_value("select[name='rule.reward']") == "add_to_cart"
        assert page.input_value("input[name='rule.burn_in']") == "250"
        card = page.locator("#order-policy")
        assert card.locator("[data-state]").inner_text() == "burn_in"  # nothing logged yet
        assert card.locator("tbody tr").count() == 4  # every publishable item, default order
        assert "0 logged lead exposures" in card.inner_text()
        assert page.evaluate("window.__xss") is None  # a hostile caption stays text
        page.screenshot(path=str(artifacts_dir / "gallery_builder_adaptive.png"), full_page=True)
        page.select_option("select[name='rule.order']", "default")
        with page.expect_response(lambda r: r.request.method == "PATCH") as cleared:
            page.click("#save")
        assert cleared.value.status == 200, cleared.value.text()
        rule = _rule(services, shop.home)
        assert not {"order", "reward", "burn_in", "floor"} & set(rule)
        assert rule["sort"] == "curation"
        page.reload()
        assert page.locator("#order-policy").count() == 0
    finally:
        page.close()
