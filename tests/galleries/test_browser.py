"""A shop page in real Chromium embeds a home and a product-page gallery from another origin."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pyarrow as pa
import pytest
from playwright.sync_api import expect

from mercato.catalog.models import UgcItem
from mercato.core.timeutil import utcnow
from mercato.metrics.ugc_performance import ugc_performance
from mercato.runtime import Services
from mercato.warehouse.loader import load
from tests.galleries.support import Shop, make_shop
from tests.support.shop import shop_server

pytestmark = pytest.mark.browser

SHOP_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>Test shop</title></head>
<body><h1>{title}</h1>{containers}
<script>window.__cart = []; document.addEventListener("mercato:add-to-cart",
  function (e) {{ window.__cart.push(e.detail.product.sku + "@" + e.detail.ugc_id); }});</script>
<script async src="{mercato}/gallery.js" data-key="{key}"></script></body></html>"""


def _pages(mercato: str, shop: Shop) -> dict[str, str]:
    def page(title: str, container: str) -> str:
        return SHOP_PAGE.format(
            title=title, containers=container, mercato=mercato, key=shop.brand.site_public_key
        )

    return {
        "/": page("Home", f'<div id="home" data-mercato-gallery="{shop.home}"></div>'),
        # No SKU attribute: the product is found from the page URL's path.
        "/products/dr-1": page("Dress", f'<div id="pdp" data-mercato-gallery="{shop.pdp}"></div>'),
    }


Sent = list[dict[str, Any]]
SHOPPER_AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)


def _record_collector(page: Any, live_server: str, sent: list[dict[str, Any]]) -> None:
    """Keep every event gallery.js sends and pass it on to the real collector; before the
    collector exists in this build (404) the request is answered 202 here."""

    def handle(route: Any) -> None:
        body = json.loads(route.request.post_data or "{}")
        # The collector rightly drops HeadlessChrome as a bot; a shopper's agent stands in.
        response = route.fetch(headers={**route.request.headers, "user-agent": SHOPPER_AGENT})
        sent.extend(dict(e, key=body.get("key"), status=response.status) for e in body["events"])
        route.fulfill(status=response.status if response.status != 404 else 202, body="")

    page.route(f"{live_server}/api/collect", handle)
    page.route(
        "http://shop.test/**",
        lambda r: r.fulfill(status=200, body="<h1>product</h1>", content_type="text/html"),
    )


def _names(sent: list[dict[str, Any]]) -> list[str]:
    return [e["name"] for e in sent]


def _wait_for(page: Any, sent: list[dict[str, Any]], name: str, count: int = 1) -> None:
    for _ in range(60):
        if _names(sent).count(name) >= count:
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"{name} not sent; got {_names(sent)}")


def test_embedded_galleries_lightbox_utm_tracking_and_safety(
    services: Services, live_server: str, browser: Any, artifacts_dir: Path
) -> None:
    pages: dict[str, str] = {}
    with shop_server(pages) as origin:
        shop = make_shop(services, origin=origin)
        pages.update(_pages(live_server, shop))
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        sent: list[dict[str, Any]] = []
        _record_collector(page, live_server, sent)
        try:
            _home(page, origin, shop, sent, artifacts_dir)
            _product_page(page, origin, shop, sent, artifacts_dir)
            _rights_expiry(services, page, origin, shop)
            _events_reach_the_warehouse(services, page, shop, sent)
        finally:
            page.close()


def _home(page: Any, origin: str, shop: Shop, sent: list[dict[str, Any]], out: Path) -> None:
    page.goto(origin + "/")
    page.wait_for_selector("#home .mg-tile")
    tiles = page.locator("#home .mg-tile")
    assert tiles.count() == 4
    assert page.locator("#home .mg-tag").first.inner_text() == "Sunset Linen Dress"
    _wait_for(page, sent, "gallery_view")
    _wait_for(page, sent, "ugc_impression", 4)
    assert {e["ugc_id"] for e in sent if e["name"] == "ugc_impression"} == {
        shop.items[k] for k in ("dress_a", "expiring", "boots", "dress_b")
    }
    assert all(
        e["gallery_id"] == shop.home and e["key"] == shop.brand.site_public_key for e in sent
    )
    page.screenshot(path=str(out / "gallery_home.png"), full_page=True)
    xss_tile = page.locator(f'#home [data-ugc-id="{shop.items["dress_b"]}"]')
    xss_tile.click()
    caption = page.locator(".mg-lightbox .mg-caption").inner_text()
    assert "</script><script>window.__xss=1" in caption  # shown as text, never run
    assert page.evaluate("window.__xss") is None
    page.locator(".mg-lightbox .mg-close").click()
    page.locator(f'#home [data-ugc-id="{shop.items["boots"]}"]').click()
    _wait_for(page, sent, "ugc_click", 2)
    card = page.locator(".mg-lightbox .mg-product")
    assert card.locator(".mg-title").inner_text() == "Trail Ankle Boots"
    assert card.locator(".mg-price").inner_text() == "49.00 USD"
    card.locator(".mg-cart").click()
    assert page.evaluate("window.__cart") == [f"BT-9@{shop.items['boots']}"]
    _wait_for(page, sent, "add_to_cart")
    cart = next(e for e in sent if e["name"] == "add_to_cart")
    assert cart["items"][0]["sku"] == "BT-9"
    assert cart["ugc_id"] == shop.items["boots"]
    page.screenshot(path=str(out / "gallery_lightbox.png"))
    card.locator(".mg-link").click()
    page.wait_for_url("http://shop.test/**")
    query = parse_qs(urlsplit(page.url).query)
    assert query["utm_source"] == ["mercato"]
    assert query["utm_medium"] == ["ugc_gallery"]
    assert query["utm_content"] == [shop.items["boots"]]
    assert query["color"] == ["brown"]
    _wait_for(page, sent, "product_click")


def _product_page(
    page: Any, origin: str, shop: Shop, sent: list[dict[str, Any]], out: Path
) -> None:
    page.goto(origin + "/products/dr-1")
    page.wait_for_selector("#pdp .mg-tile")
    shown = page.locator("#pdp .mg-tile").evaluate_all(
        "tiles => tiles.map(t => t.getAttribute('data-ugc-id'))"
    )
    assert shown == [shop.items[k] for k in ("dress_a", "expiring", "dress_b")]
    assert page.locator("#pdp .mg-strip").count() == 1
    _wait_for(page, sent, "gallery_view", 2)
    assert any(e["gallery_id"] == shop.pdp for e in sent if e["name"] == "gallery_view")
    assert page.evaluate("window.__xss") is None
    page.screenshot(path=str(out / "gallery_product_page.png"), full_page=True)


def _events_reach_the_warehouse(services: Services, page: Any, shop: Shop, sent: Sent) -> None:
    """With the collector in the build, the gallery's events land in the events table with
    their gallery and UGC ids (the collector's loader runs in the background)."""
    statuses = {e["status"] for e in sent}
    if statuses == {404}:
        return  # no collector in this build: the requests above are the proof
    assert statuses == {202}, statuses
    events = services.warehouse.for_workspace(shop.brand.workspace_id).table("events")
    wanted = {"gallery_view", "ugc_impression", "ugc_click", "product_click", "add_to_cart"}
    found: set[str] = set()
    for _ in range(100):
        frame = services.warehouse.execute(
            events.filter(events.gallery_id.notnull()).select("name", "gallery_id", "ugc_id")
        )
        found = set(frame["name"])
        if wanted <= found:
            break
        page.wait_for_timeout(200)
    assert wanted <= found, found
    clicks = frame[frame["name"] == "ugc_click"]
    assert shop.items["boots"] in set(clicks["ugc_id"])
    scoped = services.warehouse.for_workspace(shop.brand.workspace_id)
    boots = {row.key: row for row in ugc_performance(scoped, "ugc_id")}[shop.items["boots"]]
    assert (boots.clicks, boots.product_clicks, boots.carts) == (1, 1, 1)
    assert boots.impressions >= 1
    assert boots.influenced_sessions == 1  # the collector put the journey in one session


def _rights_expiry(services: Services, page: Any, origin: str, shop: Shop) -> None:
    with services.catalog.session() as session:
        item = session.get(UgcItem, shop.items["expiring"])
        assert item is not None
        item.rights_expires_at = utcnow() - timedelta(seconds=1)
    page.goto(origin + "/")
    page.wait_for_selector("#home .mg-tile")
    assert page.locator("#home .mg-tile").count() == 3
    assert page.locator(f'[data-ugc-id="{shop.items["expiring"]}"]').count() == 0


def test_link_in_bio_at_a_phone_viewport(
    services: Services, live_server: str, browser: Any, artifacts_dir: Path
) -> None:
    shop = make_shop(services, origin=live_server)
    posts = [
        {
            "workspace_id": shop.brand.workspace_id,
            "platform": "instagram",
            "account_id": shop.account_id,
            "post_id": "ig1",
            "posted_at": datetime(2026, 6, 2),
            "content_type": "photo",
            "caption": "Out now: the Trail Ankle Boots BT-9",
        }
    ]
    load(services.warehouse, "social_posts", pa.Table.from_pylist(posts))
    from mercato.galleries.shop import create_shop_page

    with services.catalog.session() as session:
        create_shop_page(session, shop.brand.workspace_id, shop.account_id, "acme")
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
    )
    page = context.new_page()
    sent: list[dict[str, Any]] = []
    _record_collector(page, live_server, sent)
    try:
        page.goto(f"{live_server}/shop/acme")
        page.wait_for_selector("#shop-grid .mg-tile")
        assert page.locator("#shop-grid .mg-tile").count() == 5  # 1 post + 4 publishable UGC
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390  # no sideways scrolling on a phone
        page.screenshot(path=str(artifacts_dir / "link_in_bio_phone.png"), full_page=True)
        page.locator('#shop-grid [data-ugc-id="post:ig1"]').tap()
        title = page.locator(".mg-lightbox .mg-title").first.inner_text()
        assert title == "Trail Ankle Boots"
        href = page.locator(".mg-lightbox .mg-link").first.get_attribute("href")
        assert "utm_medium=link_in_bio" in href
        assert "utm_content=ig1" in href
        page.screenshot(path=str(artifacts_dir / "link_in_bio_product.png"))
        _wait_for(page, sent, "ugc_click")
    finally:
        context.close()


def test_builder_live_preview_save_and_snippet(
    services: Services, live_server: str, browser: Any, artifacts_dir: Path
) -> None:
    from tests.support.brands import PASSWORD

    shop = make_shop(services)
    page = browser.new_page(viewport={"width": 1300, "height": 1000})
    try:
        page.goto(f"{live_server}/login")
        page.fill("input[name=email]", shop.brand.email())
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server}/")
        page.goto(f"{live_server}/galleries/new")
        page.wait_for_selector("#preview .mg-tile")
        assert page.locator("#preview .mg-tile").count() == 4  # every publishable item
        page.fill("input[name='rule.product_line']", "Outdoor")
        # A polling locator, not wait_for_function: the page's CSP forbids evaluating strings.
        expect(page.locator("#preview .mg-tile")).to_have_count(1)
        assert page.evaluate("window.__xss") is None
        page.fill("input[name=name]", "Outdoor picks")
        page.select_option("select[name=layout]", "carousel")
        page.click("#save")
        page.wait_for_url(f"{live_server}/galleries/gal_*")
        snippet = page.locator("#snippet").inner_text()
        assert 'data-mercato-gallery="gal_' in snippet
        assert f'data-key="{shop.brand.site_public_key}"' in snippet
        page.wait_for_selector("#preview .mg-carousel .mg-tile")
        page.screenshot(path=str(artifacts_dir / "gallery_builder.png"), full_page=True)
        page.goto(f"{live_server}/galleries")
        assert page.locator("#gallery-list >> text=Outdoor picks").count() == 1
    finally:
        page.close()
