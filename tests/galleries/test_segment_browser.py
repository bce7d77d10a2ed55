"""Relevant UGC per segment in a real Chromium, from an empty data dir: a real `mercato
serve`, a shop on another loopback origin. A segment of visitors from TikTok gets a gallery
rule of its own in the builder; two visitors arriving from TikTok see the video, a visitor
arriving directly sees the photo, and the shared (cached) response carries no visitor id."""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.sites.support import SHOPPER_AGENT, mercato_serve
from tests.sites.test_go_live_browser import SHOP_PAGE, _add_site, _first_run, _until
from tests.support.shop import shop_server
from tests.ugc.support import image_bytes

pytestmark = pytest.mark.browser

FROM_TIKTOK = {"kind": "trait", "trait": "platform", "values": ["tiktok"], "session": "any"}
# The start of an MP4 file (an `ftyp` box): the upload form stores it as a video.
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + bytes(64)
TIKTOK_LINK = "/landing?utm_source=tiktok&utm_medium=social&utm_campaign=spring_try_on"


def _token(page: Any, mercato: str) -> str:
    page.goto(mercato + "/settings/tokens")
    page.fill("#token-form input[name=name]", "segment rules test")
    for scope in ("analytics:read", "ugc:read", "ugc:write", "catalog:write"):
        page.check(f"#token-form input[value='{scope}']")
    page.click("#token-form button")
    secret: str = page.locator("#token-secret").inner_text().strip()
    assert secret.startswith("mct_")
    return secret


def _upload(shopper: Any, mercato: str, name: str, mime: str, content: bytes, caption: str) -> None:
    shopper.goto(mercato + "/u/northwind-outfitters")
    shopper.set_input_files(
        "input[name=file]", files=[{"name": name, "mimeType": mime, "buffer": content}]
    )
    shopper.fill("input[name=caption]", caption)
    shopper.fill("input[name=handle]", "mara.sails")
    shopper.fill("input[name=email]", "mara@example.net")
    shopper.check("input[name=consent]")
    shopper.click("button[type=submit]")
    shopper.wait_for_selector("#thanks")


def _approved_items(api: httpx.Client) -> dict[str, str]:
    items = api.get("/api/v1/ugc/items").json()["items"]
    by_type = {item["content_type"]: item["id"] for item in items}
    assert set(by_type) == {"photo", "video"}, items
    approved = api.post(
        "/api/v1/ugc/items/status", json={"item_ids": list(by_type.values()), "status": "approved"}
    )
    assert approved.status_code == 200, approved.text
    return by_type


def _build_gallery(page: Any, mercato: str, segment_id: str) -> str:
    """The builder form: photos for everyone, videos for the TikTok segment."""
    page.goto(mercato + "/galleries/new")
    page.fill("#builder input[name=name]", "Home")
    page.fill("#builder input[name='rule.content_type']", "photo")
    row = page.locator("#segment-rules .segment-rule").first
    row.locator("select[data-key=segment_id]").select_option(segment_id)
    row.locator("input[data-key=content_type]").fill("video")
    page.select_option("#builder select[name=preview_segment]", segment_id)
    expect(page.locator("#preview-count")).to_have_text("1 item by the segment's rule")
    page.click("#save")
    page.wait_for_url(f"{mercato}/galleries/gal_*")
    gallery_id: str = page.url.rsplit("/", 1)[1]
    saved = page.locator("#segment-rules .segment-rule").first
    expect(saved.locator("select[data-key=segment_id]")).to_have_value(segment_id)
    expect(saved.locator("input[data-key=content_type]")).to_have_value("video")
    return gallery_id


def _visitor(browser: Any, vid: str) -> Any:
    """A consented shopper: tracker.js keeps its first-party id in localStorage."""
    context = browser.new_context(user_agent=SHOPPER_AGENT)
    context.add_init_script(
        "localStorage.setItem('mercato_consent', 'true');"
        f"localStorage.setItem('mercato_vid', {json.dumps(json.dumps(vid))});"
    )
    context.set_default_timeout(60_000)
    return context


def _gallery_seen(page: Any, shop: str) -> tuple[list[str], dict[str, Any], dict[str, str], str]:
    """Tiles shown on the shop's home page, and the gallery response behind them."""
    with page.expect_response(lambda r: "/g/" in r.url and ".json" in r.url) as caught:
        page.goto(shop + "/")
    response = caught.value
    page.wait_for_selector("#home .mg-tile")
    tiles = page.locator("#home .mg-tile").evaluate_all(
        "tiles => tiles.map(t => t.getAttribute('data-ugc-id'))"
    )
    return tiles, response.json(), response.all_headers(), response.text()


def test_tiktok_visitors_see_video_direct_visitors_photo_and_no_visitor_id_leaks(
    tmp_path: Path, browser: Any, artifacts_dir: Path
) -> None:
    pages: dict[str, str] = {}
    log = artifacts_dir / "segment_rules_serve.log"
    with mercato_serve(tmp_path / "data", log) as mercato, shop_server(pages) as shop:
        admin = browser.new_context(viewport={"width": 1280, "height": 1000})
        admin.grant_permissions(["clipboard-read", "clipboard-write"], origin=mercato)
        uploader = browser.new_context(user_agent=SHOPPER_AGENT)
        for context in (admin, uploader):
            context.set_default_timeout(120_000)
        visitors = {
            vid: _visitor(browser, vid) for vid in ("tt-shopper-1", "tt-shopper-2", "direct-1")
        }
        try:
            page = admin.new_page()
            _first_run(page, mercato)
            snippet, key = _add_site(page, mercato, shop)
            secret = _token(page, mercato)
            api = httpx.Client(
                base_url=mercato, headers={"Authorization": f"Bearer {secret}"}, timeout=60
            )
            shopper = uploader.new_page()
            _upload(shopper, mercato, "look.png", "image/png", image_bytes(11), "Rain jacket")
            _upload(shopper, mercato, "try-on.mp4", "video/mp4", MP4, "Rain jacket try-on")
            items = _approved_items(api)
            created = api.post(
                "/api/v1/segments", json={"name": "From TikTok", "definition": FROM_TIKTOK}
            )
            assert created.status_code == 201, created.text
            segment_id = created.json()["id"]
            gallery_id = _build_gallery(page, mercato, segment_id)
            stored = api.get(f"/api/v1/galleries/{gallery_id}").json()["rule"]
            assert stored["content_type"] == "photo"
            assert stored["segment_rules"] == [
                {"segment_id": segment_id, "rule": {"content_type": "video"}}
            ]
            page.screenshot(path=str(artifacts_dir / "segment_rules_builder.png"), full_page=True)

            tracker = snippet.replace(
                "<script defer ", "<script defer data-allow-local data-allow-automation ", 1
            )
            embed = (
                f'<div id="home" data-mercato-gallery="{html.escape(gallery_id)}"></div>'
                f'<script async src="{mercato}/gallery.js" data-key="{key}"></script>'
            )
            pages["/landing"] = SHOP_PAGE.format(snippet=tracker, gallery="")
            pages["/"] = SHOP_PAGE.format(snippet=tracker, gallery=embed)

            # Each visitor lands first: two from a TikTok bio link, one typing the address.
            for vid, context in visitors.items():
                landing = context.new_page()
                if vid.startswith("tt-"):
                    landing.goto(shop + TIKTOK_LINK, referer="https://www.tiktok.com/")
                else:
                    landing.goto(shop + "/landing")
                landing.wait_for_timeout(300)

            def members() -> bool:
                size = api.get(f"/api/v1/segments/{segment_id}/size")
                return bool(size.status_code == 200 and size.json()["visitors"] == 2)

            _until("the TikTok visitors' sessions in the segment", members, seconds=60)

            seen = {vid: _gallery_seen(context.pages[0], shop) for vid, context in visitors.items()}
            video, photo = items["video"], items["photo"]
            for vid in ("tt-shopper-1", "tt-shopper-2"):
                tiles, data, headers, _ = seen[vid]
                assert tiles == [video], (vid, data)
                assert data["segment"] == segment_id
                assert headers["cache-control"] == "private, no-cache"
                assert headers["access-control-allow-origin"] == shop  # a cross-origin embed
            tiles, data, headers, _ = seen["direct-1"]
            assert tiles == [photo]
            assert "segment" not in data
            assert headers["cache-control"] == "public, no-cache"
            # Both TikTok visitors got one body (one cache entry for the segment), and no
            # response names any visitor.
            assert seen["tt-shopper-1"][2]["etag"] == seen["tt-shopper-2"][2]["etag"]
            assert seen["tt-shopper-1"][3] == seen["tt-shopper-2"][3]
            for _, _, _, body in seen.values():
                assert not any(vid in body for vid in visitors)
            visitors["tt-shopper-1"].pages[0].screenshot(
                path=str(artifacts_dir / "segment_rules_tiktok.png"), full_page=True
            )
            visitors["direct-1"].pages[0].screenshot(
                path=str(artifacts_dir / "segment_rules_direct.png"), full_page=True
            )
            api.close()
        finally:
            for context in (admin, uploader, *visitors.values()):
                context.close()
