"""Maintenance primitives: purging one workspace, and the bulk APPEND load mode."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest

from mercato.core.errors import ValidationFailed
from mercato.warehouse.connection import Warehouse
from mercato.warehouse.loader import LoadMode, load


@pytest.fixture
def warehouse(tmp_path: Path) -> Warehouse:
    return Warehouse.open_duckdb(tmp_path / "warehouse.duckdb")


def _orders(workspace: str, ids: list[str]) -> pa.Table:
    return pa.table(
        {
            "workspace_id": [workspace] * len(ids),
            "order_id": ids,
            "placed_at": [datetime(2026, 3, 1, 12)] * len(ids),
            "currency": ["USD"] * len(ids),
            "gross": [Decimal("10.00")] * len(ids),
        }
    )


def _count(warehouse: Warehouse, table: str, workspace: str) -> int:
    stored = warehouse.raw_table(table)
    return int(warehouse.execute(stored.filter(stored.workspace_id == workspace).count()))


def test_purge_deletes_only_that_workspace_in_every_table(warehouse: Warehouse) -> None:
    load(warehouse, "orders", _orders("ws_a", ["1", "2"]))
    load(warehouse, "orders", _orders("ws_b", ["1"]))
    sessions = pa.table({"workspace_id": ["ws_a", "ws_b"], "session_id": ["s1", "s1"]})
    load(warehouse, "sessions", sessions)
    deleted = warehouse.purge_workspace("ws_a")
    assert deleted["orders"] == 2
    assert deleted["sessions"] == 1
    assert deleted["events"] == 0
    assert _count(warehouse, "orders", "ws_a") == 0
    assert _count(warehouse, "orders", "ws_b") == 1
    assert _count(warehouse, "sessions", "ws_b") == 1


def test_purge_treats_the_workspace_id_as_data(warehouse: Warehouse) -> None:
    load(warehouse, "orders", _orders("ws_a", ["1"]))
    warehouse.purge_workspace("x' OR '1'='1")
    assert _count(warehouse, "orders", "ws_a") == 1


def test_append_inserts_without_lookup_and_refuses_repeated_keys(warehouse: Warehouse) -> None:
    result = load(warehouse, "orders", _orders("ws_a", ["1", "2"]), mode=LoadMode.APPEND)
    assert (result.received, result.inserted, result.updated) == (2, 2, 0)
    assert _count(warehouse, "orders", "ws_a") == 2
    with pytest.raises(ValidationFailed, match="repeats a natural key"):
        load(warehouse, "orders", _orders("ws_a", ["3", "3"]), mode=LoadMode.APPEND)
    assert _count(warehouse, "orders", "ws_a") == 2


@pytest.mark.parametrize("mode", list(LoadMode))
def test_loads_release_their_staged_arrow_data(warehouse: Warehouse, mode: LoadMode) -> None:
    """Ibis would keep each memtable registered until exit: memory grew with every load."""
    views = "SELECT count(*) FROM duckdb_views() WHERE NOT internal"
    before = warehouse.backend.con.execute(views).fetchone()
    for batch in range(3):
        load(warehouse, "orders", _orders("ws_a", [f"{batch}-1", f"{batch}-2"]), mode=mode)
    load(warehouse, "orders", _orders("ws_a", ["0-1"]), mode=LoadMode.UPSERT)
    assert warehouse.backend.con.execute(views).fetchone() == before
    assert _count(warehouse, "orders", "ws_a") == 6


def test_append_inside_a_transaction_does_not_hold_loaded_batches(warehouse: Warehouse) -> None:
    """DuckDB keeps a view's Arrow data until COMMIT; APPEND must not stage through views."""
    import gc

    baseline = pa.total_allocated_bytes()
    with warehouse.transaction():
        for batch in range(3):
            ids = [f"{batch}-{n}" for n in range(20_000)]
            load(warehouse, "orders", _orders("ws_a", ids), mode=LoadMode.APPEND)
            gc.collect()
            assert pa.total_allocated_bytes() - baseline < 1_000_000
    assert _count(warehouse, "orders", "ws_a") == 60_000
