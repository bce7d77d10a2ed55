"""Webhooks (good and bad signatures), the Sources page upload and the connectors API."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import httpx
import pandas as pd

from mercato.connectors import shopify_webhooks
from mercato.core.scopes import Role, Scope
from mercato.runtime import Services
from tests.connectors import samples
from tests.support.brands import PASSWORD, Brand, make_token
from tests.support.server import csrf_of, login

SECRET = "shpss_0123456789abcdef"


def _orders(services: Services, brand: Brand) -> pd.DataFrame:
    scoped = services.warehouse.for_workspace(brand.workspace_id)
    return scoped.execute(scoped.table("orders"))


def shop_time(hours_ago: float) -> str:
    """A Shopify timestamp (shop offset -04:00) some hours before now: deliveries outside the
    replay window are refused, so fixtures are dated relative to the clock."""
    shop = timezone(timedelta(hours=-4))
    return (datetime.now(shop) - timedelta(hours=hours_ago)).isoformat(timespec="seconds")


def _order_payload(**extra: Any) -> dict[str, Any]:
    return {
        "id": 820982911946154508,
        "name": "#9999",
        "email": "jon@example.com",
        "created_at": shop_time(3),
        "updated_at": shop_time(2.9),
        "currency": "USD",
        "subtotal_price": "90.00",
        "total_discounts": "10.00",
        "total_tax": "7.20",
        "financial_status": "paid",
        "total_shipping_price_set": {"shop_money": {"amount": "5.00", "currency_code": "USD"}},
        "discount_codes": [{"code": "FALL10", "amount": "10.00", "type": "fixed_amount"}],
        "line_items": [
            {
                "id": 1,
                "sku": "SNK-RED-42",
                "title": "Trail Runner",
                "quantity": 1,
                "price": "100.00",
                "total_discount": "10.00",
            }
        ],
        "customer": {"id": 115310627314723954},
        **extra,
    }


def _post(
    client: httpx.Client, slug: str, topic: str, payload: dict[str, Any], secret: str = SECRET
) -> httpx.Response:
    body = json.dumps(payload).encode()
    return client.post(
        f"/hooks/shopify/{slug}",
        content=body,
        headers={
            "X-Shopify-Topic": topic,
            "Content-Type": "application/json",
            "X-Shopify-Hmac-Sha256": shopify_webhooks.signature(secret, body),
        },
    )


def _set_secret(services: Services, brand: Brand) -> None:
    with services.catalog.session() as session:
        shopify_webhooks.set_webhook_secret(session, brand.workspace_id, SECRET)


def test_webhook_bad_signature_is_401_and_stores_nothing(
    services: Services, brand: Brand, live_server: str
) -> None:
    _set_secret(services, brand)
    with httpx.Client(base_url=live_server) as client:
        forged = _post(client, brand.slug, "orders/create", _order_payload(), secret="x" * 20)
        unsigned = client.post(
            f"/hooks/shopify/{brand.slug}",
            json=_order_payload(),
            headers={"X-Shopify-Topic": "orders/create"},
        )
        unknown = _post(client, "nobody", "orders/create", _order_payload())
    assert forged.status_code == 401
    assert unsigned.status_code == 401
    assert unknown.status_code == 401
    assert _orders(services, brand).empty


def test_webhook_orders_and_refunds_are_idempotent(
    services: Services, brand: Brand, live_server: str
) -> None:
    _set_secret(services, brand)
    refund = {
        "id": 509562969,
        "order_id": 820982911946154508,
        "created_at": shop_time(2),
        "transactions": [
            {"id": 1, "kind": "refund", "status": "success", "amount": "30.00"},
            {"id": 2, "kind": "refund", "status": "failure", "amount": "99.00"},
        ],
    }
    with httpx.Client(base_url=live_server) as client:
        assert _post(client, brand.slug, "orders/create", _order_payload()).status_code == 200
        for _ in range(2):  # Shopify redelivers
            assert _post(client, brand.slug, "refunds/create", refund).status_code == 200
        updated = _order_payload(
            refunds=[refund], financial_status="partially_refunded", updated_at=shop_time(1.9)
        )
        assert _post(client, brand.slug, "orders/updated", updated).status_code == 200
    orders = _orders(services, brand)
    assert len(orders) == 1
    order = orders.iloc[0]
    assert order.gross == Decimal("100.00")
    assert order.refunds == Decimal("30.00")
    assert order.net == Decimal("60.00")
    assert order.shipping == Decimal("5.00")
    assert list(order.coupon_codes) == ["FALL10"]
    assert order.status == "partially_refunded"


def test_sources_page_upload_needs_csrf_and_imports(
    services: Services, brand: Brand, live_server: str
) -> None:
    files = {"file": ("orders_export.csv", samples.shopify_orders_file(), "text/csv")}
    with httpx.Client(base_url=live_server) as client:
        login(client, brand.email(Role.ADMIN), PASSWORD)
        page = client.get("/sources")
        assert page.status_code == 200
        assert 'href="/sources"' in page.text
        no_csrf = client.post("/sources/upload", data={"kind": "orders-shopify"}, files=files)
        assert no_csrf.status_code == 403
        done = client.post(
            "/sources/upload",
            files=files,
            data={"kind": "orders-shopify", "csrf_token": csrf_of(client)},
        )
        assert done.status_code == 200
        assert 'id="import-result"' in done.text
        bad = client.post(
            "/sources/upload",
            data={"kind": "orders-shopify", "csrf_token": csrf_of(client)},
            files={"file": ("bad.csv", b"Name,Created at\n#1,yesterday\n")},
        )
        assert bad.status_code == 422
        assert "bad.csv:1" in bad.text
    assert len(_orders(services, brand)) == 3


def test_viewer_cannot_open_sources(services: Services, brand: Brand, live_server: str) -> None:
    with httpx.Client(base_url=live_server) as client:
        login(client, brand.email(Role.VIEWER), PASSWORD)
        assert client.get("/sources").status_code == 403


def test_api_accounts_syncs_and_upload(services: Services, brand: Brand, live_server: str) -> None:
    admin = {"Authorization": f"Bearer {make_token(services, brand, [Scope.ADMIN])}"}
    importer = {"Authorization": f"Bearer {make_token(services, brand, [Scope.IMPORTS_WRITE])}"}
    with httpx.Client(base_url=live_server) as client:
        created = client.post(
            "/api/v1/accounts",
            headers=admin,
            json={"platform": "instagram", "handle": "acme", "external_id": "1784"},
        )
        assert created.status_code == 201, created.text
        body = created.json()
        assert body["status"] == "needs_token"
        assert "access_token" not in body
        token = client.put(
            f"/api/v1/accounts/{body['id']}/token", headers=admin, json={"access_token": "abc"}
        )
        assert token.json()["has_token"] is True
        assert client.get("/api/v1/accounts", headers=importer).status_code == 403
        upload = client.post(
            "/api/v1/imports/meta-ads",
            headers=importer,
            files=[("files", ("ads.csv", samples.meta_ads_file(), "text/csv"))],
        )
        assert upload.status_code == 200, upload.text
        assert upload.json()["inserted"]["ad_spend"] == 2
        bad = client.post(
            "/api/v1/imports/meta-ads",
            headers=importer,
            files=[("files", ("ads.csv", b"Campaign name\nx\n", "text/csv"))],
        )
        assert bad.status_code == 422
        assert bad.json()["error"]["location"] == "ads.csv:1"
        runs = client.get("/api/v1/syncs", headers=admin).json()
        assert [r["status"] for r in runs] == ["failed", "ok"]
        secret = client.put(
            "/api/v1/webhooks/shopify/secret", headers=admin, json={"secret": SECRET}
        )
        assert secret.status_code == 204
