"""Parsed orders as Arrow tables, and how they are stored: SKU matching, session linking and
one idempotent upsert, column-wise (a million-line export never becomes Python objects).

Row-wise sources (webhooks, the Admin API, mapped CSVs) reach the same path through
`orders.store_orders`, which turns their `Order`s into these tables.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import select
from sqlalchemy.orm import Session

from mercato.catalog.db import Catalog
from mercato.catalog.models import Product
from mercato.connectors.batches import load_tables
from mercato.connectors.results import ImportSummary
from mercato.warehouse.connection import Warehouse
from mercato.warehouse.loader import staged

MONEY_TYPE = pa.decimal128(
    36, 3
)  # exact (sums of two fit); the loader casts to the table's decimal(18, 3)
ORDER_SCHEMA = pa.schema(
    [
        ("order_id", pa.string()),
        ("source_system", pa.string()),
        ("customer_id", pa.string()),
        ("placed_at", pa.timestamp("us")),
        ("updated_at", pa.timestamp("us")),
        ("currency", pa.string()),
        ("gross", MONEY_TYPE),
        ("discounts", MONEY_TYPE),
        ("shipping", MONEY_TYPE),
        ("tax", MONEY_TYPE),
        ("refunds", MONEY_TYPE),
        ("coupon_codes", pa.list_(pa.string())),
        ("status", pa.string()),
        ("landing_site", pa.string()),
        ("sent_id", pa.string()),  # the file's id when the order was kept apart, else null
    ]
)
ITEM_SCHEMA = pa.schema(
    [
        ("order_id", pa.string()),
        ("line_id", pa.string()),
        ("sku", pa.string()),
        ("title", pa.string()),
        ("quantity", pa.int64()),
        ("unit_price", MONEY_TYPE),
        ("discount", MONEY_TYPE),
        ("currency", pa.string()),
    ]
)
# `position` orders the ids an order is known by across the file: its order's index in
# `orders` times 4, plus 1 + the alias's index (the order's own id is `index * 4`).
ALIAS_SCHEMA = pa.schema(
    [("alias", pa.string()), ("order_id", pa.string()), ("position", pa.int64())]
)


@dataclass(frozen=True)
class OrderTables:
    """Orders (one row each), their lines, and the other ids the tracker may know them by
    (`alias` → `order_id`, e.g. Shopify's "#1001" for order 5001)."""

    orders: pa.Table
    items: pa.Table
    aliases: pa.Table

    @property
    def kept_apart(self) -> int:
        return int(self.orders.num_rows - self.orders.column("sent_id").null_count)

    @classmethod
    def concat(cls, parts: Sequence[OrderTables]) -> OrderTables:
        aliases, offset = [], 0
        for part in parts:
            moved = pc.add(part.aliases.column("position"), pa.scalar(offset * 4, pa.int64()))
            aliases.append(part.aliases.set_column(2, "position", moved))
            offset += part.orders.num_rows
        return cls(
            pa.concat_tables([p.orders for p in parts]),
            pa.concat_tables([p.items for p in parts]),
            pa.concat_tables(aliases),
        )


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


def _lookup(keys: pa.ChunkedArray | pa.Array, mapping: dict[str, str]) -> pa.Array:
    """`mapping[key]` for every key (null where absent or the key is null)."""
    known = pa.array(list(mapping), pa.string())
    values = pa.array(list(mapping.values()), pa.string())
    return pc.take(values, pc.index_in(keys, value_set=known))


def tracked_sessions(warehouse: Warehouse, workspace_id: str, tables: OrderTables) -> pa.Table:
    """order_id, session_id, visitor_id from the earliest tracked purchase of each order,
    matched by its id or one of its aliases (an id another order also names is the later
    order's, as it always was)."""
    orders = tables.orders.column("order_id").combine_chunks()
    if len(orders) == 0:
        return _no_sessions()
    events = warehouse.for_workspace(workspace_id).table("events")
    purchases = events.filter((events.name == "purchase") & events.order_id.notnull())
    if not int(warehouse.backend.execute(purchases.limit(1).count())):
        return _no_sessions()  # nothing tracked to match (a first import, or no tracker)
    own = pa.array(np.arange(len(orders), dtype=np.int64) * 4)
    keys = pa.concat_arrays([orders, tables.aliases.column("alias").combine_chunks()])
    owners = pa.concat_arrays([orders, tables.aliases.column("order_id").combine_chunks()])
    positions = pa.concat_arrays([own, tables.aliases.column("position").combine_chunks()])
    by_position = np.argsort(positions.to_numpy(zero_copy_only=False), kind="stable")
    keys, owners = pc.take(keys, by_position), pc.take(owners, by_position)
    codes = pc.dictionary_encode(keys).indices.to_numpy(zero_copy_only=False)
    _, first_from_end = np.unique(codes[::-1], return_index=True)
    last = len(codes) - 1 - first_from_end  # each key's last candidate: the one that counts
    candidates = pa.table({"k": pc.take(keys, last), "owner": pc.take(owners, last)})
    with staged(warehouse, candidates.select(["k"])) as wanted:
        seen = events.filter((events.name == "purchase") & events.order_id.isin(wanted.k))
        found = warehouse.backend.to_pyarrow(
            seen.select("order_id", "session_id", "visitor_id", "ts")
        )
    if found.num_rows == 0:
        return _no_sessions()
    joined = found.join(candidates, keys="order_id", right_keys="k").sort_by("ts")
    first = pc.unique(joined.column("owner"))
    index = pc.index_in(first, value_set=joined.column("owner").combine_chunks())
    picked = joined.take(index)
    return pa.table(
        {
            "order_id": picked.column("owner"),
            "session_id": picked.column("session_id"),
            "visitor_id": picked.column("visitor_id"),
        }
    )


def _no_sessions() -> pa.Table:
    return pa.table(
        {
            "order_id": pa.array([], pa.string()),
            "session_id": pa.array([], pa.string()),
            "visitor_id": pa.array([], pa.string()),
        }
    )


def store_order_tables(
    catalog: Catalog,
    warehouse: Warehouse,
    workspace_id: str,
    tables: OrderTables,
    summary: ImportSummary,
) -> None:
    """Upsert orders and their lines in one warehouse transaction (idempotent by order id)."""
    items = tables.items
    skus = pc.unique(pc.drop_null(items.column("sku"))).to_pylist()
    with catalog.session() as session:
        product_ids = products_by_sku(session, workspace_id, skus)
    kept_apart = tables.kept_apart
    if kept_apart:
        summary.flags["kept_apart"] += kept_apart
        summary.notes.append(
            f"{kept_apart} order(s) kept apart: their id belongs to another customer's order "
            "(stored as <id>~<digest>)"
        )
    unmatched = {sku for sku in skus if sku} - set(product_ids)
    if unmatched:
        summary.notes.append(
            f"{len(unmatched)} SKU(s) not in the product catalog (lines kept, product_id "
            f"empty): {', '.join(sorted(unmatched)[:5])}"
        )
    sessions = tracked_sessions(warehouse, workspace_id, tables)
    orders = tables.orders.drop_columns(["sent_id"])
    ids = orders.column("order_id")
    linked = pc.index_in(ids, value_set=sessions.column("order_id").combine_chunks())
    workspace = pa.array([workspace_id] * orders.num_rows, pa.string())
    net = pc.subtract(
        pc.subtract(orders.column("gross"), orders.column("discounts")), orders.column("refunds")
    )
    orders = (
        orders.append_column("workspace_id", workspace)
        .append_column("session_id", pc.take(sessions.column("session_id"), linked))
        .append_column("visitor_id", pc.take(sessions.column("visitor_id"), linked))
        .append_column("net", net)
    )
    items = items.append_column(
        "workspace_id", pa.array([workspace_id] * items.num_rows, pa.string())
    ).append_column("product_id", _lookup(items.column("sku"), product_ids))
    load_tables(warehouse, {"orders": orders, "order_items": items}, summary)
