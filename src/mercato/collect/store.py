"""Move enriched event rows into the warehouse: events, sessions and tracker orders, atomically."""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, cast

import pyarrow as pa

from mercato.collect.order_keys import keep_colliding_orders_apart
from mercato.collect.sessions import (
    SessionState,
    VisitorKey,
    assign,
    latest_sessions,
    session_rows,
    session_window,
)
from mercato.warehouse.connection import Warehouse
from mercato.warehouse.loader import KEY_SEPARATOR, LoadMode, StoredWithin, load
from mercato.warehouse.rows import EventRecord, EventRow, OrderItemRow, OrderRow
from mercato.warehouse.schemas import EVENTS

EVENT_SCHEMA = pa.schema([f for f in EVENTS.schema.to_pyarrow() if f.name != "row_key"])
CACHE_VISITORS = 200_000
TRACKER = "tracker"


@dataclass(frozen=True)
class StoreResult:
    received: int
    inserted: int
    duplicates: int
    sessions: int
    orders: int
    orders_kept_apart: int = 0  # purchases whose order id another buyer holds (order_keys)


Incoming = EventRecord | EventRow | dict[str, Any]  # a WAL row: JSON, checked by `row_problem`


def typed(row: Incoming) -> EventRow:
    """JSON-decoded row -> Python values Arrow stores exactly (datetime, Decimal), in place."""
    values = cast(dict[str, Any], row)
    if isinstance(values["ts"], str):
        values["ts"] = datetime.fromisoformat(values["ts"])
    if isinstance(values.get("revenue"), str):
        values["revenue"] = Decimal(values["revenue"])
    return cast(EventRow, values)


REQUIRED_TEXT = ("workspace_id", "event_id", "visitor_id", "name")


class _AlreadyStored(Exception):
    """Events of an attempted batch the warehouse already holds (their row keys)."""

    def __init__(self, keys: frozenset[str]) -> None:
        super().__init__(f"{len(keys)} events are already stored")
        self.keys = keys


def _event_key(row: EventRow) -> str:
    return f"{row['workspace_id']}{KEY_SEPARATOR}{row['event_id']}"


def row_problem(row: dict[str, Any]) -> str | None:
    """Why `row` cannot be stored on its own, or None: the loader's cheap check of a batch
    that failed, before it looks for the culprit in the warehouse."""
    try:
        missing = [key for key in REQUIRED_TEXT if not isinstance(row.get(key), str)]
        if missing:
            return f"KeyError: {missing[0]!r} is missing or not text"
        typed(row)
        if not isinstance(row["ts"], datetime):
            return "TypeError: 'ts' is not a time"
        if row.get("properties") is not None and not isinstance(
            json.loads(row["properties"]), dict
        ):
            return "TypeError: 'properties' is not a JSON object"
        pa.Table.from_pylist([row], schema=EVENT_SCHEMA)
    except Exception as exc:  # any fault of the row is its reason
        return f"{type(exc).__name__}: {exc}"
    return None


class EventStore:
    """Keeps each visitor's current session in memory; the warehouse stays the truth."""

    def __init__(self, warehouse: Warehouse) -> None:
        self.warehouse = warehouse
        self._visitors: OrderedDict[VisitorKey, SessionState] = OrderedDict()

    def store(self, rows: Sequence[Incoming]) -> StoreResult:
        """Load `rows` once: known event ids are dropped, sessions are recomputed.

        The batch is stored as if every event were new: the events load looks its ids up
        once and names the ones already stored (ADR 0603); then the transaction is rolled back
        and the batch stored again without them. A batch of new events (the usual one) is
        written once, with one lookup against the stored events instead of three."""
        unique = list({(r["workspace_id"], r["event_id"]): typed(r) for r in rows}.values())
        known: frozenset[str] = frozenset()
        while True:
            fresh = [r for r in unique if _event_key(r) not in known]
            sent = [r.copy() for r in fresh]  # as they came, should the attempt be undone
            try:
                states, numbers, orders, kept_apart = self._store_fresh(fresh)
            except _AlreadyStored as stored:
                for row, before in zip(fresh, sent, strict=True):
                    undone = cast(dict[str, Any], row)  # in place: `unique` holds these rows
                    undone.clear()
                    undone.update(before)
                if not stored.keys - known:  # no progress: a key this store cannot name
                    raise RuntimeError("the load names known keys not in the batch") from None
                known |= stored.keys
                continue
            break
        self._remember(states)
        return StoreResult(
            len(rows), len(fresh), len(rows) - len(fresh), len(numbers), orders, kept_apart
        )

    def _store_fresh(
        self, fresh: list[EventRow]
    ) -> tuple[dict[VisitorKey, SessionState], dict[str, int], int, int]:
        with self.warehouse.transaction():
            kept_apart = keep_colliding_orders_apart(self.warehouse, fresh)
            visitors = {(r["workspace_id"], r["visitor_id"]) for r in fresh}
            known = {k: self._visitors[k] for k in visitors if k in self._visitors}
            known.update(latest_sessions(self.warehouse, visitors - known.keys()))
            states, numbers = assign(fresh, known)
            if fresh:
                result = load(
                    self.warehouse,
                    "events",
                    pa.Table.from_pylist(fresh, schema=EVENT_SCHEMA),
                    mode=LoadMode.INSERT_NEW,
                )
                if result.known_keys:
                    raise _AlreadyStored(result.known_keys)  # rolls the attempt back
                owner = {r["session_id"]: r["workspace_id"] for r in fresh}
                workspaces = [owner[sid] for sid in numbers]
                first, last = session_window(fresh, known)
                sessions = session_rows(self.warehouse, numbers, workspaces, (first, last))
                # A stored session this batch touches is a known one: it started in the window.
                within = StoredWithin("started_at", first, last)
                load(self.warehouse, "sessions", sessions, mode=LoadMode.UPSERT, within=within)
            orders = self._orders(fresh)
        return states, numbers, orders, kept_apart

    def _remember(self, states: dict[VisitorKey, SessionState]) -> None:
        for key, state in states.items():
            self._visitors[key] = state
            self._visitors.move_to_end(key)
        while len(self._visitors) > CACHE_VISITORS:
            self._visitors.popitem(last=False)

    def forget(self) -> None:
        """Drop the cache (after a failed load, the warehouse may differ from it)."""
        self._visitors.clear()

    def _orders(self, rows: list[EventRow]) -> int:
        """Tracker purchases become orders unless a shop import already has them."""
        purchases = {
            order_id: r for r in rows if r["name"] == "purchase" and (order_id := r.get("order_id"))
        }
        if not purchases:
            return 0
        orders: list[OrderRow] = []
        items: list[OrderItemRow] = []
        for order_id, row in purchases.items():
            orders.append(
                {
                    "workspace_id": row["workspace_id"],
                    "order_id": order_id,
                    "source_system": TRACKER,
                    "customer_id": row.get("customer_id"),
                    "visitor_id": row["visitor_id"],
                    "session_id": row["session_id"],
                    "placed_at": row["ts"],
                    "updated_at": row["ts"],
                    "currency": row.get("currency"),
                    "gross": row.get("revenue"),
                    "status": "placed",
                    "landing_site": row.get("url"),
                }
            )
            items += _order_items(row, order_id)
        result = load(
            self.warehouse, "orders", pa.Table.from_pylist(orders), mode=LoadMode.INSERT_NEW
        )
        if items:
            load(
                self.warehouse, "order_items", pa.Table.from_pylist(items), mode=LoadMode.INSERT_NEW
            )
        return result.inserted


def _order_items(row: EventRow, order_id: str) -> list[OrderItemRow]:
    """Line items from the row's `properties`; anything not shaped like one is left out.

    Intake validates items, so this only meets malformed ones from an older WAL; it must
    still never raise on them (the loader would set the whole batch aside).
    """
    properties = row.get("properties")
    if not properties:
        return []
    listed = json.loads(properties).get("items")
    if not isinstance(listed, list):
        return []
    items: list[OrderItemRow] = []
    for index, item in enumerate(listed, start=1):
        line = _line_item(item)
        if line is not None:
            items.append(
                {
                    "workspace_id": row["workspace_id"],
                    "order_id": order_id,
                    "line_id": str(index),
                    "currency": row.get("currency"),
                    **line,
                }
            )
    return items


def _line_item(item: Any) -> OrderItemRow | None:
    if not isinstance(item, dict):
        return None
    quantity = item.get("quantity", 1)
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        return None
    price = item.get("price")
    try:
        unit_price = Decimal(str(price)) if price is not None else None
    except ArithmeticError:
        return None
    if unit_price is not None and not unit_price.is_finite():
        return None
    return {
        "sku": item.get("sku") or item.get("id"),
        "product_id": item.get("id"),
        "title": item.get("name"),
        "quantity": quantity,
        "unit_price": unit_price,
    }
