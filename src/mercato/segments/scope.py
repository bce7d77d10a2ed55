"""A tenant's warehouse narrowed to one segment's visitors, for every report that reads it.

`SegmentedWarehouse` is a `ScopedWarehouse` whose visitor tables (`sessions`, `events`,
`orders`, `order_items`) keep only the segment's members, so the full-funnel report,
traffic, attribution and UGC performance take a segment without knowing about segments.
Tables that are not about visitors (social posts, account metrics, ad spend) are unchanged;
reports say those numbers cannot be cut by a segment (see `metrics.compiler`).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

import ibis.expr.types as ir
import pyarrow as pa

from mercato.warehouse.connection import ScopedWarehouse

MembersFn = Callable[[ScopedWarehouse], ir.Table]
VISITOR_TABLES = frozenset({"sessions", "events", "orders", "order_items"})


class SegmentedWarehouse(ScopedWarehouse):
    """`base` narrowed to the visitors `members(base)` returns (a `visitor_id` column).

    `key` names everything the member expression depends on (segment id, definition digest,
    evaluation day): compiled SQL is reused per key, never across definitions."""

    def __init__(self, base: ScopedWarehouse, members: MembersFn, key: Hashable) -> None:
        super().__init__(base.warehouse, base.workspace_id)
        self.base = base
        self.key = key
        self._members = members
        self._cache: dict[str, ir.Table] = {}

    def members(self) -> ir.Table:
        if "_members" not in self._cache:
            self._cache["_members"] = self._members(self.base)
        return self._cache["_members"]

    def table(self, name: str) -> ir.Table:
        if name not in VISITOR_TABLES:
            return self.base.table(name)
        if name not in self._cache:
            self._cache[name] = self._narrowed(name)
        return self._cache[name]

    def _narrowed(self, name: str) -> ir.Table:
        table = self.base.table(name)
        members = self.members()
        if name in ("sessions", "events"):
            return table.semi_join(members, table.visitor_id == members.visitor_id)
        if name == "orders":
            return self._member_orders(table, members)
        orders = self.table("orders").select(_oid="order_id")
        return table.semi_join(orders, table.order_id == orders._oid)

    def _member_orders(self, orders: ir.Table, members: ir.Table) -> ir.Table:
        """Orders of members: by the order's visitor id, else by the session it was placed in
        (the same rule as the value tier's)."""
        sessions = self.base.table("sessions").select(_sid="session_id", _sv="visitor_id")
        joined = orders.left_join(sessions, orders.session_id == sessions._sid)
        joined = joined.mutate(_who=joined.visitor_id.fill_null(joined._sv))
        kept = joined.semi_join(members, joined._who == members.visitor_id)
        return kept.select(*orders.columns)

    def run_compiled(self, key: Hashable, build: Callable[[], ir.Table]) -> pa.Table:
        return super().run_compiled(("segment", self.key, key), build)
