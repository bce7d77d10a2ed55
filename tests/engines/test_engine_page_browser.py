"""Settings → Warehouse engine in headless Chromium: laid out at a desktop and a phone width,
in English and Japanese, passing axe-core, and the choice saved through the form."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mercato.catalog.warehouse_engines import WarehouseEngine, set_workspace_engine
from mercato.runtime import Services
from tests.support.brands import Brand
from tests.web.test_every_page_layout import DESKTOP, PHONE, Walker


@pytest.mark.browser
@pytest.mark.parametrize(
    ("viewport", "locale"),
    [(DESKTOP, "en-US"), (PHONE, "ja-JP")],
    ids=["1440x900", "390x844-ja"],
)
def test_engine_page_lays_out_and_saves(
    services: Services,
    brand: Brand,
    live_server: str,
    browser: Any,
    tmp_path: Path,
    viewport: dict[str, int],
    locale: str,
) -> None:
    with services.catalog.session() as session:  # spark on a server without a lake
        set_workspace_engine(session, brand.workspace_id, WarehouseEngine.SPARK)
    walker = Walker(browser, live_server, viewport, tmp_path, locale)
    try:
        walker.log_in(brand.email())
        walker.check("/settings/engine")
        page = walker.page
        assert page.locator("#engine-current").inner_text() == "spark"
        assert "lake_dir (MERCATO_LAKE_DIR)" in page.locator("#engine-problem").inner_text()
        page.check("input[name=engine][value=duckdb]")
        page.click("#engine-form button")
        page.wait_for_url(f"{live_server}/settings/engine")
        assert page.locator("#engine-current").inner_text() == "duckdb"
        assert page.locator("#engine-problem").count() == 0
        if locale == "ja-JP":
            assert page.locator("h2", has_text="ウェアハウスエンジン").count() == 1
    finally:
        walker.close()
    assert not walker.problems, "\n".join(walker.problems) + f"\nscreenshots: {tmp_path}"
