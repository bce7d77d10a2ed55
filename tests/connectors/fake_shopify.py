"""A fake Shopify Admin REST API over loopback: `shop.json`, `products.json` and
`orders.json` (with refunds) paged by `page_info` in `Link: <…>; rel="next"` headers,
`X-Shopify-Access-Token` checked (401 `{"errors": "[API] Invalid API key or access token"}`),
`X-Shopify-Shop-Api-Call-Limit` on every answer, and scripted failures per call number:
429 with `Retry-After`, 5xx, a slow answer (a client timeout) or a 401. Price rules and
discount codes are created as documented."""

from __future__ import annotations

import asyncio
import base64
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

TOKEN = "shpat_fake_0123456789abcdef"


def make_orders(count: int, start: datetime) -> list[dict[str, Any]]:
    orders = []
    for index in range(count):
        price = Decimal(10 + index % 37) + Decimal(index % 100) / 100
        quantity = 1 + index % 3
        discount = Decimal(index % 5)
        refunds = []
        if index % 17 == 0:
            refunds = [
                {
                    "id": index,
                    "transactions": [{"kind": "refund", "status": "success", "amount": "5.00"}],
                }
            ]
        created = (start + timedelta(minutes=index, microseconds=index)).isoformat()
        orders.append(
            {
                "id": 450789469 + index,
                "name": f"#{1001 + index}",
                "created_at": created,
                "updated_at": created,
                "currency": "EUR",
                "subtotal_price": str(price * quantity - discount),
                "total_discounts": str(discount),
                "total_tax": "0.00",
                "financial_status": "paid",
                "customer": {"id": 9000 + index % 50},
                "discount_codes": [],
                "line_items": [
                    {
                        "id": 1,
                        "sku": f"SKU-{index % 20}",
                        "title": "Thing",
                        "quantity": quantity,
                        "price": str(price),
                        "total_discount": str(discount),
                    }
                ],
                "refunds": refunds,
            }
        )
    return orders


@dataclass
class FakeShop:
    orders: list[dict[str, Any]] = field(default_factory=list)
    products: list[dict[str, Any]] = field(default_factory=list)
    page_size: int = 250
    failures: dict[int, str] = field(default_factory=dict)  # call number → 429|500|slow|401
    calls: int = 0
    price_rules: list[dict[str, Any]] = field(default_factory=list)
    discount_codes: list[dict[str, Any]] = field(default_factory=list)

    def totals(self) -> tuple[int, Decimal, Decimal]:
        gross = sum(
            (Decimal(o["subtotal_price"]) + Decimal(o["total_discounts"]) for o in self.orders),
            Decimal(0),
        )
        refunds = sum(
            (
                Decimal(t["amount"])
                for o in self.orders
                for r in o["refunds"]
                for t in r["transactions"]
            ),
            Decimal(0),
        )
        return len(self.orders), gross, refunds


def _cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode()


def build_shop_app(shop: FakeShop) -> FastAPI:
    app = FastAPI()

    async def gate(request: Request) -> JSONResponse | None:
        shop.calls += 1
        failure = shop.failures.get(shop.calls)
        if failure == "slow":
            await asyncio.sleep(1.5)
        if failure == "429":
            return JSONResponse(
                {
                    "errors": "Exceeded 2 calls per second for api client. "
                    "Reduce request rates to resume uninterrupted service."
                },
                status_code=429,
                headers={"Retry-After": "2.0"},
            )
        if failure == "500":
            return JSONResponse({"errors": "Internal Server Error"}, status_code=503)
        if failure == "401" or request.headers.get("x-shopify-access-token") != TOKEN:
            return JSONResponse(
                {
                    "errors": "[API] Invalid API key or access token "
                    "(unrecognized login or wrong password)"
                },
                status_code=401,
            )
        return None

    def paged(request: Request, items: list[dict[str, Any]], key: str) -> JSONResponse:
        raw = request.query_params.get("page_info")
        offset = int(base64.urlsafe_b64decode(raw).decode().split(":")[1]) if raw else 0
        limit = min(int(request.query_params.get("limit", 50)), shop.page_size)
        chunk = items[offset : offset + limit]
        headers = {"X-Shopify-Shop-Api-Call-Limit": f"{shop.calls % 40}/40"}
        if offset + limit < len(items):
            path = request.url.path.lstrip("/")
            url = f"{request.base_url}{path}?limit={limit}&page_info={_cursor(offset + limit)}"
            headers["Link"] = f'<{url}>; rel="next"'
        return JSONResponse({key: chunk}, headers=headers)

    @app.get("/admin/api/{version}/shop.json")
    async def shop_info(version: str, request: Request) -> JSONResponse:
        return await gate(request) or JSONResponse(
            {"shop": {"id": 1, "currency": "EUR", "myshopify_domain": "acme.myshopify.com"}}
        )

    @app.get("/admin/api/{version}/orders.json")
    async def orders(version: str, request: Request) -> JSONResponse:
        blocked = await gate(request)
        if blocked:
            return blocked
        since = request.query_params.get("updated_at_min")
        items = [o for o in shop.orders if not since or o["updated_at"] >= since]
        return paged(request, items, "orders")

    @app.get("/admin/api/{version}/products.json")
    async def products(version: str, request: Request) -> JSONResponse:
        return await gate(request) or paged(request, shop.products, "products")

    @app.post("/admin/api/{version}/price_rules.json")
    async def price_rule(version: str, request: Request) -> JSONResponse:
        blocked = await gate(request)
        if blocked:
            return blocked
        rule = (await request.json())["price_rule"] | {"id": 507328175 + len(shop.price_rules)}
        shop.price_rules.append(rule)
        return JSONResponse({"price_rule": rule}, status_code=201)

    @app.post("/admin/api/{version}/price_rules/{rule_id}/discount_codes.json")
    async def discount_code(version: str, rule_id: int, request: Request) -> JSONResponse:
        blocked = await gate(request)
        if blocked:
            return blocked
        code = (await request.json())["discount_code"]
        if any(c["code"] == code["code"] for c in shop.discount_codes):
            return JSONResponse({"errors": {"code": ["must be unique"]}}, status_code=422)
        created = {
            "id": 1054381139 + len(shop.discount_codes),
            "price_rule_id": rule_id,
            "code": code["code"],
            "usage_count": 0,
            "created_at": datetime.now(UTC).isoformat(),
        }
        shop.discount_codes.append(created)
        return JSONResponse({"discount_code": created}, status_code=201)

    return app
