"""The link-in-bio page from an empty data dir: the brand's own post shows its picture, a tap
opens its tagged products with their prices, "Add to cart" reaches the product on the shop
(a loopback fake shop), every target is thumb-sized on a phone and the title names the brand."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pyarrow as pa
import pytest

from mercato.catalog.models import Product, SocialAccount
from mercato.galleries.brand_posts import store_post_picture, tag_post_products
from mercato.galleries.shop import create_shop_page
from mercato.runtime import Services
from mercato.warehouse.loader import load
from tests.support.brands import Brand, make_brand
from tests.support.shop import shop_server
from tests.ugc.support import image_bytes

TAP = 44  # px: the smallest comfortable touch target
PRODUCT_PAGE = "<!doctype html><title>{title}</title><h1 id='product'>{title}</h1>"


def _brand_with_a_post(services: Services, shop: str) -> tuple[Brand, str]:
    """A brand with two products on its shop, an Instagram account, one of its own posts
    (a campaign post whose caption names no product), its picture and two tagged products."""
    brand = make_brand(services, slug="northwind")
    ws = brand.workspace_id
    with services.catalog.session() as session:
        for sku, title, price, path in (
            ("JK-1", "Harbor Rain Jacket", "129.00", "/products/harbor-rain-jacket"),
            ("BT-2", "Trail Ankle Boots", "89.50", "/products/trail-ankle-boots"),
            ("SC-3", "Wool Scarf", "25.00", "/products/wool-scarf"),
        ):
            session.add(Product(workspace_id=ws, sku=sku, title=title, price=Decimal(price),
                                currency="USD", url=shop + path))  # fmt: skip
        account = SocialAccount(
            workspace_id=ws, platform="instagram", handle="northwind", external_id="17841"
        )
        session.add(account)
        session.flush()
        account_id = account.id
        store_post_picture(session, ws, services.settings.media_dir, "instagram", "ig-fall-1",
                           image_bytes(7, size=(480, 600), fmt="JPEG"))  # fmt: skip
        tag_post_products(session, ws, "instagram", "ig-fall-1", ["JK-1", "BT-2"])
        create_shop_page(session, ws, account_id, "northwind", "Shop our feed")
    posts = [
        {
            "workspace_id": ws,
            "platform": "instagram",
            "account_id": "17841",
            "post_id": "ig-fall-1",
            "posted_at": datetime(2026, 9, 2, 15, 0),
            "content_type": "image",
            "caption": "Image — #fall-drop-2026",
            "permalink": "https://www.instagram.com/p/ig-fall-1/",
        }
    ]
    load(services.warehouse, "social_posts", pa.Table.from_pylist(posts))
    return brand, account_id


def _box(locator: Any) -> dict[str, float]:
    box = locator.bounding_box()
    assert box is not None, "the element is not shown"
    return dict(box)


def test_brand_post_opens_its_products_and_reaches_the_shop(
    services: Services, live_server: str, browser: Any, artifacts_dir: Path
) -> None:
    pages: dict[str, str] = {}
    with shop_server(pages) as shop:
        pages["/products/harbor-rain-jacket"] = PRODUCT_PAGE.format(title="Harbor Rain Jacket")
        pages["/products/trail-ankle-boots"] = PRODUCT_PAGE.format(title="Trail Ankle Boots")
        _brand_with_a_post(services, shop)
        context = browser.new_context(
            viewport={"width": 390, "height": 844},
            is_mobile=True,
            has_touch=True,
            device_scale_factor=2,
        )
        # Nothing leaves the machine: only Mercato and the fake shop answer.
        context.route(
            "**/*",
            lambda route: (
                route.continue_()
                if route.request.url.startswith((live_server, shop))
                else route.abort()
            ),
        )
        page = context.new_page()
        try:
            page.goto(f"{live_server}/shop/northwind")
            assert page.title() == "Northwind — Shop our feed"
            tile = page.locator('#shop-grid [data-ugc-id="post:ig-fall-1"]')
            tile.wait_for()
            picture = tile.locator("img.mg-media")
            # The post's own picture, loaded (not a grey box with the caption in it).
            page.wait_for_function(
                "img => img.complete && img.naturalWidth > 0", arg=picture.element_handle()
            )
            assert "/shop/northwind/media/bpo_" in (picture.get_attribute("src") or "")
            assert tile.locator(".mg-text").count() == 0
            assert min(_box(tile)["width"], _box(tile)["height"]) >= TAP
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
            page.screenshot(path=str(artifacts_dir / "link_in_bio_brand_posts.png"))

            tile.tap()
            box = page.locator(".mg-lightbox .mg-box")
            cards = box.locator(".mg-product")
            assert cards.count() == 2
            assert cards.locator(".mg-title").all_inner_texts() == [
                "Harbor Rain Jacket",
                "Trail Ankle Boots",
            ]
            assert cards.locator(".mg-price").all_inner_texts() == ["129.00 USD", "89.50 USD"]
            for target in (
                box.locator(".mg-close"),
                *(cards.nth(i).locator(sel) for i in range(2) for sel in (".mg-link", ".mg-cart")),
            ):
                size = _box(target)
                assert min(size["width"], size["height"]) >= TAP, size
            # Price and the button are on screen without scrolling the lightbox.
            first_cart = _box(cards.first.locator(".mg-cart"))
            assert first_cart["y"] + first_cart["height"] <= 844
            page.screenshot(path=str(artifacts_dir / "link_in_bio_brand_post_products.png"))

            cards.first.locator(".mg-cart").tap()
            page.wait_for_url(f"{shop}/products/harbor-rain-jacket?*")
            assert page.locator("#product").inner_text() == "Harbor Rain Jacket"
            query = parse_qs(urlsplit(page.url).query)
            assert query["utm_medium"] == ["link_in_bio"]
            assert query["utm_content"] == ["ig-fall-1"]

            page.goto(f"{live_server}/shop/northwind")
            page.locator('#shop-grid [data-ugc-id="post:ig-fall-1"]').tap()
            link = page.locator(".mg-lightbox .mg-product").nth(1).locator(".mg-link")
            assert (link.get_attribute("href") or "").startswith(
                f"{shop}/products/trail-ankle-boots?"
            )
            link.tap()
            page.wait_for_url(f"{shop}/products/trail-ankle-boots?*")
        finally:
            context.close()


def test_brand_post_pictures_are_served_only_for_the_pages_workspace(
    services: Services, live_server: str
) -> None:
    brand, _ = _brand_with_a_post(services, "http://127.0.0.1:9")
    other = make_brand(services, slug="acme")
    with services.catalog.session() as session:
        account = SocialAccount(workspace_id=other.workspace_id, platform="instagram",
                                handle="acme", external_id="555")  # fmt: skip
        session.add(account)
        session.flush()
        create_shop_page(session, other.workspace_id, account.id, "acme")
    client = httpx.Client(base_url=live_server, timeout=20)
    shown = client.get("/shop/northwind").text
    start = shown.index("/shop/northwind/media/bpo_")
    media_path = shown[start : shown.index('"', start)].split("?")[0]
    photo = client.get(media_path)
    assert photo.status_code == 200
    assert photo.headers["content-type"] == "image/jpeg"
    assert photo.headers["x-content-type-options"] == "nosniff"
    assert client.get(media_path + "?thumb=1").status_code == 200
    brand_post_id = media_path.rsplit("/", 1)[1]
    # Another brand's page does not open it, nor do made-up ids and handles (404, never 5xx).
    assert client.get(f"/shop/acme/media/{brand_post_id}").status_code == 404
    assert client.get("/shop/northwind/media/bpo_nope").status_code == 404
    assert client.get(f"/shop/nobody/media/{brand_post_id}").status_code == 404
    assert client.get(f"/shop/northwind/media/{brand_post_id}?thumb=maybe").status_code < 500
    assert brand.slug == "northwind"
    client.close()


@pytest.mark.parametrize("skus", [["NOPE-1"], ["JK-1"] * 25 + [f"X{i}" for i in range(25)]])
def test_tagging_refuses_unknown_or_too_many_products(services: Services, skus: list[str]) -> None:
    from mercato.core.errors import MercatoError

    brand, _ = _brand_with_a_post(services, "http://127.0.0.1:9")
    with services.catalog.session() as session, pytest.raises(MercatoError):
        tag_post_products(session, brand.workspace_id, "instagram", "ig-fall-1", skus)


def test_brand_post_picture_and_products_through_the_api(
    services: Services, live_server: str
) -> None:
    from mercato.core.scopes import Scope
    from tests.support.brands import make_token

    brand, account_id = _brand_with_a_post(services, "http://127.0.0.1:9")
    token = make_token(services, brand, [Scope.UGC_READ, Scope.UGC_WRITE])
    with httpx.Client(base_url=live_server, timeout=20,
                      headers={"Authorization": f"Bearer {token}"}) as api:  # fmt: skip
        page_id = api.get("/api/v1/galleries/shop-pages").json()[0]["id"]
        base = f"/api/v1/galleries/shop-pages/{page_id}/posts/ig-fall-1"
        tagged = api.put(f"{base}/products", json={"skus": ["SC-3", "JK-1"]})
        assert tagged.status_code == 200, tagged.text
        assert tagged.json() == {"post": "ig-fall-1", "platform": "instagram",
                                 "skus": ["SC-3", "JK-1"]}  # fmt: skip
        assert api.put(f"{base}/products", json={"skus": ["NOPE"]}).status_code == 404
        not_a_picture = api.put(f"{base}/picture", content=b"<svg onload=alert(1)>")
        assert not_a_picture.status_code == 400
        stored = api.put(f"{base}/picture", content=image_bytes(9, (300, 300), "PNG"))
        assert stored.status_code == 200, stored.text
        picture = stored.json()
        assert (picture["kind"], picture["width"], picture["height"]) == ("photo", 300, 300)
        assert api.get(picture["url"]).headers["content-type"] == "image/png"
        assert api.put("/api/v1/galleries/shop-pages/shp_nope/posts/x/products",
                       json={"skus": []}).status_code == 404  # fmt: skip
        shown = api.get("/shop/northwind").text
    assert shown.index('"Wool Scarf"') < shown.index('"Harbor Rain Jacket"')
    assert '"Trail Ankle Boots"' not in shown  # the tags were replaced
    assert account_id
