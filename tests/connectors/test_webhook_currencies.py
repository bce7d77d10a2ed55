"""Shopify webhooks keep each currency's own precision: KWD has three decimals, JPY none."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pandas as pd
from sqlalchemy import select

from mercato.catalog.models import ShopRefund
from mercato.runtime import Services
from tests.connectors.test_web import _order_payload, _post, _set_secret, shop_time
from tests.support.brands import Brand

KWD_ORDER = {
    "currency": "KWD",
    "subtotal_price": "12.346",
    "total_discounts": "1.005",
    "total_tax": "0.617",
    "total_shipping_price_set": {"shop_money": {"amount": "1.255", "currency_code": "KWD"}},
    "line_items": [
        {"id": 1, "sku": "SNK-RED-42", "title": "Trail Runner", "quantity": 1,
         "price": "13.351", "total_discount": "1.005"},
    ],
}  # fmt: skip


def _orders(services: Services, brand: Brand) -> pd.DataFrame:
    scoped = services.warehouse.for_workspace(brand.workspace_id)
    frame: pd.DataFrame = scoped.execute(scoped.table("orders"))
    return frame


def test_kwd_order_and_refund_keep_three_decimals(
    services: Services, brand: Brand, live_server: str
) -> None:
    _set_secret(services, brand)
    order_id = 820982911946154508
    refund = {
        "id": 509562970,
        "order_id": order_id,
        "created_at": shop_time(2),
        "transactions": [{"id": 1, "kind": "refund", "status": "success", "amount": "2.005"}],
    }
    with httpx.Client(base_url=live_server) as client:
        created = _post(client, brand.slug, "orders/create", _order_payload(**KWD_ORDER))
        assert created.status_code == 200, created.text
        assert _post(client, brand.slug, "refunds/create", refund).status_code == 200
    order = _orders(services, brand).iloc[0]
    assert order.currency == "KWD"
    assert Decimal(order.gross) == Decimal("13.351")  # subtotal + discounts, not 13.35
    assert Decimal(order.tax) == Decimal("0.617")
    assert Decimal(order.shipping) == Decimal("1.255")
    with services.catalog.session() as session:
        stored = session.scalars(select(ShopRefund.amount)).all()
    assert stored == [Decimal("2.005")]


def test_a_refund_before_its_order_takes_the_transactions_currency(
    services: Services, brand: Brand, live_server: str
) -> None:
    _set_secret(services, brand)
    refund = {
        "id": 509562971,
        "order_id": 777,
        "created_at": shop_time(2),
        "transactions": [
            {"id": 1, "kind": "refund", "status": "success", "amount": "1499.6", "currency": "JPY"}
        ],
    }
    with httpx.Client(base_url=live_server) as client:
        assert _post(client, brand.slug, "refunds/create", refund).status_code == 200
    with services.catalog.session() as session:
        row = session.scalars(select(ShopRefund)).one()
    assert (row.amount, row.currency) == (Decimal("1500"), "JPY")  # yen have no minor unit
