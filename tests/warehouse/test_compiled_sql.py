"""Compiled SQL is reused per key; the rows are always read afresh, and never across tenants."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path

import ibis.expr.types as ir
import pyarrow as pa
import pytest

from mercato.warehouse.connection import CompiledSql, ScopedWarehouse, Warehouse
from mercato.warehouse.loader import load


@pytest.fixture
def warehouse(tmp_path: Path) -> Warehouse:
    return Warehouse.open_duckdb(tmp_path / "warehouse.duckdb")


def _orders(workspace: str, ids: list[str], gross: str = "10.00") -> pa.Table:
    return pa.table(
        {
            "workspace_id": [workspace] * len(ids),
            "order_id": ids,
            "placed_at": [datetime(2026, 3, 1, 12)] * len(ids),
            "currency": ["USD"] * len(ids),
            "gross": [Decimal(gross)] * len(ids),
        }
    )


class CountingBuild:
    """Builds the revenue query of one workspace and counts how often it was asked to."""

    def __init__(self, scoped: ScopedWarehouse) -> None:
        self.scoped = scoped
        self.calls = 0

    def __call__(self) -> ir.Table:
        self.calls += 1
        orders = self.scoped.table("orders")
        return orders.aggregate(orders=orders.count(), gross=orders.gross.sum())


def _row(result: pa.Table) -> dict[str, object]:
    (row,) = result.to_pylist()
    return dict(row)


def test_sql_is_compiled_once_and_rows_are_read_each_time(warehouse: Warehouse) -> None:
    scoped = warehouse.for_workspace("ws_a")
    build = CountingBuild(scoped)
    load(warehouse, "orders", _orders("ws_a", ["1", "2"]))
    assert _row(scoped.run_compiled("revenue", build)) == {"orders": 2, "gross": Decimal("20.00")}

    load(warehouse, "orders", _orders("ws_a", ["3"], "5.50"))
    assert _row(scoped.run_compiled("revenue", build)) == {"orders": 3, "gross": Decimal("25.50")}
    assert build.calls == 1


def test_one_workspace_never_runs_another_workspaces_sql(warehouse: Warehouse) -> None:
    load(warehouse, "orders", _orders("ws_a", ["1", "2"]))
    load(warehouse, "orders", _orders("ws_b", ["9"]))
    for workspace, orders in (("ws_a", 2), ("ws_b", 1)):
        scoped = warehouse.for_workspace(workspace)
        # The same key from both tenants: the workspace is part of the cache key.
        assert _row(scoped.run_compiled("revenue", CountingBuild(scoped)))["orders"] == orders
    assert len(warehouse.compiled) == 2


def test_schema_changes_forget_compiled_sql(warehouse: Warehouse) -> None:
    scoped = warehouse.for_workspace("ws_a")
    build = CountingBuild(scoped)
    scoped.run_compiled("revenue", build)
    warehouse.ensure_tables()
    scoped.run_compiled("revenue", build)
    assert build.calls == 2


def test_least_recently_used_sql_goes_first() -> None:
    compiled = CompiledSql(lambda expr: f"SQL for {expr}", capacity=2)
    built: list[str] = []

    def build(name: str) -> ir.Table:
        built.append(name)
        return name  # type: ignore[return-value]  # the fake compiler takes any object

    compiled.get("a", lambda: build("a"))
    compiled.get("b", lambda: build("b"))
    compiled.get("a", lambda: build("a"))  # a is now the most recent
    compiled.get("c", lambda: build("c"))  # evicts b
    assert compiled.get("a", lambda: build("a")) == "SQL for a"
    compiled.get("b", lambda: build("b"))
    assert built == ["a", "b", "c", "b"]
    assert len(compiled) == 2
