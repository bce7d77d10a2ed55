"""Shop orders: the neutral order model, SKU matching, session linking and loading.

Money definitions (docs/connectors.md): `gross` is the merchandise value before discounts;
`net` = gross - discounts - refunds. Shipping and tax are kept apart so that a workspace
can choose its revenue definition at reporting time.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

import ibis
import pyarrow as pa

from mercato.catalog.db import Catalog
from mercato.connectors.order_tables import (
    ALIAS_SCHEMA,
    ITEM_SCHEMA,
    ORDER_SCHEMA,
    OrderTables,
    store_order_tables,
)
from mercato.connectors.results import ImportSummary
from mercato.warehouse.connection import Warehouse
from mercato.warehouse.order_keys import Buyer, claim
from mercato.warehouse.rows import OrderItemRow, OrderRow

ZERO = Decimal("0.00")


class StagedOrderRow(OrderRow, total=False):
    """An `orders` row as an import stages it (`ORDER_SCHEMA`): without the workspace (the
    store's), the visit (the tracker's) and `net` (the store derives it), and with `sent_id`,
    the file's id of an order kept apart, else None."""

    sent_id: str | None


CSV_SYSTEM = "csv"  # orders from `orders-csv` (generic_orders)


@dataclass(frozen=True)
class OrderLine:
    line_id: str
    sku: str | None
    title: str
    quantity: int
    unit_price: Decimal
    discount: Decimal = ZERO


@dataclass(frozen=True)
class Order:
    order_id: str
    source_system: str
    placed_at: datetime
    currency: str
    gross: Decimal
    discounts: Decimal = ZERO
    shipping: Decimal = ZERO
    tax: Decimal = ZERO
    refunds: Decimal = ZERO
    coupon_codes: tuple[str, ...] = ()
    status: str = ""
    customer_id: str | None = None
    landing_site: str | None = None
    updated_at: datetime | None = None
    lines: tuple[OrderLine, ...] = ()
    # Other ids the tracker may have seen for this order (Shopify's "#1001" name).
    aliases: tuple[str, ...] = field(default=(), compare=False)
    # The id as the file gave it, when another buyer's order holds it (warehouse.order_keys).
    sent_id: str | None = field(default=None, compare=False)

    @property
    def net(self) -> Decimal:
        return self.gross - self.discounts - self.refunds


def with_refunds(order: Order, refunds: Decimal, updated_at: datetime) -> Order:
    return replace(order, refunds=refunds, updated_at=updated_at)


def keep_colliding_orders_apart(
    warehouse: Warehouse, workspace_id: str, orders: Sequence[Order]
) -> list[Order]:
    """Generic CSV orders whose id a stored CSV order of another customer holds get their
    own id; a tracker order with the id is the same order, which the import replaces.

    Only `csv` orders are checked against stored ones: Shopify names one customer by e-mail
    in its export and by numeric id in webhooks, so its stored customer ids do not compare
    (its exports are checked within the file, where they do)."""
    ids = sorted({o.order_id for o in orders if o.source_system == CSV_SYSTEM})
    if not ids:
        return list(orders)
    stored = warehouse.for_workspace(workspace_id).table("orders")
    found = stored.filter(stored.order_id.isin(ibis.memtable({"k": ids}).k)).select(
        "order_id", "customer_id", "source_system"
    )
    taken = {
        r["order_id"]: Buyer(None, r["customer_id"], r["source_system"] or "")
        for r in warehouse.backend.to_pyarrow(found).to_pylist()
    }
    kept: list[Order] = []
    for order in orders:
        owner = taken.get(order.order_id)
        if order.source_system != CSV_SYSTEM or (owner and owner.system != CSV_SYSTEM):
            kept.append(order)  # not compared, or the tracker's copy: replaced, not kept apart
            continue
        resolved = claim(order.order_id, Buyer(None, order.customer_id, order.source_system), taken)
        kept.append(order if resolved == order.order_id else apart(order, resolved))
    return kept


def apart(order: Order, order_id: str) -> Order:
    return replace(order, order_id=order_id, sent_id=order.sent_id or order.order_id)


def order_tables(orders: Sequence[Order]) -> OrderTables:
    """`orders` as the column-wise tables the store takes."""
    order_columns: dict[str, list[Any]] = {name: [] for name in ORDER_SCHEMA.names}
    item_columns: dict[str, list[Any]] = {name: [] for name in ITEM_SCHEMA.names}
    aliases: list[str] = []
    owners: list[str] = []
    positions: list[int] = []
    for index, order in enumerate(orders):
        for name, value in _order_row(order).items():
            order_columns[name].append(value)
        for line in order.lines:
            for name, value in _item_row(order, line).items():
                item_columns[name].append(value)
        aliases += order.aliases
        owners += [order.order_id] * len(order.aliases)
        positions += [index * 4 + 1 + slot for slot in range(len(order.aliases))]
    return OrderTables(
        pa.table(order_columns, schema=ORDER_SCHEMA),
        pa.table(item_columns, schema=ITEM_SCHEMA),
        pa.table(
            {"alias": aliases, "order_id": owners, "position": positions}, schema=ALIAS_SCHEMA
        ),
    )


def _order_row(order: Order) -> StagedOrderRow:
    return {
        "order_id": order.order_id,
        "source_system": order.source_system,
        "customer_id": order.customer_id,
        "placed_at": order.placed_at,
        "updated_at": order.updated_at or order.placed_at,
        "currency": order.currency,
        "gross": order.gross,
        "discounts": order.discounts,
        "shipping": order.shipping,
        "tax": order.tax,
        "refunds": order.refunds,
        "coupon_codes": list(order.coupon_codes),
        "status": order.status,
        "landing_site": order.landing_site,
        "sent_id": order.sent_id,
    }


def _item_row(order: Order, line: OrderLine) -> OrderItemRow:
    return {
        "order_id": order.order_id,
        "line_id": line.line_id,
        "sku": line.sku,
        "title": line.title,
        "quantity": line.quantity,
        "unit_price": line.unit_price,
        "discount": line.discount,
        "currency": order.currency,
    }


def store_orders(
    catalog: Catalog,
    warehouse: Warehouse,
    workspace_id: str,
    orders: Sequence[Order],
    summary: ImportSummary,
) -> None:
    """Upsert orders and their lines in one warehouse transaction (idempotent by order id)."""
    orders = keep_colliding_orders_apart(warehouse, workspace_id, orders)
    store_order_tables(catalog, warehouse, workspace_id, order_tables(orders), summary)


def stored_order(warehouse: Warehouse, workspace_id: str, order_id: str) -> dict[str, Any] | None:
    orders = warehouse.for_workspace(workspace_id).table("orders")
    frame = warehouse.execute(orders.filter(orders.order_id == order_id).limit(1))
    if frame.empty:
        return None
    row: dict[str, Any] = {}
    for key, value in frame.iloc[0].to_dict().items():
        if isinstance(value, float) and math.isnan(value):
            value = None  # pandas' missing marker back to NULL
        elif hasattr(value, "to_pydatetime"):
            value = value.to_pydatetime()
        elif hasattr(value, "tolist"):
            value = value.tolist()
        row[key] = value
    return row
