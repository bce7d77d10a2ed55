"""Orders from any CSV with a column mapping (one row per order, or per line with `sku`).

A mapping names the file's column for each order field, for example (JSON or TOML):

    {"order_id": "Order No", "placed_at": "Date", "currency": "Currency", "gross": "Amount",
     "discounts": "Discount", "coupon_codes": "Voucher", "sku": "Article", "quantity": "Qty",
     "unit_price": "Unit price", "defaults": {"currency": "EUR"}, "number_locale": "de"}
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from mercato.connectors.csvfile import Row, Table
from mercato.connectors.orders import ZERO, Order, OrderLine, apart
from mercato.connectors.parsing import NumberLocale, parse_count, parse_decimal, parse_timestamp
from mercato.core.errors import ValidationFailed
from mercato.core.money import parse_amount, parse_currency
from mercato.warehouse.order_keys import Buyer, claim

ORDER_FIELDS = (
    "order_id",
    "placed_at",
    "currency",
    "gross",
    "discounts",
    "shipping",
    "tax",
    "refunds",
    "coupon_codes",
    "status",
    "customer_id",
    "landing_site",
)
LINE_FIELDS = ("sku", "title", "quantity", "unit_price", "line_discount")
REQUIRED_FIELDS = ("order_id", "placed_at", "gross")


class ColumnMapping:
    """Which column holds which field, with constant defaults and the number locale."""

    def __init__(
        self,
        raw: Mapping[str, Any],
        known: tuple[str, ...],
        required: tuple[str, ...],
        source: str = "mapping",
    ) -> None:
        unknown = sorted(set(raw) - set(known) - {"defaults", "number_locale"})
        if unknown:
            raise ValidationFailed(
                f"unknown field(s) {unknown}; known: {list(known)}", location=source
            )
        self.columns: dict[str, str] = {k: str(v) for k, v in raw.items() if k in known}
        self.defaults: dict[str, str] = {
            str(k): str(v) for k, v in dict(raw.get("defaults", {})).items()
        }
        try:
            self.locale = NumberLocale(str(raw.get("number_locale", "en")))
        except ValueError:
            raise ValidationFailed("number_locale must be 'en' or 'de'", location=source) from None
        absent = [f for f in required if f not in self.columns and f not in self.defaults]
        if absent:
            raise ValidationFailed(f"the mapping must name a column for {absent}", location=source)

    def check(self, table: Table) -> None:
        table.require_columns(list(self.columns.values()), "mapped CSV")

    def text(self, row: Row, name: str) -> str | None:
        if name in self.columns:
            value = row.get(self.columns[name])
            if value:
                return value
        return self.defaults.get(name)

    def parsed(self, row: Row, name: str, parser: Any) -> Any:
        raw = self.text(row, name)
        if raw is None or raw == "":
            return None
        try:
            return parser(raw)
        except (ValueError, ValidationFailed) as exc:
            reason = exc.reason if isinstance(exc, ValidationFailed) else str(exc)
            column = self.columns.get(name, f"defaults.{name}")
            raise row.error(column, reason) from None


def _money(mapping: ColumnMapping, row: Row, name: str) -> Decimal:
    currency = mapping.parsed(row, "currency", parse_currency)  # amounts in its minor unit
    value = mapping.parsed(
        row, name, lambda raw: parse_amount(parse_decimal(raw, mapping.locale), currency=currency)
    )
    return value if isinstance(value, Decimal) else ZERO


def parse_generic_orders(table: Table, mapping: ColumnMapping) -> list[Order]:
    """One order per order id and customer: a row repeating an id with another customer is
    another order (kept apart); with the same (or no) customer it adds a line."""
    mapping.check(table)
    heads: dict[str, tuple[str, Row]] = {}
    lines: dict[str, list[OrderLine]] = {}
    taken: dict[str, Buyer] = {}
    for row in table.rows:
        order_id = mapping.text(row, "order_id")
        if not order_id:
            raise row.error(mapping.columns["order_id"], "an order id is required")
        key = claim(order_id, Buyer(None, mapping.text(row, "customer_id"), "csv"), taken)
        heads.setdefault(key, (order_id, row))
        if "sku" in mapping.columns or "title" in mapping.columns:
            found = lines.setdefault(key, [])
            found.append(_line(mapping, row, len(found) + 1))
    orders = []
    for key, (order_id, row) in heads.items():
        order = _order(mapping, order_id, row, lines.get(key, []))
        orders.append(order if key == order_id else apart(order, key))
    return orders


def _line(mapping: ColumnMapping, row: Row, position: int) -> OrderLine:
    quantity = mapping.parsed(row, "quantity", lambda raw: parse_count(raw, mapping.locale))
    return OrderLine(
        line_id=str(position),
        sku=mapping.text(row, "sku"),
        title=mapping.text(row, "title") or "",
        quantity=quantity if quantity is not None else 1,
        unit_price=_money(mapping, row, "unit_price"),
        discount=_money(mapping, row, "line_discount"),
    )


def _order(mapping: ColumnMapping, order_id: str, row: Row, lines: list[OrderLine]) -> Order:
    currency = mapping.parsed(row, "currency", parse_currency)
    if currency is None:
        raise row.error("currency", "no currency column or default in the mapping")
    codes = mapping.text(row, "coupon_codes") or ""
    return Order(
        order_id=order_id,
        source_system="csv",
        placed_at=mapping.parsed(row, "placed_at", parse_timestamp),
        currency=currency,
        gross=_money(mapping, row, "gross"),
        discounts=_money(mapping, row, "discounts"),
        shipping=_money(mapping, row, "shipping"),
        tax=_money(mapping, row, "tax"),
        refunds=_money(mapping, row, "refunds"),
        coupon_codes=tuple(c.strip() for c in codes.split(",") if c.strip()),
        status=mapping.text(row, "status") or "",
        customer_id=mapping.text(row, "customer_id"),
        landing_site=mapping.text(row, "landing_site"),
        lines=tuple(lines),
    )
