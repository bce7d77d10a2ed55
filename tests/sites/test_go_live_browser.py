"""Go live from an empty data dir: a real `mercato serve`, a real Chromium, a shop on another
loopback origin — first-run setup, a site, the snippet, pageviews, a gallery, reports.
Nothing here touches a store: every step goes through a page or the API."""

from __future__ import annotations

import html
import re
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import expect

from tests.sites.support import SHOPPER_AGENT, mercato_serve
from tests.support.shop import shop_server
from tests.ugc.support import image_bytes

pytestmark = pytest.mark.browser

PASSWORD = "a long owner passphrase"
TIME_ZONE = "Europe/Berlin"
SHOP_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>Northwind</title>
{snippet}</head><body><h1>Northwind Outfitters</h1>{gallery}
<button id="buy">Buy the rain jacket</button>
<script>document.getElementById("buy").addEventListener("click", function () {{
  mercato("purchase", {{order_id: "NW-1001", revenue: "129.00", currency: "EUR",
    items: [{{id: "RJ-1", name: "Rain jacket", quantity: 1, price: "129.00"}}]}});
  document.body.setAttribute("data-bought", "1");
}});</script></body></html>"""


def _until(what: str, check: Callable[[], Any], seconds: float = 20) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}")


def _first_run(page: Any, mercato: str) -> None:
    page.goto(mercato + "/")
    page.wait_for_url(mercato + "/setup")
    page.fill("input[name=workspace_name]", "Northwind Outfitters")
    page.fill("input[name=time_zone]", TIME_ZONE)
    page.fill("input[name=currency]", "EUR")
    page.fill("input[name=email]", "Owner@Northwind.example")
    page.fill("input[name=password]", PASSWORD)
    page.click("#setup-form button[type=submit]")
    page.wait_for_url(mercato + "/setup/site")


def _add_site(page: Any, mercato: str, shop: str) -> tuple[str, str]:
    page.fill("#add-site input[name=domain]", "https://Shop.Northwind.example/")
    page.fill("#add-site textarea[name=origins]", shop)
    page.click("#add-site button")
    page.wait_for_url(mercato + "/settings/sites")
    site = page.locator("section.site")
    assert site.count() == 1
    assert site.locator("h2").inner_text() == "shop.northwind.example"
    origins = site.locator("ul.origins code").all_inner_texts()
    assert origins == ["https://shop.northwind.example", shop]
    assert site.locator(".badge").get_attribute("data-state") == "waiting"
    assert "no events yet" in site.locator(".install-message").inner_text()
    site.locator("button[data-copy]").click()  # the page's copy button (settings.js)
    # A polling locator, not wait_for_function: the page's CSP forbids evaluating strings.
    expect(site.locator("button[data-copy]")).to_have_text("Copied")
    snippet: str = page.evaluate("navigator.clipboard.readText()")
    assert snippet == site.locator("pre.snippet").inner_text()
    key = re.search(r'data-key="(pk_[\w-]+)"', snippet)
    assert key is not None, snippet
    assert f'src="{mercato}/tracker.js"' in snippet
    return snippet, key.group(1)


def _token(page: Any, mercato: str) -> str:
    page.click("nav.subnav >> text=API tokens")
    page.wait_for_url(mercato + "/settings/tokens")
    page.fill("#token-form input[name=name]", "go-live test")
    for scope in ("analytics:read", "ugc:read", "ugc:write", "catalog:read"):
        page.check(f"#token-form input[value='{scope}']")
    page.click("#token-form button")
    secret = page.locator("#token-secret").inner_text().strip()
    assert secret.startswith("mct_")
    page.reload()  # shown once: a fresh page does not carry it
    assert secret not in page.content()
    return secret


def _install_turns_green(page: Any, mercato: str, shop: str) -> None:
    def green() -> bool:
        page.goto(mercato + "/settings/sites")
        return page.locator("section.site .badge").get_attribute("data-state") == "ok"

    _until("the install check to turn green", green)
    message = page.locator("section.site .install-message").inner_text()
    assert message.startswith("last event received")
    assert message.endswith(f"from {shop}")


def _upload_ugc(shopper: Any, mercato: str) -> None:
    shopper.goto(mercato + "/u/northwind-outfitters")
    shopper.set_input_files(
        "input[name=file]",
        files=[{"name": "look.png", "mimeType": "image/png", "buffer": image_bytes(11)}],
    )
    shopper.fill("input[name=caption]", "Rain jacket on the ferry <b>#northwind</b>")
    shopper.fill("input[name=handle]", "mara.sails")
    shopper.fill("input[name=email]", "mara@example.net")
    shopper.check("input[name=consent]")
    shopper.click("button[type=submit]")
    shopper.wait_for_selector("#thanks")


def _gallery(api: httpx.Client) -> str:
    items = api.get("/api/v1/ugc/items").json()["items"]
    assert len(items) == 1
    approved = api.post(
        "/api/v1/ugc/items/status", json={"item_ids": [items[0]["id"]], "status": "approved"}
    )
    assert approved.status_code == 200, approved.text
    created = api.post(
        "/api/v1/galleries", json={"name": "Home", "layout": "grid", "placement": "home"}
    )
    assert created.status_code == 201, created.text
    gallery_id: str = created.json()["id"]
    return gallery_id


def _shop_visit(shopper: Any, shop: str) -> None:
    shopper.goto(shop + "/?utm_source=instagram&utm_medium=social&utm_campaign=autumn")
    shopper.wait_for_selector("#home .mg-tile")
    assert shopper.locator("#home .mg-tile").count() == 1
    shopper.locator("#home .mg-tile").first.click()
    shopper.wait_for_selector(".mg-lightbox")
    shopper.locator(".mg-lightbox .mg-close").click()
    shopper.click("#buy")
    shopper.wait_for_selector("body[data-bought='1']")


def _clicks(api: httpx.Client, gallery_id: str, today: str) -> int:
    rows = api.get(
        "/api/v1/galleries/performance",
        params={"grain": "gallery", "start": today, "end": today + "T23:59:59"},
    ).json()
    return sum(r["clicks"] for r in rows if r["key"] == gallery_id)


def test_go_live_from_an_empty_data_dir(tmp_path: Path, browser: Any, artifacts_dir: Path) -> None:
    pages: dict[str, str] = {}
    log = artifacts_dir / "go_live_serve.log"
    with mercato_serve(tmp_path / "data", log) as mercato, shop_server(pages) as shop:
        admin = browser.new_context(viewport={"width": 1280, "height": 1000})
        admin.grant_permissions(["clipboard-read", "clipboard-write"], origin=mercato)
        visitor = browser.new_context(user_agent=SHOPPER_AGENT)
        try:
            page = admin.new_page()
            _first_run(page, mercato)
            assert httpx.get(mercato + "/setup").status_code == 404  # gone once done
            snippet, key = _add_site(page, mercato, shop)
            page.screenshot(path=str(artifacts_dir / "go_live_site.png"), full_page=True)
            secret = _token(page, mercato)
            api = httpx.Client(base_url=mercato, headers={"Authorization": f"Bearer {secret}"})

            # The shop is a loopback page in a Playwright browser: the tracker stays silent
            # there unless the snippet asks (what a developer testing locally would add).
            snippet = snippet.replace(
                "<script defer ", "<script defer data-allow-local data-allow-automation ", 1
            )
            assert "data-allow-local" in snippet
            pages["/"] = SHOP_PAGE.format(snippet=snippet, gallery="")
            shopper = visitor.new_page()
            shopper.goto(shop + "/")
            _install_turns_green(page, mercato, shop)
            page.screenshot(path=str(artifacts_dir / "go_live_green.png"), full_page=True)

            _upload_ugc(shopper, mercato)
            gallery_id = _gallery(api)
            embed = (
                f'<div id="home" data-mercato-gallery="{html.escape(gallery_id)}"></div>'
                f'<script async src="{mercato}/gallery.js" data-key="{key}"></script>'
            )
            pages["/"] = SHOP_PAGE.format(snippet=snippet, gallery=embed)
            _shop_visit(shopper, shop)
            shopper.screenshot(path=str(artifacts_dir / "go_live_shop.png"), full_page=True)

            today = datetime.now(ZoneInfo(TIME_ZONE)).date().isoformat()
            _until("the gallery click in the report", lambda: _clicks(api, gallery_id, today))
            _reports(page, mercato, today, artifacts_dir)
            api.close()
        finally:
            admin.close()
            visitor.close()


def _reports(page: Any, mercato: str, today: str, out: Path) -> None:
    def converted() -> bool:
        response = page.goto(f"{mercato}/attribution?start={today}&end={today}")
        assert response is not None
        assert response.status == 200, page.content()[:3000]
        return page.locator("#kpi-conversions").inner_text() == "1"

    _until("the purchase in Attribution", converted)
    assert page.locator("#kpi-revenue").inner_text() == "129.00"
    page.screenshot(path=str(out / "go_live_attribution.png"), full_page=True)
    page.click("header nav >> text=Full funnel")
    page.goto(f"{mercato}/funnel?start={today}&end={today}")
    sessions = page.locator("#kpi-sessions .value").inner_text()
    assert int(sessions.replace(",", "")) >= 1, sessions
    page.screenshot(path=str(out / "go_live_funnel.png"), full_page=True)
