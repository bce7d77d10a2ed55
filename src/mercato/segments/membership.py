"""A segment definition compiled to one Ibis expression: the member visitors.

Every leaf of the tree becomes a 0/1 column of a per-visitor table built by the engine from
the tenant's `sessions` (session traits, returning, leads, purchases), `events` (viewed and
carted products) and `orders` (value tier, purchases); the tree combines those columns. The
visitors are the ones with at least one session. Nothing is evaluated in Python, so the same
expression runs on DuckDB, Spark and ClickHouse.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import reduce

import ibis
import ibis.expr.types as ir

from mercato.metrics.sources import Tables
from mercato.segments.definition import (
    INTEREST_EVENTS,
    TRAIT_COLUMNS,
    AndNode,
    Flag,
    FlagRule,
    InterestRule,
    Leaf,
    Node,
    NotNode,
    OrNode,
    SessionScope,
    TierRule,
    TraitRule,
    leaves,
)

RECENT_DAYS, LAPSING_DAYS = 30, 90


@dataclass(frozen=True)
class Context:
    """What a definition needs besides the data: the evaluation time (recency of the value
    tier) and the products of each catalog category (product interest)."""

    as_of: datetime
    category_products: Mapping[str, tuple[str, ...]]


def _flag(value: ir.BooleanValue) -> ir.IntegerValue:
    return value.fill_null(False).ifelse(1, 0)


def _session_leaf(s: ir.Table, leaf: TraitRule) -> ir.IntegerValue:
    matches = s[TRAIT_COLUMNS[leaf.trait]].isin(list(leaf.values))
    if leaf.session is SessionScope.FIRST:
        matches = s._first & matches
    elif leaf.session is SessionScope.CURRENT:
        matches = s._current & matches
    return _flag(matches).max()


def _session_features(tables: Tables, numbered: list[tuple[int, Leaf]]) -> ir.Table:
    s = tables.table("sessions")
    s = s.filter(s.visitor_id.notnull())
    ascending = ibis.window(group_by=s.visitor_id, order_by=[s.started_at, s.session_id])
    descending = ibis.window(
        group_by=s.visitor_id, order_by=[s.started_at.desc(), s.session_id.desc()]
    )
    s = s.mutate(
        _first=ibis.row_number().over(ascending) == 0,
        _current=ibis.row_number().over(descending) == 0,
    )
    metrics: dict[str, ir.Value] = {
        "_sessions": s.count(),
        "_max_number": s.session_number.max(),
        "_session_orders": _flag(s.orders > 0).max(),
        "_session_leads": _flag(s.leads > 0).max(),
    }
    for index, leaf in numbered:
        if isinstance(leaf, TraitRule):
            metrics[f"_r{index}"] = _session_leaf(s, leaf)
    return s.group_by("visitor_id").aggregate(**metrics)


def _products(leaf: InterestRule, context: Context) -> list[str]:
    found = set(leaf.products)
    for category in leaf.categories:
        found.update(context.category_products.get(category, ()))
    return sorted(found)


def _interest_features(
    tables: Tables, numbered: list[tuple[int, InterestRule]], context: Context
) -> ir.Table:
    e = tables.table("events")
    names = sorted({INTEREST_EVENTS[leaf.interest] for _, leaf in numbered})
    e = e.filter(e.name.isin(names) & e.visitor_id.notnull() & e.product_ids.notnull())
    lines = e.select(e.visitor_id, e.name, product=e.product_ids.unnest())
    metrics: dict[str, ir.Value] = {}
    for index, leaf in numbered:
        products = _products(leaf, context)
        if not products:  # a category without products: nobody showed that interest
            metrics[f"_r{index}"] = lines.count(where=ibis.literal(False))
            continue
        wanted = (lines.name == INTEREST_EVENTS[leaf.interest]) & lines.product.isin(products)
        metrics[f"_r{index}"] = _flag(wanted).max()
    return lines.group_by("visitor_id").aggregate(**metrics)


def _order_features(tables: Tables) -> ir.Table:
    """Per visitor: orders, last order time, net spend; an order without a visitor id is the
    visitor's of the session it was placed in."""
    o = tables.table("orders")
    s = tables.table("sessions").select(_sid="session_id", _svisitor="visitor_id")
    joined = o.left_join(s, o.session_id == s._sid)
    rows = joined.select(
        visitor_id=joined.visitor_id.fill_null(joined._svisitor),
        order_id=joined.order_id,
        placed_at=joined.placed_at,
        amount=joined.net.fill_null(joined.gross).cast("float64"),
    )
    rows = rows.filter(rows.visitor_id.notnull())
    return rows.group_by("visitor_id").aggregate(
        _orders=rows.order_id.nunique(),
        _last_order=rows.placed_at.max(),
        _spend=rows.amount.sum(),
    )


def _tier(v: ir.Table, leaf: TierRule, as_of: datetime) -> ir.IntegerValue:
    recent = ibis.literal(as_of - timedelta(days=RECENT_DAYS), type="timestamp")
    lapsing = ibis.literal(as_of - timedelta(days=LAPSING_DAYS), type="timestamp")
    recency = ibis.cases((v._last_order >= recent, 3), (v._last_order >= lapsing, 2), else_=1)
    frequency = ibis.cases((v._orders >= 3, 3), (v._orders >= 2, 2), else_=1)
    spend = v._spend.fill_null(0.0)
    monetary = ibis.cases(
        (spend >= float(leaf.monetary_high), 3), (spend >= float(leaf.monetary_mid), 2), else_=1
    )
    score = recency + frequency + monetary
    tier = ibis.cases((score >= 7, "top"), (score >= 5, "mid"), else_="low")
    return _flag((v._orders > 0) & tier.isin([t.value for t in leaf.tiers]))


def _flag_value(v: ir.Table, leaf: FlagRule, with_orders: bool) -> ir.IntegerValue:
    if leaf.flag is Flag.RETURNING:
        return _flag((v._sessions > 1) | (v._max_number > 1))
    if leaf.flag is Flag.LEAD:
        return v._session_leads
    bought = v._session_orders > 0
    return _flag(bought | (v._orders > 0)) if with_orders else _flag(bought)


def visitor_traits(tables: Tables, node: Node, context: Context) -> ir.Table:
    """One row per visitor with a `_r<i>` 0/1 column per leaf (leaves numbered in order)."""
    numbered = list(enumerate(leaves(node)))
    visitors = _session_features(tables, numbered)
    interests = [(i, leaf) for i, leaf in numbered if isinstance(leaf, InterestRule)]
    if interests:
        found = _interest_features(tables, interests, context)
        visitors = visitors.left_join(found, "visitor_id").select(
            visitors, *[found[f"_r{i}"].fill_null(0).name(f"_r{i}") for i, _ in interests]
        )
    with_orders = any(
        isinstance(leaf, TierRule) or (isinstance(leaf, FlagRule) and leaf.flag is Flag.PURCHASER)
        for _, leaf in numbered
    )
    if with_orders:
        spent = _order_features(tables)
        visitors = visitors.left_join(spent, "visitor_id").select(
            visitors,
            spent._orders.fill_null(0).name("_orders"),
            spent._last_order,
            spent._spend,
        )
    derived: dict[str, ir.Value] = {}
    for index, leaf in numbered:
        if isinstance(leaf, TierRule):
            derived[f"_r{index}"] = _tier(visitors, leaf, context.as_of)
        elif isinstance(leaf, FlagRule):
            derived[f"_r{index}"] = _flag_value(visitors, leaf, with_orders)
    return visitors.mutate(**derived) if derived else visitors


def _condition(table: ir.Table, node: Node, counter: list[int]) -> ir.BooleanValue:
    if isinstance(node, AndNode | OrNode):
        parts = [_condition(table, kid, counter) for kid in node.rules]
        combine = (lambda a, b: a & b) if isinstance(node, AndNode) else (lambda a, b: a | b)
        return reduce(combine, parts)
    if isinstance(node, NotNode):
        return ~_condition(table, node.rule, counter)
    index = counter[0]
    counter[0] += 1
    return table[f"_r{index}"] == 1


def members(tables: Tables, node: Node, context: Context) -> ir.Table:
    """The member visitors of a dynamic definition: one `visitor_id` column, no duplicates."""
    traits = visitor_traits(tables, node, context)
    return traits.filter(_condition(traits, node, [0])).select("visitor_id")


def static_members(tables: Tables, segment_id: str) -> ir.Table:
    """The frozen list of a static segment (visitors who never visited still count)."""
    stored = tables.table("segment_members")
    mine = stored.filter(stored.segment_id == segment_id)
    return mine.select("visitor_id").distinct()
