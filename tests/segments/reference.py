"""Segment membership computed independently in pandas, trait by trait, from the rules as
docs/segments.md states them."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

import pandas as pd
import pyarrow as pa

from mercato.segments.definition import (
    INTEREST_EVENTS,
    TRAIT_COLUMNS,
    AndNode,
    Flag,
    FlagRule,
    InterestRule,
    Node,
    NotNode,
    OrNode,
    SessionScope,
    TierRule,
    TraitRule,
)


class Reference:
    def __init__(
        self,
        tables: Mapping[str, pa.Table],
        workspace: str,
        as_of: datetime,
        categories: Mapping[str, tuple[str, ...]],
    ) -> None:
        def frame(name: str) -> pd.DataFrame:
            df = tables[name].to_pandas()
            return df[df.workspace_id == workspace]

        sessions = frame("sessions")
        self.sessions = sessions[sessions.visitor_id.notna()]
        self.events = frame("events")
        self.orders = frame("orders")
        self.as_of = as_of
        self.categories = categories
        self.visitors = set(self.sessions.visitor_id)

    def _session_of(self, scope: SessionScope) -> pd.DataFrame:
        ordered = self.sessions.sort_values(["visitor_id", "started_at", "session_id"])
        if scope is SessionScope.FIRST:
            return ordered.groupby("visitor_id").head(1)
        if scope is SessionScope.CURRENT:
            return ordered.groupby("visitor_id").tail(1)
        return ordered

    def _trait(self, rule: TraitRule) -> set[str]:
        rows = self._session_of(rule.session)
        hit = rows[rows[TRAIT_COLUMNS[rule.trait]].isin(rule.values)]
        return set(hit.visitor_id)

    def _order_visitors(self) -> pd.DataFrame:
        by_session = self.sessions.set_index("session_id").visitor_id
        orders = self.orders.copy()
        found = orders.session_id.map(by_session)
        orders["who"] = orders.visitor_id.where(orders.visitor_id.notna(), found)
        return orders[orders.who.notna()]

    def _flag(self, rule: FlagRule) -> set[str]:
        per = self.sessions.groupby("visitor_id")
        if rule.flag is Flag.RETURNING:
            counts = per.size()
            numbers = per.session_number.max()
            return set(counts[(counts > 1) | (numbers > 1)].index)
        if rule.flag is Flag.LEAD:
            return set(self.sessions[self.sessions.leads > 0].visitor_id)
        bought = set(self.sessions[self.sessions.orders > 0].visitor_id)
        return (bought | set(self._order_visitors().who)) & self.visitors

    def _interest(self, rule: InterestRule) -> set[str]:
        products = set(rule.products)
        for category in rule.categories:
            products |= set(self.categories.get(category, ()))
        events = self.events[self.events.name == INTEREST_EVENTS[rule.interest]]
        found = set()
        for visitor, ids in zip(events.visitor_id, events.product_ids, strict=True):
            if ids is not None and products & set(ids):
                found.add(visitor)
        return found & self.visitors

    def _tier(self, rule: TierRule) -> set[str]:
        orders = self._order_visitors()
        found = set()
        for who, rows in orders.groupby("who"):
            last = rows.placed_at.max()
            recency = (
                3
                if last >= self.as_of - timedelta(days=30)
                else (2 if last >= self.as_of - timedelta(days=90) else 1)
            )
            count = rows.order_id.nunique()
            frequency = 3 if count >= 3 else (2 if count == 2 else 1)
            spend = float(rows.net.where(rows.net.notna(), rows.gross).astype(float).sum())
            monetary = (
                3
                if spend >= float(rule.monetary_high)
                else (2 if spend >= float(rule.monetary_mid) else 1)
            )
            score = recency + frequency + monetary
            tier = "top" if score >= 7 else ("mid" if score >= 5 else "low")
            if tier in rule.tiers:
                found.add(str(who))
        return found & self.visitors

    def members(self, node: Node) -> set[str]:
        if isinstance(node, AndNode):
            return set.intersection(*(self.members(kid) for kid in node.rules))
        if isinstance(node, OrNode):
            return set.union(*(self.members(kid) for kid in node.rules))
        if isinstance(node, NotNode):
            return self.visitors - self.members(node.rule)
        if isinstance(node, TraitRule):
            return self._trait(node)
        if isinstance(node, FlagRule):
            return self._flag(node)
        if isinstance(node, InterestRule):
            return self._interest(node)
        assert isinstance(node, TierRule)
        return self._tier(node)
