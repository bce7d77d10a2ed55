"""Shop orders: the neutral order model, SKU matching, session linking and loading.

Money definitions (docs/connectors.md): `gross` is the merchandise value before discounts;
`net` = gross - discounts - refunds. Shipping and tax are kept apart so that a workspace
can choose its revenue definition at reporting time.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

import ibis
from sqlalchemy import select
from sqlalchemy.orm import Session

from mercato.catalog.db import Catalog
from mercato.catalog.models import Product
from mercato.connectors.batches import load_all
from mercato.connectors.results import ImportSummary
from mercato.warehouse.connection import Warehouse
from mercato.warehouse.order_keys import Buyer, claim

ZERO = Decimal("0.00")
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


def products_by_sku(session: Session, workspace_id: str, skus: Iterable[str]) -> dict[str, str]:
    wanted = sorted({sku for sku in skus if sku})
    found: dict[str, str] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        rows = session.execute(
            select(Product.sku, Product.id).where(
                Product.workspace_id == workspace_id, Product.sku.in_(chunk)
            )
        )
        found.update((sku, product_id) for sku, product_id in rows)
    return found


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


def tracked_sessions(
    warehouse: Warehouse, workspace_id: str, orders: Sequence[Order]
) -> dict[str, tuple[str | None, str | None]]:
    """order id → (session_id, visitor_id) from the tracker's purchase events."""
    candidates: dict[str, str] = {}
    for order in orders:
        for key in (order.order_id, *order.aliases):
            candidates[key] = order.order_id
    if not candidates:
        return {}
    events = warehouse.for_workspace(workspace_id).table("events")
    seen = events.filter(
        (events.name == "purchase") & events.order_id.isin(ibis.memtable({"k": list(candidates)}).k)
    ).select("order_id", "session_id", "visitor_id", "ts")
    frame = warehouse.execute(seen.order_by("ts"))
    linked: dict[str, tuple[str | None, str | None]] = {}
    for event in frame.itertuples(index=False):
        linked.setdefault(candidates[event.order_id], (event.session_id, event.visitor_id))
    return linked


def _order_row(
    workspace_id: str, order: Order, session_id: str | None, visitor_id: str | None
) -> dict[str, Any]:
    return {
        "workspace_id": workspace_id,
        "order_id": order.order_id,
        "source_system": order.source_system,
        "customer_id": order.customer_id,
        "visitor_id": visitor_id,
        "session_id": session_id,
        "placed_at": order.placed_at,
        "updated_at": order.updated_at or order.placed_at,
        "currency": order.currency,
        "gross": order.gross,
        "discounts": order.discounts,
        "shipping": order.shipping,
        "tax": order.tax,
        "refunds": order.refunds,
        "net": order.net,
        "coupon_codes": list(order.coupon_codes),
        "status": order.status,
        "landing_site": order.landing_site,
    }


def _item_row(
    workspace_id: str, order: Order, line: OrderLine, product_ids: dict[str, str]
) -> dict[str, Any]:
    return {
        "workspace_id": workspace_id,
        "order_id": order.order_id,
        "line_id": line.line_id,
        "sku": line.sku,
        "product_id": product_ids.get(line.sku or ""),
        "title": line.title,
        "quantity": line.quantity,
        "unit_price": line.unit_price,
        "discount": line.discount,
        "currency": order.currency,
    }


def order_rows(
    workspace_id: str,
    orders: Sequence[Order],
    product_ids: dict[str, str],
    sessions: dict[str, tuple[str | None, str | None]],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    order_table = [
        _order_row(workspace_id, order, *sessions.get(order.order_id, (None, None)))
        for order in orders
    ]
    item_table = [
        _item_row(workspace_id, order, line, product_ids)
        for order in orders
        for line in order.lines
    ]
    return order_table, item_table


def store_orders(
    catalog: Catalog,
    warehouse: Warehouse,
    workspace_id: str,
    orders: Sequence[Order],
    summary: ImportSummary,
) -> None:
    """Upsert orders and their lines in one warehouse transaction (idempotent by order id)."""
    with catalog.session() as session:
        product_ids = products_by_sku(
            session, workspace_id, (line.sku or "" for o in orders for line in o.lines)
        )
    orders = keep_colliding_orders_apart(warehouse, workspace_id, orders)
    kept_apart = sum(1 for o in orders if o.sent_id)
    if kept_apart:
        summary.flags["kept_apart"] += kept_apart
        summary.notes.append(
            f"{kept_apart} order(s) kept apart: their id belongs to another customer's order "
            "(stored as <id>~<digest>)"
        )
    unmatched = {line.sku for o in orders for line in o.lines if line.sku} - set(product_ids)
    if unmatched:
        summary.notes.append(
            f"{len(unmatched)} SKU(s) not in the product catalog (lines kept, product_id "
            f"empty): {', '.join(sorted(unmatched)[:5])}"
        )
    sessions = tracked_sessions(warehouse, workspace_id, orders)
    order_table, item_table = order_rows(workspace_id, orders, product_ids, sessions)
    load_all(warehouse, {"orders": order_table, "order_items": item_table}, summary)


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
