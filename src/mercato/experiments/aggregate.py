"""Per-visitor facts of an experiment, from the warehouse (Ibis on the ScopedWarehouse).

A unit enters at its first exposure. Everything counted is the unit's own, after that moment
(pre-period facts: the 28 days before it, for CUPED). Orders come from the `orders` table and,
for shops without an order connector, from tracker `purchase` events whose order is not there;
either way one order counts once. Units with no activity are kept with zeros: the analysis
unit is the exposed visitor, never the event.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ibis
import ibis.expr.types as ir
import pandas as pd

from mercato.experiments.schemas import EXPOSURE
from mercato.warehouse.connection import ScopedWarehouse

Executor = Callable[[ir.Table], Any]
PRE_PERIOD_DAYS = 28
BOUNCE_WINDOW_MINUTES = 30
CLICKS = ("ugc_click", "product_click")
COLUMNS = [
    "visitor_id",
    "variant",
    "identity_mode",
    "exposed_at",
    "activated",
    "views",
    "clicks",
    "add_to_carts",
    "later_pageviews",
    "orders",
    "revenue",
    "pre_orders",
    "pre_revenue",
    "pre_add_to_carts",
]


def _units(events: ir.Table, experiment_id: str) -> ir.Table:
    exposed = events.filter((events.name == EXPOSURE) & (events.experiment_id == experiment_id))
    return exposed.group_by("visitor_id").aggregate(
        variant=exposed.variant.max(),  # one per unit: assignments are sticky
        identity_mode=exposed.identity_mode.max(),
        exposed_at=exposed.ts.min(),
    )


def _orders(scoped: ScopedWarehouse) -> ir.Table:
    stored = scoped.table("orders")
    stored_orders = stored.select(
        order_id=stored.order_id,
        visitor_id=stored.visitor_id,
        placed_at=stored.placed_at,
        revenue=stored.net.cast("float64"),
    )
    events = scoped.table("events")
    purchases = events.filter((events.name == "purchase") & events.order_id.notnull())
    tracked = purchases.anti_join(stored_orders, purchases.order_id == stored_orders.order_id)
    tracked_orders = tracked.group_by("order_id").aggregate(
        visitor_id=tracked.visitor_id.max(),
        placed_at=tracked.ts.min(),
        revenue=tracked.revenue.cast("float64").max(),
    )
    return stored_orders.union(tracked_orders.select(*stored_orders.columns))


def _event_facts(events: ir.Table, units: ir.Table, gallery_id: str | None) -> ir.Table:
    joined = events.join(units, "visitor_id")
    after = joined.filter(joined.ts >= joined.exposed_at)
    this_gallery = after.gallery_id == gallery_id if gallery_id else after.gallery_id.notnull()
    bounce_end = after.exposed_at + ibis.interval(minutes=BOUNCE_WINDOW_MINUTES)

    def count(condition: ir.BooleanValue) -> ir.IntegerScalar:
        return ibis.ifelse(condition, 1, 0).sum()

    later_view = (
        (after.name == "page_view") & (after.ts > after.exposed_at) & (after.ts <= bounce_end)
    )
    return after.group_by("visitor_id").aggregate(
        views=count((after.name == "gallery_view") & this_gallery),
        clicks=count(after.name.isin(CLICKS) & this_gallery),
        add_to_carts=count(after.name == "add_to_cart"),
        later_pageviews=count(later_view),
    )


def _pre_atc(events: ir.Table, units: ir.Table) -> ir.Table:
    joined = events.join(units, "visitor_id")
    start = joined.exposed_at - ibis.interval(days=PRE_PERIOD_DAYS)
    before = joined.filter(
        (joined.name == "add_to_cart") & (joined.ts < joined.exposed_at) & (joined.ts >= start)
    )
    return before.group_by("visitor_id").aggregate(pre_add_to_carts=before.count())


def _order_facts(orders: ir.Table, units: ir.Table) -> ir.Table:
    joined = orders.join(units, "visitor_id")
    after = joined.placed_at >= joined.exposed_at
    before = (joined.placed_at < joined.exposed_at) & (
        joined.placed_at >= joined.exposed_at - ibis.interval(days=PRE_PERIOD_DAYS)
    )
    return joined.group_by("visitor_id").aggregate(
        orders=ibis.ifelse(after, 1, 0).sum(),
        revenue=ibis.ifelse(after, joined.revenue, 0.0).sum(),
        pre_orders=ibis.ifelse(before, 1, 0).sum(),
        pre_revenue=ibis.ifelse(before, joined.revenue, 0.0).sum(),
    )


def _activations(events: ir.Table, units: ir.Table, experiment_id: str) -> ir.Table:
    """Units whose variant entered the viewport (gallery.js's `gallery_view` naming it)."""
    views = events.filter(
        (events.name == "gallery_view") & events.properties.contains(experiment_id)
    )
    return views.group_by("visitor_id").aggregate(activations=views.count())


def experiment_query(
    scoped: ScopedWarehouse, experiment_id: str, gallery_id: str | None
) -> ir.Table:
    events = scoped.table("events")
    units = _units(events, experiment_id)
    facts = [
        _event_facts(events, units, gallery_id),
        _order_facts(_orders(scoped), units),
        _pre_atc(events, units),
        _activations(events, units, experiment_id),
    ]
    table = units
    for fact in facts:
        table = table.left_join(fact, "visitor_id").drop("visitor_id_right")
    return table


def visitor_facts(
    scoped: ScopedWarehouse,
    experiment_id: str,
    gallery_id: str | None,
    executor: Executor | None = None,
) -> pd.DataFrame:
    """One row per exposed unit, zeros where it did nothing; sorted by visitor id."""
    expr = experiment_query(scoped, experiment_id, gallery_id)
    frame = executor(expr) if executor is not None else scoped.execute(expr)
    frame = pd.DataFrame(frame)
    frame["activated"] = frame["activations"].fillna(0).astype(int) > 0
    numbers = [c for c in COLUMNS[5:] if c != "activated"]
    frame[numbers] = frame[numbers].fillna(0).astype(float)
    return frame[COLUMNS].sort_values("visitor_id").reset_index(drop=True)
