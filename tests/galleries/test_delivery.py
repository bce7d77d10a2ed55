"""Public delivery over real HTTP: JSON, HTML + JSON-LD, escaping, ETag, CORS, invalidation."""

from __future__ import annotations

import gzip
import json
import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx

from mercato.catalog.models import UgcItem
from mercato.core.timeutil import utcnow
from mercato.galleries.render import script_safe_json
from mercato.runtime import Services
from tests.galleries.support import XSS, make_shop

GALLERY_JS = Path(__file__).parents[2] / "src/mercato/galleries/gallery.js"
GALLERY_JS_MAX_GZIP = 4096


def test_json_endpoint_serves_cards_with_tracked_product_links(
    services: Services, live_server: str
) -> None:
    shop = make_shop(services)
    with httpx.Client(base_url=live_server) as client:
        response = client.get(f"/g/{shop.pdp}.json", params={"product": "BT-9"})
        repeated = client.get(
            f"/g/{shop.pdp}.json", params=[("product", "DR-1"), ("product", "BT-9")]
        )
    assert response.status_code == 200
    assert repeated.json() == response.json()  # a repeated parameter: the last one counts
    data = response.json()
    assert data["layout"] == "strip"
    assert data["product"] == "BT-9"
    [item] = data["items"]
    assert item["id"] == shop.items["boots"]
    [card] = item["products"]
    assert (card["sku"], card["title"], card["price"], card["currency"]) == (
        "BT-9",
        "Trail Ankle Boots",
        "49.00",
        "USD",
    )
    query = parse_qs(urlsplit(card["url"]).query)
    assert query == {
        "color": ["brown"],
        "utm_source": ["mercato"],
        "utm_medium": ["ugc_gallery"],
        "utm_content": [shop.items["boots"]],
    }
    media_url = item["media"][0]["url"]
    with httpx.Client() as client:
        assert client.get(media_url).status_code == 200


def test_html_fragment_escapes_captions_and_json_ld_cannot_break_out(
    services: Services, live_server: str
) -> None:
    shop = make_shop(services)
    with httpx.Client(base_url=live_server) as client:
        html = client.get(f"/g/{shop.home}.html").text
    assert "<script>window.__xss" not in html
    assert "<img src=x" not in html
    assert "&lt;/script&gt;&lt;script&gt;window.__xss=1" in html
    scripts = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert len(scripts) == 1  # the caption's </script> did not end the element early
    document = json.loads(scripts[0])
    [boots, dress] = sorted(document["@graph"], key=lambda n: n["sku"])
    assert dress["@type"] == "Product"
    assert dress["offers"]["priceCurrency"] == "USD"
    bodies = {review["reviewBody"] for review in dress["review"]}
    assert XSS in bodies  # kept raw in JSON, only its characters escaped
    assert all(r["image"][0]["@type"] == "ImageObject" for r in dress["review"])
    assert boots["review"][0]["reviewBody"] == "Boots on the trail"


def test_script_safe_json_escapes_every_breakout_character() -> None:
    text = script_safe_json({"x": "</script><!-- & \u2028"})
    assert "<" not in text
    assert ">" not in text
    assert "&" not in text
    assert "\u2028" not in text
    assert json.loads(text) == {"x": "</script><!-- & \u2028"}


def test_etag_and_cache_headers(services: Services, live_server: str) -> None:
    shop = make_shop(services)
    with httpx.Client(base_url=live_server) as client:
        first = client.get(f"/g/{shop.home}.json")
        assert first.headers["cache-control"] == "public, no-cache"
        etag = first.headers["etag"]
        again = client.get(f"/g/{shop.home}.json", headers={"If-None-Match": etag})
        assert again.status_code == 304
        assert again.content == b""
        js = client.get("/gallery.js")
        assert js.headers["content-type"].startswith("text/javascript")
        assert (
            client.get("/gallery.js", headers={"If-None-Match": js.headers["etag"]}).status_code
            == 304
        )


def test_other_origins_need_the_allow_list(services: Services, live_server: str) -> None:
    shop = make_shop(services, origin="https://shop.example")
    with httpx.Client(base_url=live_server) as client:
        allowed = client.get(f"/g/{shop.home}.json", headers={"Origin": "https://shop.example"})
        assert allowed.headers["access-control-allow-origin"] == "https://shop.example"
        denied = client.get(f"/g/{shop.home}.html", headers={"Origin": "https://evil.example"})
        assert denied.status_code == 403
        assert "access-control-allow-origin" not in denied.headers
        assert client.get(f"/g/{shop.home}.json").status_code == 200  # server side: no Origin


def test_item_whose_rights_expire_disappears_after_invalidation(
    services: Services, live_server: str
) -> None:
    shop = make_shop(services)
    expiring = shop.items["expiring"]
    with httpx.Client(base_url=live_server) as client:
        before = client.get(f"/g/{shop.home}.json")
        assert expiring in [i["id"] for i in before.json()["items"]]
        with services.catalog.session() as s:  # the grant ends now (as if its expiry passed)
            item = s.get(UgcItem, expiring)
            assert item is not None
            item.rights_expires_at = utcnow() - timedelta(seconds=1)
        after = client.get(
            f"/g/{shop.home}.json", headers={"If-None-Match": before.headers["etag"]}
        )
        assert after.status_code == 200
        assert expiring not in [i["id"] for i in after.json()["items"]]
        media_id = before.json()["items"][1]["media"][0]["url"].rsplit("/", 1)[1]
        assert client.get(f"/m/{media_id}").status_code == 404


def test_cache_expires_entries_at_the_earliest_rights_expiry() -> None:
    from mercato.galleries.cache import Delivery, DeliveryCache

    cache, builds = DeliveryCache(ttl_seconds=60), []

    def build() -> tuple[Delivery, object]:
        builds.append(1)
        return Delivery(b"x", '"e"', "application/json"), utcnow() - timedelta(seconds=1)

    cache.get_or_build("ws", "k", build)  # type: ignore[arg-type]
    cache.get_or_build("ws", "k", build)  # type: ignore[arg-type]
    assert len(builds) == 2  # already past its rights expiry: never served from cache


def test_gallery_js_is_small() -> None:
    size = len(gzip.compress(GALLERY_JS.read_bytes(), 9))
    assert size <= GALLERY_JS_MAX_GZIP, f"gallery.js is {size} bytes gzipped"
    assert ".innerHTML" not in GALLERY_JS.read_text()  # captions go through textContent only
