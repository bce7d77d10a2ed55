"""Shopify's orders CSV export (Admin → Orders → Export).

One row per line item; the first row of an order carries the order-level money fields and
later rows of the same order (`Name`) leave them blank. Shopify's `Subtotal` is after
discounts, so gross = Subtotal + Discount Amount.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from mercato.connectors.columns import (
    WHITESPACE,
    Columns,
    counts,
    currencies,
    missing,
    money,
    patch,
    read_columns,
    take,
    timestamps,
)
from mercato.connectors.csvfile import Row, Table, read_table
from mercato.connectors.order_tables import (
    ALIAS_SCHEMA,
    ITEM_SCHEMA,
    MONEY_TYPE,
    ORDER_SCHEMA,
    OrderTables,
)
from mercato.connectors.orders import ZERO, Order, OrderLine, apart, order_tables
from mercato.connectors.parsing import parse_count, parse_timestamp
from mercato.core.errors import ValidationFailed
from mercato.core.money import parse_amount, parse_currency
from mercato.warehouse.order_keys import Buyer, claim, kept_apart_id

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


def read_shopify_orders(data: bytes, source: str) -> tuple[OrderTables, int]:
    """The export's orders as tables, and the number of data rows read, column-wise: the same
    orders, keys and first error as `parse_shopify_orders` (which files the column reader
    cannot take exactly still go through)."""
    columns = read_columns(data, source)
    if columns is None:
        table = read_table(data, source)
        return order_tables(parse_shopify_orders(table)), len(table.rows)
    if not all(columns.has(c) for c in REQUIRED):
        Table(source, columns.header, []).require_columns(REQUIRED, "Shopify orders export")
    return _ColumnParse(columns, data).tables(), columns.num_rows


LINE_COLUMNS = (
    "Name",
    "Currency",
    "Lineitem quantity",
    "Lineitem price",
    "Lineitem discount",
    "Lineitem sku",
    "Lineitem name",
)
HEAD_COLUMNS = (
    "Name",
    "Id",
    "Email",
    "Currency",
    "Subtotal",
    "Discount Amount",
    "Shipping",
    "Taxes",
    "Refunded Amount",
    "Created at",
    "Cancelled at",
    "Financial Status",
    "Discount Code",
)


def _first_seen(codes: np.ndarray) -> np.ndarray:
    """Where each code first appears (codes numbered in order of first appearance)."""
    if len(codes) == 0:
        return np.zeros(0, dtype=bool)
    before = np.maximum.accumulate(np.concatenate([[-1], codes[:-1]]))
    return np.asarray(codes > before)


def _codes(values: pa.Array) -> np.ndarray:
    encoded = pc.dictionary_encode(values)
    return np.asarray(encoded.indices.to_numpy(zero_copy_only=False), dtype=np.int64)


class _ColumnParse:
    """One export, parsed column-wise (see `parse_shopify_orders` for the rules)."""

    def __init__(self, columns: Columns, data: bytes) -> None:
        self.columns = columns
        self.data = data
        self._table: Table | None = None

    def row_wise(self) -> Table:
        if self._table is None:
            self._table = read_table(self.data, self.columns.source)
        return self._table

    def cells(self, names: Sequence[str], positions: Sequence[int]) -> list[Row]:
        """Rows built from the columns (line numbers unknown: only for converting)."""
        index = pa.array(positions, pa.int64())
        taken = {
            n: pc.take(self.columns.text(n), index).to_pylist()
            for n in names
            if self.columns.has(n)
        }
        return [
            Row(self.columns.source, 0, {n: values[i] for n, values in taken.items()})
            for i in range(len(positions))
        ]

    def fail(self, position: int, check: Callable[[Row], object]) -> ValidationFailed:
        """The error the row-wise import raises for the data row at `position`."""
        table = self.row_wise()
        try:
            check(table.rows[position])
        except ValidationFailed as exc:
            return exc
        parse_shopify_orders(table)  # the columns disagree with the rows: let the rows decide
        raise AssertionError(f"{self.columns.source}: row {position} failed column-wise only")

    def tables(self) -> OrderTables:
        c = self.columns
        n = c.num_rows
        name = c.text_or_empty("Name")
        _, digits, bad_currency = currencies(c.text_or_empty("Currency"))
        quantity, quantity_ok = counts(c.text_or_empty("Lineitem quantity"))
        price, price_ok = money(c.text_or_empty("Lineitem price"), digits)
        discount, discount_ok = self.optional_money("Lineitem discount", digits)
        odd = (
            pc.equal(name, "").to_numpy(zero_copy_only=False)
            | bad_currency
            | ~quantity_ok
            | ~price_ok
            | ~discount_ok
        )
        positions = np.flatnonzero(odd).tolist()
        fixed: list[OrderLine] = []
        for position, row in zip(positions, self.cells(LINE_COLUMNS, positions), strict=True):
            try:
                row.require("Name")
                fixed.append(_line(row, 1))
            except ValidationFailed:
                raise self.fail(position, lambda r: (r.require("Name"), _line(r, 1))) from None
        quantity = patch(quantity, positions, [line.quantity for line in fixed])
        price = patch(price, positions, [line.unit_price for line in fixed])
        discount = patch(discount, positions, [line.discount for line in fixed])
        row_keys, keys, heads = self.keys(name, n)
        return self.assemble(row_keys, keys, heads, quantity, price, discount)

    def optional_money(self, column: str, digits: np.ndarray) -> tuple[pa.Array, np.ndarray]:
        text = self.columns.text(column)
        if text is None:
            zero = pa.array(np.zeros(len(digits), dtype=np.int64)).cast(MONEY_TYPE)
            return zero, np.ones(len(digits), dtype=bool)
        values, ok = money(text, digits)
        absent = missing(text)
        zero = pa.scalar(ZERO, MONEY_TYPE)
        return pc.if_else(pa.array(absent), zero, values), ok | absent

    def keys(self, name: pa.Array, n: int) -> tuple[np.ndarray, pa.Array, np.ndarray]:
        """(each row's order number, each order's key, each order's head row)."""
        c = self.columns
        head = pc.not_equal(c.text_or_empty("Subtotal"), "").to_numpy(zero_copy_only=False)
        every_row_heads = bool(head.all())  # one line per order: no name grouping needed
        name_codes = np.zeros(0, dtype=np.int64) if every_row_heads else _codes(name)
        if not every_row_heads:
            head = head | _first_seen(name_codes)
        head_rows = np.flatnonzero(head)
        ids = take(c.text_or_empty("Id"), head_rows)
        names = take(name, head_rows)
        base = pc.if_else(pc.not_equal(ids, ""), ids, names)
        email = _emails(take(c.text_or_empty("Email"), head_rows))
        head_keys, key_codes = _claims(base, email)
        if every_row_heads:
            row_keys = key_codes
        else:
            # A row without order money belongs to the latest head row of its name before it.
            by_name = np.argsort(name_codes, kind="stable")
            latest = np.maximum.accumulate(np.where(head[by_name], np.arange(n), -1))
            head_rank = np.cumsum(head) - 1
            row_keys = np.empty(n, dtype=np.int64)
            row_keys[by_name] = key_codes[head_rank[by_name[latest]]]
        first = _first_seen(key_codes)
        return row_keys, take(head_keys, np.flatnonzero(first)), head_rows[first]

    def assemble(
        self,
        row_keys: np.ndarray,
        keys: pa.Array,
        heads: np.ndarray,
        quantity: pa.Array,
        price: pa.Array,
        discount: pa.Array,
    ) -> OrderTables:
        c = self.columns
        at = heads

        def head(column: str) -> pa.Array:
            return take(c.text_or_empty(column), at)

        currency, digits, bad_currency = currencies(head("Currency"))
        subtotal, subtotal_ok = money(head("Subtotal"), digits)
        amounts = {}
        odd = bad_currency | missing(head("Currency")) | ~subtotal_ok
        for column in ("Discount Amount", "Shipping", "Taxes", "Refunded Amount"):
            values, ok = self.optional_money_at(column, at, digits)
            amounts[column] = values
            odd |= ~ok
        placed_at, placed_ok = timestamps(head("Created at"))
        odd |= ~placed_ok
        positions = np.flatnonzero(odd).tolist()
        rows = self.cells(HEAD_COLUMNS, heads[positions].tolist())
        fixed: list[Order] = []
        for position, row in zip(positions, rows, strict=True):
            try:
                fixed.append(_order(row.require("Name"), row, []))
            except ValidationFailed:
                raise self.fail(
                    int(heads[position]), lambda r: _order(r.require("Name"), r, [])
                ) from None
        currency = patch(currency, positions, [o.currency for o in fixed])
        subtotal = patch(subtotal, positions, [o.gross - o.discounts for o in fixed])
        discounts = patch(amounts["Discount Amount"], positions, [o.discounts for o in fixed])
        placed_at = patch(placed_at, positions, [o.placed_at for o in fixed])
        names, ids, emails = head("Name"), head("Id"), _emails(head("Email"))
        order_id = pc.if_else(pc.not_equal(ids, ""), ids, names)
        cancelled = pc.not_equal(head("Cancelled at"), "")
        orders = pa.table(
            {
                "order_id": keys,
                "source_system": pa.array(["shopify"] * len(keys), pa.string()),
                "customer_id": emails,
                "placed_at": placed_at,
                "updated_at": placed_at,
                "currency": currency,
                "gross": pc.add(subtotal, discounts).cast(MONEY_TYPE),
                "discounts": discounts,
                "shipping": patch(amounts["Shipping"], positions, [o.shipping for o in fixed]),
                "tax": patch(amounts["Taxes"], positions, [o.tax for o in fixed]),
                "refunds": patch(amounts["Refunded Amount"], positions, [o.refunds for o in fixed]),
                "coupon_codes": _coupon_codes(head("Discount Code")),
                "status": pc.if_else(cancelled, "cancelled", head("Financial Status")),
                "landing_site": pa.nulls(len(keys), pa.string()),
                "sent_id": pc.if_else(
                    pc.equal(keys, order_id), pa.nulls(len(keys), pa.string()), order_id
                ),
            },
            schema=ORDER_SCHEMA,
        )
        return OrderTables(
            orders,
            self.items(row_keys, keys, currency, quantity, price, discount),
            _aliases(keys, names, ids),
        )

    def optional_money_at(
        self, column: str, at: np.ndarray, digits: np.ndarray
    ) -> tuple[pa.Array, np.ndarray]:
        text = self.columns.text(column)
        if text is None:
            zero = pa.array(np.zeros(len(at), dtype=np.int64)).cast(MONEY_TYPE)
            return zero, np.ones(len(at), dtype=bool)
        taken = take(text, at)
        values, ok = money(taken, digits)
        absent = missing(taken)
        return pc.if_else(pa.array(absent), pa.scalar(ZERO, MONEY_TYPE), values), ok | absent

    def items(
        self,
        row_keys: np.ndarray,
        keys: pa.Array,
        currency: pa.Array,
        quantity: pa.Array,
        price: pa.Array,
        discount: pa.Array,
    ) -> pa.Table:
        c = self.columns
        by_order = np.argsort(row_keys, kind="stable")  # an order's lines together, in order
        ordered = row_keys[by_order]
        starts = np.flatnonzero(np.concatenate([[True], ordered[1:] != ordered[:-1]]))
        sizes = np.diff(np.concatenate([starts, [len(ordered)]]))
        line = np.arange(len(ordered)) - np.repeat(starts, sizes) + 1
        at = by_order
        sku = take(c.text_or_empty("Lineitem sku"), at)
        return pa.table(
            {
                "order_id": take(keys, ordered),
                "line_id": pc.cast(pa.array(line), pa.string()),
                "sku": pc.if_else(pc.equal(sku, ""), pa.nulls(len(sku), pa.string()), sku),
                "title": take(c.text_or_empty("Lineitem name"), at),
                "quantity": take(quantity, at),
                "unit_price": take(price, at),
                "discount": take(discount, at),
                "currency": take(currency, ordered),
            },
            schema=ITEM_SCHEMA,
        )


def _emails(values: pa.Array) -> pa.Array:
    """`(Email or "").lower() or None`, with Python's lower-casing for non-ASCII addresses."""
    lowered = pc.utf8_lower(values)
    other = np.flatnonzero(~pc.string_is_ascii(values).to_numpy(zero_copy_only=False)).tolist()
    if other:
        texts = pc.take(values, pa.array(other)).to_pylist()
        lowered = patch(lowered, other, [t.lower() for t in texts])
    return pc.if_else(pc.equal(lowered, ""), pa.nulls(len(values), pa.string()), lowered)


def _claims(base: pa.Array, email: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """Each head row's order key: `order_keys.claim` in file order, column-wise, and the
    keys' codes (numbered in order of first appearance). An id's first head row owns it; a
    later one with another (non-empty) e-mail than a non-empty owner's is kept apart as
    `<id>~<digest>`."""
    codes = _codes(base)
    owners = pc.take(email, pa.array(np.flatnonzero(_first_seen(codes))))
    owner = pc.take(owners, pa.array(codes))
    clash = pc.fill_null(pc.not_equal(email, owner), False).to_numpy(zero_copy_only=False)
    positions = np.flatnonzero(clash).tolist()
    if not positions:
        return base, codes
    keys = _claimed(base, email, positions)
    return keys, _codes(keys)


def _claimed(base: pa.Array, email: pa.Array, positions: list[int]) -> pa.Array:
    """`base` with the clashing head rows at `positions` kept apart."""
    bases = pc.take(base, pa.array(positions)).to_pylist()
    buyers = pc.take(email, pa.array(positions)).to_pylist()
    apart = [
        kept_apart_id(b, Buyer(None, e, "shopify")) for b, e in zip(bases, buyers, strict=True)
    ]
    if pc.any(pc.is_in(pa.array(apart), value_set=base)).as_py():
        # A kept-apart key that is also an id in the file: only the sequential claim is exact.
        taken: dict[str, Buyer] = {}
        return pa.array(
            [
                claim(b, Buyer(None, e, "shopify"), taken)
                for b, e in zip(base.to_pylist(), email.to_pylist(), strict=True)
            ],
            pa.string(),
        )
    return patch(base, positions, apart)


def _coupon_codes(values: pa.Array) -> pa.Array:
    """`Discount Code` split at commas, each code trimmed, blanks dropped."""
    parts = pc.split_pattern(values, ",")
    flat = pc.utf8_trim(pc.list_flatten(parts), characters=WHITESPACE)
    owner = pc.list_parent_indices(parts).to_numpy(zero_copy_only=False)
    keep = pc.not_equal(flat, "").to_numpy(zero_copy_only=False)
    sizes = np.bincount(owner[keep], minlength=len(values))
    offsets = pa.array(np.concatenate([[0], np.cumsum(sizes)]).astype(np.int32))
    return pa.ListArray.from_arrays(offsets, flat.filter(pa.array(keep)))


def _aliases(keys: pa.Array, names: pa.Array, ids: pa.Array) -> pa.Table:
    """`(name, name.lstrip("#"))` for an order with a Shopify id, else `(name.lstrip("#"),)`."""
    bare = pc.utf8_ltrim(names, characters="#")
    with_id = np.flatnonzero(pc.not_equal(ids, "").to_numpy(zero_copy_only=False))
    index = pa.array(with_id)
    slot = pa.array(np.arange(len(keys), dtype=np.int64) * 4 + 1)
    named = pa.table(
        {
            "alias": pc.take(names, index),
            "order_id": pc.take(keys, index),
            "position": pc.take(slot, index),
        },
        schema=ALIAS_SCHEMA,
    )
    bare_slot = pc.add(slot, pc.cast(pc.not_equal(ids, ""), pa.int64()))
    stripped = pa.table(
        {"alias": bare, "order_id": keys, "position": bare_slot}, schema=ALIAS_SCHEMA
    )
    return pa.concat_tables([named, stripped])
