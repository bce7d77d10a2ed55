"""Searchable product pickers and the gallery rule's platform choice: the pages over real
HTTP (labels, escaping, the platform <select>), then in headless Chromium a product found by
typing part of its title, picked, and the tag and the library filter it gives applied."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Dialog, expect
from sqlalchemy import select

from mercato.catalog.models import ProductTag
from mercato.runtime import Services
from mercato.web.routes.galleries_pages import platform_choices
from tests.support.brands import PASSWORD, Brand
from tests.support.server import login
from tests.ugc.conftest import XSS, Library
from tests.ugc.support import product

pytestmark = pytest.mark.usefixtures("without_model")

LINES = ("Harbor", "Summit", "Meadow", "Coastal", "Urban", "Alpine", "Canyon", "Prairie")
KINDS = ("Rain Jacket", "Fleece Hoodie", "Trail Runner", "Canvas Tote", "Wool Beanie")
COLOURS = ("Navy", "Olive", "Sand", "Charcoal", "Rust")


@pytest.fixture
def catalog(services: Services, brand: Brand) -> dict[str, str]:
    """A 200-product catalog shaped like a shop's (line, kind, colour), one hostile title;
    returns sku -> product id."""
    ids: dict[str, str] = {}
    with services.catalog.session() as s:
        for n, (line, kind, colour) in enumerate(
            (line, kind, colour) for line in LINES for kind in KINDS for colour in COLOURS
        ):
            sku = f"{line[:3].upper()}-{n:04d}"
            ids[sku] = product(s, brand.workspace_id, sku, f"{line} {kind} — {colour}").id
        ids["EVIL-1"] = product(s, brand.workspace_id, "EVIL-1", f"Evil tote {XSS}").id
    return ids


@contextmanager
def _client(live_server: str, brand: Brand) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live_server, timeout=20, follow_redirects=False) as client:
        login(client, brand.email(), PASSWORD)
        yield client


def test_pickers_are_labelled_and_escape_titles(
    brand: Brand, library: Library, catalog: dict[str, str], live_server: str
) -> None:
    with _client(live_server, brand) as client:
        for path in (f"/ugc/items/{library.publishable}", "/ugc", "/galleries/new"):
            page = client.get(path)
            assert page.status_code == 200, path
            assert "<script>window.__pwned" not in page.text, path
            assert "Evil tote &lt;script&gt;window.__pwned=1&lt;/script&gt;" in page.text, path
            assert "<svg onload" not in page.text, path
            assert 'type="search"' in page.text, path
            assert "Find a product" in page.text, path
            assert '<script src="/static/picker.js"></script>' in page.text, path
        builder = client.get("/galleries/new").text
        platform = builder.split('name="rule.platform"', 1)[1].split("</select>", 1)[0]
        assert '<option value="">any</option>' in platform
        assert '<option value="instagram" >Instagram</option>' in platform
        assert '<option value="tiktok" >TikTok</option>' in platform
        assert 'value="twitter"' not in platform  # X once, not also as its old name
        assert 'name="rule.platform" value=' not in builder  # no longer free text
        assert '<datalist id="product-skus">' in builder
        assert client.get("/static/picker.js").status_code == 200
        ja = client.get("/galleries/new", headers={"Accept-Language": "ja"})
        assert ja.status_code == 200
        assert 'lang="ja"' in ja.text
        assert "商品を検索" in ja.text
        assert "SKU に追加" in ja.text


def test_platform_choices_keep_a_stored_value() -> None:
    known = platform_choices()
    assert known[0] == "instagram"
    assert "x" in known
    assert "twitter" not in known
    assert len(known) == len(set(known))
    assert platform_choices("instagram") == known
    assert platform_choices("myspace") == ["myspace", *known]
    assert "google" not in known  # an ad network, no UGC
    assert "(none)" not in known
    assert {"upload", "review", "web"} <= set(known)  # where uploads, reviews and URLs land
    # A platform only the library's items carry is offered after the labelled ones.
    assert platform_choices("", ["instagram", "vimeo", ""]) == [*known, "vimeo"]


@pytest.mark.browser
def test_type_pick_and_apply_in_chromium(
    services: Services,
    brand: Brand,
    library: Library,
    catalog: dict[str, str],
    live_server: str,
    browser: Any,
    artifacts_dir: Path,
) -> None:
    page = browser.new_page()
    dialogs: list[str] = []

    def dismiss(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", dismiss)
    wanted = next(sku for sku in catalog if sku.startswith("CAN-"))  # Canyon Rain Jacket — Navy
    try:
        page.goto(f"{live_server}/login")
        page.fill("input[name=email]", brand.email())
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server}/")

        # The item page: part of the title, the list narrows, keyboard down to the pick.
        page.goto(f"{live_server}/ugc/items/{library.publishable}")
        search = page.get_by_label("Find a product")
        assert search.is_visible()
        search.fill("canyon rain NAV")
        shown = page.eval_on_selector_all(
            "#tag-product option", "os => os.filter(o => !o.hidden).map(o => o.value)"
        )
        assert shown == [catalog[wanted]]
        assert "1 matching" in page.locator(".picker-search [role=status]").first.inner_text()
        assert page.locator("#tag-product").input_value() == catalog[wanted]
        search.press("ArrowDown")
        assert page.evaluate("document.activeElement.id") == "tag-product"
        with page.expect_navigation():
            page.get_by_role("button", name="Tag", exact=True).click()
        assert f"{wanted} · Canyon Rain Jacket — Navy" in page.locator("main").inner_text()
        with services.catalog.session() as s:
            tag = s.scalar(
                select(ProductTag).where(
                    ProductTag.item_id == library.publishable,
                    ProductTag.product_id == catalog[wanted],
                )
            )
            assert tag is not None
            assert tag.status == "accepted"

        # The library: the same product as a filter finds that item and only it.
        page.goto(f"{live_server}/ugc")
        page.get_by_label("Find a product").fill("Canyon rain navy")
        assert page.locator("#filter-product").input_value() == catalog[wanted]
        with page.expect_navigation():
            page.locator("#filters button").last.click()
        assert f"product_id={catalog[wanted]}" in page.url
        assert page.locator(".tile-ugc").count() == 1
        assert page.locator("#filter-product").input_value() == catalog[wanted]
        # "any" stays pickable whatever is typed.
        page.get_by_label("Find a product").fill("no such product")
        assert page.locator("#filter-product option[value='']").get_attribute("hidden") is None

        # The gallery builder: a platform from the list, a SKU found and added to the rule.
        page.goto(f"{live_server}/galleries/new")
        page.select_option("select[name='rule.platform']", "tiktok")
        page.get_by_label("Find a product").fill("evil tote")
        page.get_by_role("button", name="Add to SKUs").click()
        page.get_by_label("Find a product").fill("canyon jacket navy")
        page.get_by_role("button", name="Add to SKUs").click()
        page.get_by_role("button", name="Add to SKUs").click()  # once only
        skus = page.locator("input[name='rule.product_skus']").input_value()
        assert skus == f"EVIL-1, {wanted}"
        # The rule's platform reaches the preview: the tagged item is Instagram's, not TikTok's.
        expect(page.locator("#preview-count")).to_have_text(re.compile(r"^0 item"))
        page.select_option("select[name='rule.platform']", "instagram")
        expect(page.locator("#preview-count")).to_have_text(re.compile(r"^1 item"))
        page.screenshot(path=str(artifacts_dir / "product_picker_builder.png"), full_page=True)
        assert page.evaluate("window.__pwned === undefined")
        assert dialogs == []
    finally:
        page.close()
