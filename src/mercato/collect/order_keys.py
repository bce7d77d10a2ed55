"""Colliding order ids: the same id from two different buyers is two orders.

Real shop exports reuse order ids (two stores behind one tracker, a reset counter, a test
order). The orders table stays keyed by `(workspace_id, order_id)` (ADR 0003), so a purchase
whose id is already taken by another buyer is stored under `<id>~<digest of its buyer>`:
both orders keep their revenue, and the same buyer sending the same id again lands on the
same key (re-imports stay idempotent). The id as sent stays in the event's properties.

Two purchases are the same buyer's unless the ids they carry contradict each other: both
carry a customer id and they differ, or (without both customer ids) both carry a visitor id
and they differ. A shop order not yet linked to a visit (no visitor) never collides.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

import ibis

from mercato.warehouse.connection import Warehouse

SEPARATOR = "~"


@dataclass(frozen=True)
class Buyer:
    visitor_id: str | None
    customer_id: str | None

    def same_as(self, other: Buyer) -> bool:
        if self.customer_id and other.customer_id:
            return self.customer_id == other.customer_id
        if self.visitor_id and other.visitor_id:
            return self.visitor_id == other.visitor_id
        return True

    @property
    def key(self) -> str:
        return self.customer_id or self.visitor_id or ""


def kept_apart_id(order_id: str, buyer: Buyer) -> str:
    digest = hashlib.blake2b(buyer.key.encode(), digest_size=4).hexdigest()
    return f"{order_id}{SEPARATOR}{digest}"


def _stored_buyers(warehouse: Warehouse, workspace_id: str, ids: set[str]) -> dict[str, Buyer]:
    orders = warehouse.for_workspace(workspace_id).table("orders")
    wanted = ibis.memtable({"order_id": sorted(ids)}, schema={"order_id": "string"})
    found = orders.semi_join(wanted, "order_id").select("order_id", "visitor_id", "customer_id")
    rows = warehouse.backend.to_pyarrow(found).to_pylist()
    return {r["order_id"]: Buyer(r["visitor_id"], r["customer_id"]) for r in rows}


def _resolve(order_id: str, buyer: Buyer, taken: dict[str, Buyer]) -> str:
    owner = taken.get(order_id)
    if owner is None or owner.same_as(buyer):
        taken.setdefault(order_id, buyer)
        return order_id
    apart = kept_apart_id(order_id, buyer)
    taken.setdefault(apart, buyer)
    return apart


def keep_colliding_orders_apart(warehouse: Warehouse, rows: list[dict[str, Any]]) -> int:
    """Give each purchase whose order id another buyer holds its own id; returns how many."""
    purchases = sorted(
        (r for r in rows if r["name"] == "purchase" and r.get("order_id")),
        key=lambda r: (str(r["ts"]), r["event_id"]),
    )
    kept_apart = 0
    for workspace_id in {r["workspace_id"] for r in purchases}:
        mine = [r for r in purchases if r["workspace_id"] == workspace_id]
        ids = {r["order_id"] for r in mine}
        ids |= {kept_apart_id(r["order_id"], _buyer(r)) for r in mine}
        taken = _stored_buyers(warehouse, workspace_id, ids)
        for row in mine:
            resolved = _resolve(row["order_id"], _buyer(row), taken)
            if resolved != row["order_id"]:
                _remember_sent_id(row)
                row["order_id"] = resolved
                kept_apart += 1
    return kept_apart


def _buyer(row: dict[str, Any]) -> Buyer:
    return Buyer(row.get("visitor_id"), row.get("customer_id"))


def _remember_sent_id(row: dict[str, Any]) -> None:
    document = json.loads(row["properties"]) if row.get("properties") else {}
    document["order_id_sent"] = row["order_id"]
    row["properties"] = json.dumps(document, separators=(",", ":"))
