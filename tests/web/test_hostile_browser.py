"""XSS payloads in every text and URL field, opened on every public surface and the main
admin pages in real Chromium: no dialog, no CSP violation, and the pages still work (charts
drawn, gallery tiles and buttons respond). The embedding shop runs a strict CSP of its own
on another loopback port, so gallery.js is proven to need nothing but the shop's nonce."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mercato.runtime import Services
from mercato.ugc import embedding
from tests.metrics.test_surfaces import RANGE
from tests.support.brands import PASSWORD, Brand
from tests.support.shop import shop_server
from tests.web.hostile_data import XSS, Hostile, build_hostile

pytestmark = pytest.mark.browser

SHOP_NONCE = "shop-nonce-4f1c"
SHOP_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>Shop</title></head>
<body><h1>Summer</h1><div id="home" data-mercato-gallery="{gallery}"></div>
<script nonce="{nonce}">window.__cart = []; document.addEventListener("mercato:add-to-cart",
  function (e) {{ window.__cart.push(e.detail.product.sku); }});</script>
<script async src="{mercato}/gallery.js" data-key="{key}" nonce="{nonce}"></script></body></html>"""
# Records what the page's CSP blocked; init scripts run before the page's own code.
WATCH = """window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push([e.violatedDirective, e.blockedURI, e.sourceFile, e.lineNumber].join(" "));
}, true);"""


class Watched:
    """A page whose dialogs, CSP violations and script errors are all recorded."""

    def __init__(self, browser: Any) -> None:
        self.page = browser.new_page(viewport={"width": 1300, "height": 900})
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.page.add_init_script(WATCH)
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on(
            "console",
            lambda m: self.errors.append(m.text) if "Content Security Policy" in m.text else None,
        )

    def open(self, url: str) -> Any:
        self.page.goto(url)
        self.page.wait_for_load_state("networkidle")
        return self.page

    def assert_clean(self, where: str) -> None:
        self.page.wait_for_timeout(150)  # let a late onerror/onload fire, were there one
        violations = self.page.evaluate("window.__csp")
        assert self.dialogs == [], f"{where}: a payload ran: {self.dialogs}"
        assert violations == [], f"{where}: CSP violations {violations}"
        assert self.errors == [], f"{where}: {self.errors}"


def _log_in(watched: Watched, live_server: str, brand: Brand) -> None:
    page = watched.open(f"{live_server}/login")
    page.fill("input[name=email]", brand.email())
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/")
    watched.assert_clean("/login")


def test_hostile_fields_never_script_any_page(
    services: Services,
    brand: Brand,
    live_server: str,
    browser: Any,
    artifacts_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(embedding, "load_embedder", lambda: None)  # full-text is enough here
    pages: dict[str, str] = {}
    headers: dict[str, str] = {}
    with shop_server(pages, headers) as origin:
        hostile = build_hostile(services, brand, live_server, origin)
        headers["Content-Security-Policy"] = (
            f"default-src 'none'; script-src 'nonce-{SHOP_NONCE}' {live_server}; "
            f"style-src 'nonce-{SHOP_NONCE}'; img-src {live_server} https://cdn.shop.test; "
            f"connect-src {live_server}"
        )
        pages["/"] = SHOP_PAGE.format(
            gallery=hostile.gallery_id,
            nonce=SHOP_NONCE,
            mercato=live_server,
            key=brand.site_public_key,
        )
        watched = Watched(browser)
        try:
            _embedded_gallery(watched, origin, hostile, artifacts_dir)
            _public_mercato_pages(watched, live_server, hostile)
            _log_in(watched, live_server, brand)
            _admin_pages(watched, live_server, hostile, artifacts_dir)
        finally:
            watched.page.close()


def _embedded_gallery(watched: Watched, origin: str, hostile: Hostile, out: Path) -> None:
    page = watched.open(origin + "/")
    page.wait_for_selector("#home .mg-tile")
    assert page.locator("#home .mg-tile").count() >= 3
    # gallery.js's stylesheet took the shop's nonce: the grid is laid out, not blocked.
    assert page.evaluate("getComputedStyle(document.querySelector('#home .mg')).display") == "grid"
    page.locator(f'#home [data-ugc-id="{hostile.item_ids[0]}"]').click()  # tagged BT-9, DR-1
    assert XSS in page.locator(".mg-lightbox .mg-caption").inner_text()  # text, not markup
    links = page.locator(".mg-lightbox .mg-link")
    hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
    assert None in hrefs  # the product with the stored script URL has no link at all
    assert all(h is None or h.startswith("https://shop.test/") for h in hrefs), hrefs
    for i in range(links.count()):  # clicking a dropped link does nothing, runs nothing
        if hrefs[i] is None:
            links.nth(i).click()
    page.locator(".mg-lightbox .mg-cart").first.click()
    assert page.evaluate("window.__cart.length") == 1
    page.screenshot(path=str(out / "hostile_embedded_gallery.png"))
    watched.assert_clean("embedded gallery")


def _public_mercato_pages(watched: Watched, live_server: str, hostile: Hostile) -> None:
    page = watched.open(f"{live_server}/g/{hostile.gallery_id}.html")
    assert page.locator("figure.mercato-item").count() >= 3
    assert "javascript:" not in page.content().lower()
    watched.assert_clean("/g/<id>.html")
    page = watched.open(f"{live_server}/shop/{hostile.shop_handle}")
    page.wait_for_selector("#shop-grid .mg-tile")
    assert XSS in page.locator("header h1").inner_text()
    page.locator("#shop-grid .mg-tile").first.click()
    assert page.locator(".mg-lightbox").count() == 1
    assert "javascript:" not in page.content().lower()
    watched.assert_clean("/shop/<handle>")
    page = watched.open(f"{live_server}/u/{hostile.brand.slug}")
    assert XSS in page.locator("h1").inner_text()
    assert page.locator("a", has_text="the terms").count() == 0  # the script URL is dropped
    watched.assert_clean("/u/<slug>")


FUNNEL = f"/funnel?start={RANGE['start']}&end={RANGE['end']}&compare=yoy&drill=campaign"
CHARTS = {
    "/": "#sessions-chart .main-svg",
    FUNNEL: ".spark .main-svg",
    "/traffic": "#channels-chart .main-svg",
    "/attribution": "#comparison-chart .main-svg",
}


def _admin_pages(watched: Watched, live_server: str, hostile: Hostile, out: Path) -> None:
    _switch_to(watched, live_server, "other")  # one of these two is a real switch
    _switch_to(watched, live_server, hostile.brand.slug)
    for path, chart in CHARTS.items():
        page = watched.open(live_server + path)
        page.wait_for_selector(chart, timeout=30_000)  # Plotly drew under the CSP
        watched.assert_clean(path)
    page.screenshot(path=str(out / "hostile_attribution.png"), full_page=True)
    for path in (
        "/ugc",
        "/ugc/moderation",
        f"/ugc/items/{hostile.item_ids[0]}",
        "/ugc/creators",
        "/galleries",
        "/sources",
    ):
        page = watched.open(live_server + path)
        assert "javascript:" not in page.content().lower(), path
        watched.assert_clean(path)
    page = watched.open(f"{live_server}/galleries/{hostile.gallery_id}")
    page.wait_for_selector("#preview .mg-tile")
    page.select_option("select[name='rule.platform']", "review")  # the preview follows the form
    page.wait_for_selector("#preview .mg-tile >> nth=0")
    watched.assert_clean("gallery builder")


def _switch_to(watched: Watched, live_server: str, slug: str) -> None:
    """The workspace switcher submits on change: a listener in app.js, not an onchange."""
    page = watched.open(live_server + "/")
    if page.locator("select[name=slug]").input_value() != slug:
        with page.expect_navigation():
            page.select_option("select[name=slug]", slug)
    assert page.locator("select[name=slug]").input_value() == slug
    watched.assert_clean(f"switch to {slug}")
