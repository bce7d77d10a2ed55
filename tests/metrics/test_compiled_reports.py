"""A repeated report reuses its compiled SQL but always reads the data as it is now."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa

from mercato.metrics.compiler import Slice
from mercato.metrics.evaluate import KpiResult, evaluate
from mercato.warehouse.connection import Warehouse
from mercato.warehouse.loader import load
from tests.metrics.fixture import FIRST, LAST, TIME_ZONE, WORKSPACE, arrow


def _total(results: dict[str, KpiResult], kpi_id: str) -> Any:
    value = results[kpi_id].total
    assert value is not None
    return value.value


def test_a_repeated_report_sees_new_orders(tables: dict[str, pa.Table], tmp_path: Path) -> None:
    warehouse = Warehouse.open_duckdb(tmp_path / "warehouse.duckdb")
    for name, table in tables.items():
        load(warehouse, name, table)
    scoped = warehouse.for_workspace(WORKSPACE)
    by_platform = Slice(FIRST, LAST, TIME_ZONE, dimensions=("platform",))
    total = Slice(FIRST, LAST, TIME_ZONE)
    before = evaluate(scoped, total, ["transactions", "revenue_gross"])
    evaluate(scoped, by_platform, ["transactions"])
    compile_sql, compiled = warehouse.compiled.compile_sql, []

    def counting(expr: Any) -> str:
        compiled.append(expr)
        return compile_sql(expr)

    warehouse.compiled.compile_sql = counting

    placed = datetime(2024, 3, 1, 17)  # noon in New York, inside the window
    extra = {"workspace_id": WORKSPACE, "placed_at": placed, "currency": "USD"}
    rows = [{**extra, "order_id": "late-1", "gross": Decimal("12.34"), "net": Decimal("12.34")}]
    load(warehouse, "orders", arrow("orders", rows))
    after = evaluate(scoped, total, ["transactions", "revenue_gross"])

    assert compiled == []  # the same slice again: nothing compiled
    assert _total(after, "transactions") == _total(before, "transactions") + 1
    assert _total(after, "revenue_gross") == _total(before, "revenue_gross") + Decimal("12.34")

    warehouse.clear_caches()  # compiled afresh, the same numbers
    assert evaluate(scoped, total, ["transactions", "revenue_gross"]) == after
    assert len(compiled) == 1  # both KPIs are measures of one orders query
    warehouse.close()
