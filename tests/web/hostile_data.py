"""A workspace whose every text and URL field holds an attack, entered the way each arrives.

Text goes in through the real intake (imports, API, library intake). Script URLs cannot any
more (intake refuses them), so they are written straight into the stores, as a row stored
before the check existed would be; every surface must drop them at render.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
import pyarrow as pa
from sqlalchemy import select

from mercato.catalog import users, workspaces
from mercato.catalog.models import (
    Creator,
    KpiBenchmark,
    Product,
    Site,
    SocialAccount,
    UgcItem,
    Workspace,
)
from mercato.core.scopes import Role, Scope
from mercato.core.timeutil import utcnow
from mercato.runtime import Services
from mercato.ugc import rights
from mercato.ugc.items import set_status, ugc_settings
from mercato.ugc.tagging import set_tag
from mercato.warehouse.loader import load
from tests.metrics.test_surfaces import seed
from tests.support.brands import Brand, make_token
from tests.ugc.support import add, context, image_bytes

# Each payload calls alert(): a dialog in the browser is a script that ran.
XSS = '<script>alert("script")</script>"><img src=x onerror=alert("img")><svg onload=alert(1)>'
SCRIPT_URL = "javascript:alert(document.domain)//"


@dataclass(frozen=True)
class Hostile:
    brand: Brand
    gallery_id: str
    item_ids: list[str]
    shop_handle: str


def _api(services: Services, brand: Brand, live_server: str) -> httpx.Client:
    token = make_token(
        services, brand, [Scope.IMPORTS_WRITE, Scope.UGC_WRITE, Scope.UGC_READ, Scope.ADMIN]
    )
    return httpx.Client(
        base_url=live_server, headers={"Authorization": f"Bearer {token}"}, timeout=60
    )


def _products(client: httpx.Client) -> None:
    rows = [
        ["sku", "title", "price", "description", "type", "line", "category", "url", "image"],
        ["DR-1", f"Dress {XSS}", "49.00", XSS, XSS, XSS, XSS, "https://shop.test/products/dr-1",
         "https://cdn.shop.test/dr-1.jpg"],
        ["BT-9", f"Boots {XSS}", "59.00", XSS, "", "", "", "https://shop.test/products/bt-9", ""],
    ]  # fmt: skip
    mapping = {"sku": "sku", "title": "title", "price": "price", "description": "description",
               "product_type": "type", "product_line": "line", "category": "category",
               "url": "url", "image_url": "image"}  # fmt: skip
    body = _csv(rows)
    reply = client.post(
        "/api/v1/imports/products-csv",
        files={"files": ("products.csv", body.encode())},
        data={"mapping": json.dumps(mapping)},
    )
    assert reply.status_code == 200, reply.text


def _csv(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue()


def _reviews(client: httpx.Client) -> None:
    content = _csv([
        ["product_sku", "rating", "title", "text", "photo_urls", "author", "date"],
        ["DR-1", "5", XSS, XSS, "", XSS, "2026-05-03T10:15:00.123456+02:00"],
    ])  # fmt: skip
    reply = client.post("/api/v1/ugc/reviews", json={"name": "reviews.csv", "content": content})
    assert reply.status_code == 200, reply.text


def _library(services: Services, brand: Brand) -> list[str]:
    """Publishable, tagged UGC with hostile captions, alt texts, handles and permalinks."""
    ws, now = brand.workspace_id, utcnow()
    with services.catalog.session() as session:
        products = list(
            session.scalars(select(Product).where(Product.workspace_id == ws).order_by(Product.sku))
        )
        ids = []
        for seed_no in range(1, 4):
            item = add(session, context(services, ws), f"post-{seed_no}", f"{XSS} #{seed_no}",
                       handle=f"{XSS}{seed_no}", files=[image_bytes(seed_no)])  # fmt: skip
            item.alt_text, item.permalink = XSS, SCRIPT_URL
            for product in products:
                set_tag(session, item, product.id, "accepted")
            ids.append(item.id)
        reviews = session.scalars(select(UgcItem.id).where(UgcItem.source == "review"))
        ids += list(reviews)
        set_status(session, ws, ids, "approved")
        for item_id in ids:
            rights.grant(session, session.get_one(UgcItem, item_id), channel="comment",
                         evidence=XSS, at=now - timedelta(hours=2))  # fmt: skip
        for creator in session.scalars(select(Creator).where(Creator.workspace_id == ws)):
            creator.email, creator.coupon_code = f"{XSS}@x.test", f"C{XSS}"[:60]
            break
        # Legacy rows: script URLs stored before intake refused them (on BT-9, not DR-1).
        products[0].url, products[0].image_url = SCRIPT_URL, "javascript:alert('image')"
        ugc_settings(session, ws).terms_url = SCRIPT_URL
        session.add(KpiBenchmark(workspace_id=ws, kpi_id="engagement_rate_by_followers",
                                 value=0.01, method=XSS, source=XSS, url=SCRIPT_URL))  # fmt: skip
        return ids


def _shop_and_posts(services: Services, brand: Brand, client: httpx.Client) -> str:
    with services.catalog.session() as session:
        account = SocialAccount(workspace_id=brand.workspace_id, platform="instagram",
                                handle=XSS, external_id="1784")  # fmt: skip
        session.add(account)
        session.flush()
        account_id = account.id
    posted = datetime(2026, 5, 4, 8, 30, 1, 250000)
    load(services.warehouse, "social_posts", pa.table({
        "workspace_id": [brand.workspace_id] * 2, "platform": ["instagram"] * 2,
        "account_id": [account_id] * 2, "post_id": ["post-1", "p-own"],
        "posted_at": [posted, posted + timedelta(hours=1)], "content_type": ["photo"] * 2,
        "caption": [f"{XSS} DR-1", XSS], "permalink": [SCRIPT_URL, SCRIPT_URL],
        "campaign": [XSS, XSS],
    }))  # fmt: skip
    reply = client.post(
        "/api/v1/galleries/shop-pages",
        json={"account_id": account_id, "handle": "acme-bio", "title": XSS},
    )
    assert reply.status_code == 201, reply.text
    return "acme-bio"


def _traffic(services: Services, brand: Brand) -> None:
    start = utcnow() - timedelta(days=3)
    load(services.warehouse, "sessions", pa.table({
        "workspace_id": [brand.workspace_id] * 4,
        "session_id": [f"h{i}" for i in range(4)],
        "visitor_id": [f"v{i % 2}" for i in range(4)],
        "session_number": [i // 2 + 1 for i in range(4)],
        "started_at": [start + timedelta(hours=i, microseconds=17) for i in range(4)],
        "ended_at": [start + timedelta(hours=i, minutes=9) for i in range(4)],
        "channel": [XSS, "Organic Social", XSS, "Email"], "campaign": [XSS] * 4,
        "entry_path": [f"/{XSS}"] * 4, "social_platform": [XSS] * 4,
    }))  # fmt: skip


def _second_workspace(services: Services, brand: Brand) -> None:
    """A second workspace for the owner, so the header shows the workspace switcher."""
    with services.catalog.session() as session:
        other = workspaces.create_workspace(session, slug="other", name=XSS, time_zone="UTC")
        owner = users.get_user_by_email(session, brand.email())
        users.grant_role(session, owner, other, Role.OWNER)
        session.get(Workspace, brand.workspace_id).name = f"Acme {XSS}"  # type: ignore[union-attr]


def build_hostile(services: Services, brand: Brand, live_server: str, shop_origin: str) -> Hostile:
    seed(services, brand)  # the KPI fixture: charts and tiles with real numbers
    with services.catalog.session() as session:
        site = session.scalars(select(Site).where(Site.workspace_id == brand.workspace_id)).one()
        site.allowed_origins = [shop_origin]
    with _api(services, brand, live_server) as client:
        _products(client)
        _reviews(client)
        ids = _library(services, brand)
        handle = _shop_and_posts(services, brand, client)
        gallery = client.post(
            "/api/v1/galleries", json={"name": XSS, "rule": {"sort": "curation"}, "max_items": 10}
        )
        assert gallery.status_code == 201, gallery.text
    _traffic(services, brand)
    _second_workspace(services, brand)
    return Hostile(brand, gallery.json()["id"], ids, handle)
