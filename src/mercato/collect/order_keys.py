"""Tracker purchases whose order id another buyer already holds get their own order id.

The rule and the key live in `warehouse.order_keys` (shared with the shop imports). The
event's order id is rewritten before it is stored, so events, sessions and orders agree;
the id as sent stays in the event's properties (`order_id_sent`).
"""

from __future__ import annotations

import json
from typing import Any

import ibis

from mercato.warehouse.connection import Warehouse
from mercato.warehouse.order_keys import Buyer, claim, kept_apart_id

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
            resolved = claim(row["order_id"], _buyer(row), taken)
            if resolved != row["order_id"]:
                _remember_sent_id(row)
                row["order_id"] = resolved
                kept_apart += 1
    return kept_apart


def _buyer(row: dict[str, Any]) -> Buyer:
    return Buyer(row.get("visitor_id"), row.get("customer_id"), TRACKER)


def _remember_sent_id(row: dict[str, Any]) -> None:
    document = json.loads(row["properties"]) if row.get("properties") else {}
    document["order_id_sent"] = row["order_id"]
    row["properties"] = json.dumps(document, separators=(",", ":"))
