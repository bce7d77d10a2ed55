"""The Shopify connection: a shop reached through its Admin API with a custom-app token
(`shpat_…`, sent as `X-Shopify-Access-Token`) backfills products, then orders with their
refunds, page by page, and keeps them current afterwards (`updated_at_min` from the last
pass; the webhooks keep doing the same in between). Reward codes are pushed as discount codes.

Paging follows the REST Admin API's cursor links: `limit=250`, then the `page_info` of the
`Link: <…>; rel="next"` header, nothing else (Shopify ignores other filters with it). The
cursor is saved after each stored page (ADR 0201), so a killed backfill resumes there and
stores nothing twice (orders are upserted by Shopify's numeric id, the same key the webhooks
use, so a webhook and the backfill meet on one row — ADR 1300). Throttling: a 429 carries
`Retry-After`; `X-Shopify-Shop-Api-Call-Limit: used/size` (a leaky bucket draining 2 calls a
second) is read after each call and the client waits before the bucket overflows.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from mercato.catalog.db import Catalog
from mercato.catalog.models import AccountStatus, ShopConnection
from mercato.connectors.orders import store_orders, with_refunds
from mercato.connectors.platforms.client import ApiClient, ClientPolicy
from mercato.connectors.platforms.errors import PlatformError, TokenRejected
from mercato.connectors.products import ProductRecord, store_products
from mercato.connectors.results import ImportSummary
from mercato.connectors.shopify_webhooks import order_from_payload, refund_amount
from mercato.core.errors import NotFoundError, ValidationFailed
from mercato.core.labels import N_
from mercato.core.money import parse_amount
from mercato.core.timeutil import utcnow
from mercato.warehouse.connection import Warehouse

API_VERSION = "2025-07"
PAGE_SIZE = 250
BUCKET_DRAIN_PER_S = 2.0
SHOP_DOMAIN = re.compile(r"^[a-z0-9][a-z0-9-]*\.myshopify\.com$")
NEXT_LINK = re.compile(r'<([^>]+)>;\s*rel="?next"?')


def classify(response: httpx.Response, body: Any) -> PlatformError | None:
    if response.status_code < 400:
        return None
    errors = body.get("errors") if isinstance(body, dict) else None
    message = str(errors or response.text[:200])
    if response.status_code == 401:
        return TokenRejected(message, account_status=AccountStatus.TOKEN_INVALID, status=401)
    if response.status_code == 403:
        return TokenRejected(message, account_status=AccountStatus.MISSING_PERMISSION, status=403)
    return None  # 429 and 5xx: the client's generic handling (Retry-After, back-off)


def connect_shop(
    session: Session,
    workspace_id: str,
    *,
    shop_domain: str,
    access_token: str,
    api_base_url: str | None = None,
    api_version: str = API_VERSION,
) -> ShopConnection:
    domain = shop_domain.strip().lower().removeprefix("https://").rstrip("/")
    if not SHOP_DOMAIN.match(domain):
        raise ValidationFailed(
            N_("shop domain %(domain)s must look like your-shop.myshopify.com"),
            location="shop",
            params={"domain": repr(shop_domain)},
        )
    if not access_token.strip():
        raise ValidationFailed(
            N_("the Admin API access token is required"), location="access_token"
        )
    shop = session.scalar(
        select(ShopConnection).where(
            ShopConnection.workspace_id == workspace_id, ShopConnection.provider == "shopify"
        )
    )
    if shop is None:
        shop = ShopConnection(workspace_id=workspace_id, provider="shopify", state={})
        session.add(shop)
    shop.shop_domain = domain
    shop.access_token = access_token.strip()
    shop.api_base_url = api_base_url
    shop.api_version = api_version
    shop.status = "active"
    shop.last_error = None
    session.flush()
    return shop


@dataclass
class _Shop:
    id: str
    workspace_id: str
    domain: str
    token: str
    base_url: str
    version: str
    state: dict[str, Any]


def _load(catalog: Catalog, workspace_id: str) -> _Shop:
    with catalog.session() as session:
        shop = session.scalar(
            select(ShopConnection).where(
                ShopConnection.workspace_id == workspace_id, ShopConnection.provider == "shopify"
            )
        )
        if shop is None:
            raise NotFoundError(N_("no Shopify shop connected (mercato shop connect)"))
        return _Shop(
            shop.id,
            workspace_id,
            shop.shop_domain,
            shop.access_token,
            shop.api_base_url or f"https://{shop.shop_domain}",
            shop.api_version,
            dict(shop.state or {}),
        )


def _save_state(catalog: Catalog, shop_id: str, state: dict[str, Any], **fields: Any) -> None:
    with catalog.session() as session:
        shop = session.get(ShopConnection, shop_id)
        if shop is not None:
            shop.state = dict(state)
            for key, value in fields.items():
                setattr(shop, key, value)


def admin_client(shop: _Shop, policy: ClientPolicy) -> ApiClient:
    return ApiClient(shop.base_url, {"X-Shopify-Access-Token": shop.token}, classify, policy)


def _pace(client: ApiClient, response: httpx.Response, policy: ClientPolicy) -> None:
    """Wait when the call-limit bucket is nearly full, rather than collect a 429."""
    raw = response.headers.get("x-shopify-shop-api-call-limit", "")
    used, _, size = raw.partition("/")
    if used.isdigit() and size.isdigit() and int(size) - int(used) <= 2:
        policy.sleep(2 / BUCKET_DRAIN_PER_S)


def pages(
    client: ApiClient,
    policy: ClientPolicy,
    path: str,
    params: dict[str, Any],
    page_info: str | None,
) -> Iterator[tuple[list[dict[str, Any]], str | None, str]]:
    """(items, next page_info, resource key) per page, from `page_info` on."""
    key = path.rsplit("/", 1)[-1].removesuffix(".json")
    while True:
        query = (
            {"limit": PAGE_SIZE, "page_info": page_info}
            if page_info
            else {**params, "limit": PAGE_SIZE}
        )
        body, response = client.exchange("GET", path, params=query)
        _pace(client, response, policy)
        found = NEXT_LINK.search(response.headers.get("link", ""))
        page_info = (
            parse_qs(urlsplit(found.group(1)).query).get("page_info", [None])[0] if found else None
        )
        yield list(body.get(key) or []), page_info, key
        if page_info is None:
            return


def sync_shop(
    catalog: Catalog,
    warehouse: Warehouse,
    workspace_id: str,
    *,
    policy: ClientPolicy | None = None,
    now: datetime | None = None,
) -> ImportSummary:
    """Backfill (or continue) products and orders; raises on what it cannot get past, with
    the cursor saved so the next call resumes."""
    policy = policy or ClientPolicy()
    shop = _load(catalog, workspace_id)
    summary = ImportSummary(kind="shopify:admin")
    client = admin_client(shop, policy)
    started = (now or utcnow()).isoformat()
    try:
        currency = shop.state.get("currency") or _shop_currency(client, shop)
        shop.state["currency"] = currency
        _stream(catalog, warehouse, client, policy, shop, "products", {}, summary, currency)
        since = shop.state.get("orders_updated_since")
        params = {"status": "any", **({"updated_at_min": since} if since else {})}
        _stream(catalog, warehouse, client, policy, shop, "orders", params, summary, currency)
    except PlatformError as exc:
        _save_state(catalog, shop.id, shop.state, last_error=f"shopify: {exc.message}")
        raise
    finally:
        client.close()
    shop.state["orders_updated_since"] = shop.state.pop("orders_pass_started", started)
    _save_state(catalog, shop.id, shop.state, last_error=None, last_sync_at=utcnow())
    return summary


def _shop_currency(client: ApiClient, shop: _Shop) -> str:
    body = client.request("GET", f"/admin/api/{shop.version}/shop.json")
    return str((body.get("shop") or {}).get("currency") or "USD")


def _stream(
    catalog: Catalog,
    warehouse: Warehouse,
    client: ApiClient,
    policy: ClientPolicy,
    shop: _Shop,
    name: str,
    params: dict[str, Any],
    summary: ImportSummary,
    currency: str,
) -> None:
    if name == "orders" and "orders_pass_started" not in shop.state:
        shop.state["orders_pass_started"] = utcnow().isoformat()
    cursor = shop.state.get(f"{name}_cursor")
    if name == "products" and shop.state.get("products_done") and not cursor:
        return  # products are backfilled once; later changes come by webhook or re-import
    path = f"/admin/api/{shop.version}/{name}.json"
    for items, next_cursor, _ in pages(client, policy, path, params, cursor):
        summary.rows_read += len(items)
        if name == "orders":
            store_orders(catalog, warehouse, shop.workspace_id, [_order(o) for o in items], summary)
        else:
            store_products(catalog, shop.workspace_id, _products(items, currency), summary)
        shop.state[f"{name}_cursor"] = next_cursor
        _save_state(catalog, shop.id, shop.state)  # after the page is stored (ADR 0201)
    shop.state[f"{name}_done"] = True


def _order(payload: dict[str, Any]) -> Any:
    order = order_from_payload(payload)
    refunds = sum(
        (refund_amount(r, order.currency) for r in payload.get("refunds") or []), Decimal(0)
    )
    return with_refunds(order, refunds, order.updated_at or order.placed_at) if refunds else order


def _products(items: list[dict[str, Any]], currency: str) -> list[ProductRecord]:
    records = []
    for product in items:
        image = ((product.get("image") or {}).get("src")) or ""
        for variant in product.get("variants") or []:
            sku = str(variant.get("sku") or "").strip()
            if not sku:
                continue
            title = str(product.get("title") or "")
            if variant.get("title") not in (None, "Default Title"):
                title = f"{title} — {variant['title']}"
            records.append(
                ProductRecord(
                    sku=sku,
                    title=title[:300],
                    price=parse_amount(str(variant.get("price") or "0"), currency=currency),
                    currency=currency,
                    product_type=str(product.get("product_type") or ""),
                    image_url=str(image),
                )
            )
    return records


def push_discount_code(
    catalog: Catalog,
    workspace_id: str,
    code: str,
    *,
    percent_off: Decimal,
    starts_at: datetime,
    policy: ClientPolicy | None = None,
) -> str:
    """Create `code` in the shop as a one-use-per-customer percentage discount: a price rule
    (`POST price_rules.json`), then its code (`POST price_rules/{id}/discount_codes.json`).
    The discount code's id; a code pushed before is not pushed again."""
    if not (Decimal(0) < percent_off <= Decimal(100)):
        raise ValidationFailed("percent_off must be in (0, 100]", location="percent_off")
    shop = _load(catalog, workspace_id)
    pushed = dict(shop.state.get("discount_codes") or {})
    if code in pushed:
        return str(pushed[code])
    client = admin_client(shop, policy or ClientPolicy())
    try:
        rule = client.request(
            "POST",
            f"/admin/api/{shop.version}/price_rules.json",
            json={
                "price_rule": {
                    "title": code,
                    "target_type": "line_item",
                    "target_selection": "all",
                    "allocation_method": "across",
                    "value_type": "percentage",
                    "value": f"-{percent_off.normalize():f}",
                    "customer_selection": "all",
                    "once_per_customer": True,
                    "starts_at": starts_at.isoformat() + "Z",
                }
            },
        )["price_rule"]
        created = client.request(
            "POST",
            f"/admin/api/{shop.version}/price_rules/{rule['id']}/discount_codes.json",
            json={"discount_code": {"code": code}},
        )["discount_code"]
    finally:
        client.close()
    shop.state["discount_codes"] = pushed | {code: str(created["id"])}
    _save_state(catalog, shop.id, shop.state)
    return str(created["id"])


def shop_connection(session: Session, workspace_id: str) -> ShopConnection | None:
    """The workspace's connected Shopify shop, if any (its token stays sealed)."""
    return session.scalar(
        select(ShopConnection).where(
            ShopConnection.workspace_id == workspace_id, ShopConnection.provider == "shopify"
        )
    )
