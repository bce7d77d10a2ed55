"""Tracker purchases whose order id another buyer already holds get their own order id.

The rule and the key live in `warehouse.order_keys` (shared with the shop imports). The
event's order id is rewritten before it is stored, so events, sessions and orders agree;
the id as sent stays in the event's properties (`order_id_sent`).
"""

from __future__ import annotations

import json

import ibis

from mercato.warehouse.connection import Warehouse
from mercato.warehouse.order_keys import Buyer, claim, kept_apart_id
from mercato.warehouse.rows import EventRow

TRACKER = "tracker"


def _stored_buyers(warehouse: Warehouse, workspace_id: str, ids: set[str]) -> dict[str, Buyer]:
    orders = warehouse.for_workspace(workspace_id).table("orders")
    wanted = ibis.memtable({"order_id": sorted(ids)}, schema={"order_id": "string"})
    found = orders.semi_join(wanted, "order_id").select(
        "order_id", "visitor_id", "customer_id", "source_system"
    )
    rows = warehouse.backend.to_pyarrow(found).to_pylist()
    return {
        r["order_id"]: Buyer(r["visitor_id"], r["customer_id"], r["source_system"] or "")
        for r in rows
    }


def keep_colliding_orders_apart(warehouse: Warehouse, rows: list[EventRow]) -> int:
    """Give each purchase whose order id another buyer holds its own id; returns how many."""
    purchases = sorted(
        ((sent, r) for r in rows if r["name"] == "purchase" and (sent := r.get("order_id"))),
        key=lambda purchase: (str(purchase[1]["ts"]), purchase[1]["event_id"]),
    )
    kept_apart = 0
    for workspace_id in {r["workspace_id"] for _, r in purchases}:
        mine = [(sent, r) for sent, r in purchases if r["workspace_id"] == workspace_id]
        ids = {sent for sent, _ in mine}
        ids |= {kept_apart_id(sent, _buyer(r)) for sent, r in mine}
        taken = _stored_buyers(warehouse, workspace_id, ids)
        for sent, row in mine:
            resolved = claim(sent, _buyer(row), taken)
            if resolved != sent:
                _remember_sent_id(row, sent)
                row["order_id"] = resolved
                kept_apart += 1
    return kept_apart


def _buyer(row: EventRow) -> Buyer:
    return Buyer(row.get("visitor_id"), row.get("customer_id"), TRACKER)


def _remember_sent_id(row: EventRow, sent: str) -> None:
    properties = row.get("properties")
    document = json.loads(properties) if properties else {}
    document["order_id_sent"] = sent
    row["properties"] = json.dumps(document, separators=(",", ":"))
