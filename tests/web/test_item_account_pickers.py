"""Searchable pickers for UGC items and social accounts, and the UGC library's Platform
select, from an empty data dir over the real server: the pages' HTML (labels, escaping, no
raw platform key in the text), then in headless Chromium at 1440x900 and 390x844 an item
found by typing a handle and words of its caption and added to a gallery's manual items, an
account found and put in the export upload, and a platform picked in the library whose grid
agrees with a count made here from the fixture."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Dialog, expect

from mercato.catalog.models import Gallery
from mercato.connectors.accounts import add_account
from mercato.galleries.definitions import manual_item_ids
from mercato.runtime import Services
from mercato.ugc import embedding
from mercato.ugc.items import IntakeContext
from tests.support.brands import PASSWORD, Brand
from tests.support.server import login
from tests.ugc.support import add
from tests.web.test_labels_pages import _raw_identifiers, _text

XSS = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">'
# Platform as the items are stored (intake lower-cases), creator, caption words.
CREATORS = {
    "instagram": ("harbor.fits", "Harbor Rain Jacket on the pier"),
    "tiktok": ("cruz.daily", "Summit Fleece Hoodie unboxing"),
    "youtube": ("dee.outdoors", "Trailhead Backpack review"),
    "x": ("sam.writes", "Canvas Tote at the market"),
}
ITEMS_PER_PLATFORM = {"instagram": 70, "tiktok": 23, "youtube": 9, "x": 4}
ACCOUNTS = [("instagram", "northwind.shop"), ("facebook", "northwind"), ("tiktok", "northwind.tt")]
SIZES = [(1440, 900), (390, 844)]


@pytest.fixture
def without_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(embedding, "load_embedder", lambda: None)


@pytest.fixture
def fixture_items(services: Services, brand: Brand, without_model: None) -> dict[str, list[str]]:
    """106 items on four platforms (posted over weeks, microseconds in the times), one with a
    hostile caption, and three connected accounts; returns platform -> item ids."""
    context = IntakeContext(workspace_id=brand.workspace_id, media_dir=services.settings.media_dir)
    start = datetime(2019, 6, 3, 8, 15, 42, 123456)
    ids: dict[str, list[str]] = {}
    with services.catalog.session() as session:
        n = 0
        for platform, count in ITEMS_PER_PLATFORM.items():
            handle, words = CREATORS[platform]
            for k in range(count):
                caption = f"{words} no. {k}" if k else f"{words} {XSS}"
                item = add(
                    session,
                    context,
                    f"{platform}-{k}",
                    caption,
                    handle=f"{handle}{k % 3}" if k else handle,
                    platform=platform,
                    posted_at=start + timedelta(hours=7 * n, microseconds=n),
                )
                ids.setdefault(platform, []).append(item.id)
                n += 1
        for platform, handle in ACCOUNTS:
            add_account(session, brand.workspace_id, platform=platform, handle=handle)
    return ids


@contextmanager
def _client(live_server: str, brand: Brand, language: str = "en") -> Iterator[httpx.Client]:
    headers = {"Accept-Language": language}
    with httpx.Client(base_url=live_server, timeout=60, headers=headers) as client:
        login(client, brand.email(), PASSWORD)
        yield client


def _select(page: str, marker: str) -> str:
    return page.split(marker, 1)[1].split("</select>", 1)[0]


def test_the_pages_offer_labelled_escaped_pickers(
    brand: Brand, fixture_items: dict[str, list[str]], live_server: str
) -> None:
    with _client(live_server, brand) as client:
        builder = client.get("/galleries/new").text
        library = client.get("/ugc").text
        sources = client.get("/sources").text
        tiktok = client.get("/ugc", params={"platform": "TikTok"}).text  # any case
    items = _select(builder, 'id="manual-item-pick"')
    assert items.count("<option") == sum(ITEMS_PER_PLATFORM.values())
    assert f'value="{fixture_items["tiktok"][0]}">@cruz.daily · TikTok · Summit Fleece' in items
    assert "&lt;script&gt;window.__pwned=1" in items
    assert "<script>window.__pwned" not in builder
    assert "Find a UGC item" in builder
    assert 'data-append-to="item_ids"' in builder
    accounts = _select(sources, 'id="upload-account-pick"')
    assert '<option value="northwind.tt">TikTok · @northwind.tt</option>' in accounts
    assert "Find an account" in sources
    platform = _select(sources, 'name="platform"')
    assert '<option value="instagram">Instagram</option>' in platform
    # The library's Platform filter: the platforms its items come from, by label.
    options = re.findall(
        r'<option value="([^"]*)"[^>]*>([^<]*)</option>', _select(library, 'id="filter-platform"')
    )
    assert options == [
        ("", "any"),
        ("instagram", "Instagram"),
        ("tiktok", "TikTok"),
        ("x", "X"),
        ("youtube", "YouTube"),
    ]
    assert '<option value="tiktok" selected>TikTok</option>' in tiktok
    assert f"{ITEMS_PER_PLATFORM['tiktok']} items" in _text(tiktok)
    for name, page in (("builder", builder), ("library", library), ("sources", sources)):
        assert _raw_identifiers(page) == [], name
    with _client(live_server, brand, "ja") as client:
        ja = client.get("/galleries/new").text
        ja_sources = client.get("/sources").text
    assert "UGC アイテムを検索" in ja
    assert "手動アイテムに追加" in ja
    assert "アカウントを検索" in ja_sources
    assert _raw_identifiers(ja) == []


def _login(page: Any, live_server: str, brand: Brand) -> None:
    page.goto(f"{live_server}/login")
    page.fill("input[name=email]", brand.email())
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/")


def _no_overflow(page: Any, width: int) -> None:
    assert page.evaluate("document.scrollingElement.scrollWidth") <= width


@pytest.mark.browser
@pytest.mark.parametrize(("width", "height"), SIZES)
def test_pick_items_accounts_and_a_platform_in_chromium(
    services: Services,
    brand: Brand,
    fixture_items: dict[str, list[str]],
    live_server: str,
    browser: Any,
    artifacts_dir: Path,
    width: int,
    height: int,
) -> None:
    page = browser.new_page(viewport={"width": width, "height": height})
    dialogs: list[str] = []

    def on_dialog(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    try:
        _login(page, live_server, brand)

        # The gallery builder: a handle and caption words narrow 106 items to one.
        page.goto(f"{live_server}/galleries/new")
        search = page.get_by_label("Find a UGC item")
        expect(search).to_be_visible()
        search.fill("cruz.daily1 TIKTOK hoodie no. 4")
        shown = page.eval_on_selector_all(
            "#manual-item-pick option", "os => os.filter(o => !o.hidden).map(o => o.value)"
        )
        assert shown == [fixture_items["tiktok"][4]]
        assert "1 matching" in page.locator(".item-picker [role=status]").inner_text()
        add_button = page.get_by_role("button", name="Add to manual items")
        add_button.click()
        add_button.click()  # once only
        search.fill("dee.outdoors0 youtube backpack no. 3")
        add_button.click()
        wanted = [fixture_items["tiktok"][4], fixture_items["youtube"][3]]
        assert page.locator("textarea[name=item_ids]").input_value().split("\n") == wanted
        _no_overflow(page, width)
        page.screenshot(path=str(artifacts_dir / f"item_picker_{width}.png"), full_page=True)
        page.fill("input[name=name]", f"Picked {width}")
        page.select_option("select[name=selection]", "manual")
        with page.expect_navigation(url=re.compile(r"/galleries/gal_")):
            page.click("#save")  # a new gallery opens its own builder once saved
        assert page.locator("textarea[name=item_ids]").input_value().split("\n") == wanted
        with services.catalog.session() as session:
            saved = session.query(Gallery).filter(Gallery.name == f"Picked {width}").one()
            assert manual_item_ids(session, saved.id) == wanted

        # The export upload: an account found by platform and put in the account field.
        page.goto(f"{live_server}/sources")
        page.get_by_label("Find an account").fill("tiktok")
        page.get_by_role("button", name="Use this account").click()
        assert page.locator("#upload-account").input_value() == "northwind.tt"
        _no_overflow(page, width)

        # The library: TikTok from the select; the grid holds exactly TikTok's items.
        page.goto(f"{live_server}/ugc")
        page.locator("#filter-platform").select_option(label="TikTok")
        with page.expect_navigation():
            page.locator("#filters button").last.click()
        assert "platform=tiktok" in page.url
        count = Counter(p for p, ids in fixture_items.items() for _ in ids)["tiktok"]
        assert page.locator(".tile-ugc").count() == count
        expect(page.locator("#filter-platform")).to_have_value("tiktok")
        _no_overflow(page, width)
        page.screenshot(path=str(artifacts_dir / f"library_platform_{width}.png"), full_page=True)
        assert page.evaluate("window.__pwned === undefined")
        assert dialogs == []
    finally:
        page.close()
