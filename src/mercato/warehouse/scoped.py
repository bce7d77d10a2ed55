"""The warehouse as one workspace sees it: every table already filtered to the tenant.

Routes and commands hold a `ScopedWarehouse` (from `Warehouse.for_workspace`), never the
connection itself; it answers queries through the connection's lock like any other.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Any

import ibis.expr.types as ir
import pyarrow as pa

if TYPE_CHECKING:
    from mercato.warehouse.connection import Warehouse


class ScopedWarehouse:
    """Tables already filtered to one workspace, so no report can forget the tenant filter."""

    def __init__(self, warehouse: Warehouse, workspace_id: str) -> None:
        self.warehouse = warehouse
        self.workspace_id = workspace_id

    def table(self, name: str) -> ir.Table:
        table = self.warehouse.raw_table(name)
        return table.filter(table.workspace_id == self.workspace_id)

    @property
    def engine(self) -> str:
        """The engine's name (duckdb, pyspark, chdb): for engine-specific messages."""
        return self.warehouse.engine

    def execute(self, expr: ir.Expr) -> Any:
        return self.warehouse.execute(expr)

    def to_arrow(self, expr: ir.Expr) -> pa.Table:
        """The rows of `expr` (built from this view's tables) as Arrow, taking the
        connection's turn like every other query."""
        return self.warehouse.to_arrow(expr)

    def run_compiled(self, key: Hashable, build: Callable[[], ir.Table]) -> pa.Table:
        """`Warehouse.run_compiled` with the workspace added to the key: the SQL carries its
        tenant filter, so one workspace's compiled SQL never serves another."""
        return self.warehouse.run_compiled((self.workspace_id, key), build)
