"""Shopify's orders CSV export (Admin → Orders → Export).

One row per line item; the first row of an order carries the order-level money fields and
later rows of the same order (`Name`) leave them blank. Shopify's `Subtotal` is after
discounts, so gross = Subtotal + Discount Amount.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from mercato.connectors.csvfile import Row, Table
from mercato.connectors.orders import ZERO, Order, OrderLine, apart
from mercato.connectors.parsing import parse_count, parse_timestamp
from mercato.core.money import parse_amount, parse_currency
from mercato.warehouse.order_keys import Buyer, claim

REQUIRED = ("Name", "Created at", "Currency", "Subtotal", "Lineitem quantity", "Lineitem price")


def _amount(row: Row, column: str) -> Decimal:
    return (
        row.parse_optional(column, lambda raw: parse_amount(raw, currency=_currency(row))) or ZERO
    )


def _currency(row: Row) -> str | None:
    """The row's currency (Shopify repeats it on an order's line rows, or leaves it blank)."""
    return row.parse_optional("Currency", parse_currency)


@dataclass
class _Draft:
    head: Row
    lines: list[OrderLine] = field(default_factory=list)


def parse_shopify_orders(table: Table) -> list[Order]:
    """Every order in the file, validated; raises on the first bad cell (file:line:column).

    A row carrying order-level money (`Subtotal`) starts an order; one whose name another
    customer's order already holds (two shops' exports merged) is another order, kept apart
    (`warehouse.order_keys`). Rows without it are further lines of the last order so named."""
    table.require_columns(REQUIRED, "Shopify orders export")
    drafts: dict[str, _Draft] = {}
    current: dict[str, str] = {}  # order name -> key of its latest head row
    taken: dict[str, Buyer] = {}
    for row in table.rows:
        name = row.require("Name")
        if row.get("Subtotal") or name not in current:
            base = row.get("Id") or name
            email = (row.get("Email") or "").lower() or None
            current[name] = claim(base, Buyer(None, email, "shopify"), taken)
        key = current[name]
        draft = drafts.setdefault(key, _Draft(row))
        draft.lines.append(_line(row, len(draft.lines) + 1))
    orders = []
    for key, draft in drafts.items():
        order = _order(draft.head.require("Name"), draft.head, draft.lines)
        orders.append(order if key == order.order_id else apart(order, key))
    return orders


def _line(row: Row, position: int) -> OrderLine:
    sku = row.get("Lineitem sku") or None
    return OrderLine(
        line_id=str(position),
        sku=sku,
        title=row.get("Lineitem name") or "",
        quantity=row.parse("Lineitem quantity", parse_count),
        unit_price=row.parse(
            "Lineitem price", lambda raw: parse_amount(raw, currency=_currency(row))
        ),
        discount=_amount(row, "Lineitem discount"),
    )


def _order(name: str, head: Row, lines: Sequence[OrderLine]) -> Order:
    subtotal = head.parse("Subtotal", lambda raw: parse_amount(raw, currency=_currency(head)))
    discounts = _amount(head, "Discount Amount")
    shopify_id = head.get("Id") or ""
    codes = tuple(c.strip() for c in (head.get("Discount Code") or "").split(",") if c.strip())
    placed_at: datetime = head.parse("Created at", parse_timestamp)
    status = "cancelled" if head.get("Cancelled at") else (head.get("Financial Status") or "")
    return Order(
        order_id=shopify_id or name,
        source_system="shopify",
        placed_at=placed_at,
        currency=head.parse("Currency", parse_currency),
        gross=subtotal + discounts,
        discounts=discounts,
        shipping=_amount(head, "Shipping"),
        tax=_amount(head, "Taxes"),
        refunds=_amount(head, "Refunded Amount"),
        coupon_codes=codes,
        status=status,
        customer_id=(head.get("Email") or "").lower() or None,
        landing_site=None,
        updated_at=placed_at,
        lines=tuple(lines),
        aliases=(name, name.lstrip("#")) if shopify_id else (name.lstrip("#"),),
    )
