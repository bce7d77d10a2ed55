"""The Arrow loader: idempotent upserts on natural keys, strict schemas, tenant scoping."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest

from mercato.core.errors import DataDirError, ValidationFailed
from mercato.warehouse.connection import Warehouse
from mercato.warehouse.loader import LoadMode, load
from mercato.warehouse.schemas import TABLES


@pytest.fixture
def warehouse(tmp_path: Path) -> Warehouse:
    return Warehouse.open_duckdb(tmp_path / "warehouse.duckdb")


def _orders(rows: list[tuple[str, str, str]]) -> pa.Table:
    return pa.table(
        {
            "workspace_id": [r[0] for r in rows],
            "order_id": [r[1] for r in rows],
            "placed_at": [datetime(2026, 3, 1, 12)] * len(rows),
            "currency": ["USD"] * len(rows),
            "gross": [Decimal(r[2]) for r in rows],
        }
    )


def _stored(warehouse: Warehouse, table: str) -> list[dict[str, object]]:
    frame = warehouse.execute(warehouse.raw_table(table).order_by("row_key"))
    return frame.to_dict("records")  # type: ignore[no-any-return]


def test_every_table_exists_with_its_schema(warehouse: Warehouse) -> None:
    for name, spec in TABLES.items():
        assert warehouse.raw_table(name).schema() == spec.schema


def test_loading_the_same_batch_twice_changes_nothing(warehouse: Warehouse) -> None:
    batch = _orders([("ws1", "o1", "10.00"), ("ws1", "o2", "5.50")])
    first = load(warehouse, "orders", batch)
    before = _stored(warehouse, "orders")
    second = load(warehouse, "orders", batch)
    assert (first.inserted, first.updated) == (2, 0)
    assert (second.inserted, second.updated) == (0, 2)
    assert _stored(warehouse, "orders") == before
    assert len(before) == 2


def test_upsert_replaces_and_last_duplicate_in_a_batch_wins(warehouse: Warehouse) -> None:
    load(warehouse, "orders", _orders([("ws1", "o1", "10.00")]))
    result = load(warehouse, "orders", _orders([("ws1", "o1", "11.00"), ("ws1", "o1", "12.50")]))
    assert result.dropped_duplicates == 1
    stored = _stored(warehouse, "orders")
    assert [(row["order_id"], row["gross"]) for row in stored] == [("o1", Decimal("12.50"))]


def test_same_natural_key_in_two_workspaces_is_two_rows(warehouse: Warehouse) -> None:
    load(warehouse, "orders", _orders([("ws1", "o1", "1.00"), ("ws2", "o1", "2.00")]))
    scoped = warehouse.for_workspace("ws2")
    frame = scoped.execute(scoped.table("orders").select("order_id", "gross"))
    assert frame.to_dict("records") == [{"order_id": "o1", "gross": Decimal("2.00")}]


def test_insert_new_keeps_the_first_event(warehouse: Warehouse) -> None:
    def event(name: str) -> pa.Table:
        return pa.table(
            {
                "workspace_id": ["ws1"],
                "event_id": ["e1"],
                "ts": [datetime(2026, 1, 1)],
                "name": [name],
            }
        )

    assert load(warehouse, "events", event("pageview"), mode=LoadMode.INSERT_NEW).inserted == 1
    again = load(warehouse, "events", event("changed"), mode=LoadMode.INSERT_NEW)
    assert (again.inserted, again.dropped_duplicates) == (0, 1)
    assert [row["name"] for row in _stored(warehouse, "events")] == ["pageview"]


def test_composite_keys_with_dates(warehouse: Warehouse) -> None:
    batch = pa.table(
        {
            "workspace_id": ["ws1", "ws1"],
            "day": [date(2024, 2, 29), date(2024, 3, 1)],
            "platform": ["instagram", "instagram"],
            "campaign": ["spring", "spring"],
            "ad_set": ["", ""],
            "ad": ["a1", "a1"],
            "currency": ["USD", "USD"],
            "spend": [Decimal("12.34"), Decimal("0.01")],
        }
    )
    load(warehouse, "ad_spend", batch)
    load(warehouse, "ad_spend", batch)
    assert len(_stored(warehouse, "ad_spend")) == 2


def test_unknown_column_is_named(warehouse: Warehouse) -> None:
    batch = _orders([("ws1", "o1", "1.00")]).append_column("colour", pa.array(["red"]))
    with pytest.raises(ValidationFailed, match="colour"):
        load(warehouse, "orders", batch)


def test_missing_key_is_named(warehouse: Warehouse) -> None:
    batch = pa.table({"workspace_id": ["ws1"], "order_id": pa.array([None], pa.string())})
    with pytest.raises(ValidationFailed) as caught:
        load(warehouse, "orders", batch)
    assert caught.value.location == "order_id"


def test_uncastable_value_is_named(warehouse: Warehouse) -> None:
    batch = pa.table({"workspace_id": ["ws1"], "order_id": ["o1"], "gross": ["ten dollars"]})
    with pytest.raises(ValidationFailed) as caught:
        load(warehouse, "orders", batch)
    assert caught.value.location == "orders.gross"


def _import_two_files(warehouse: Warehouse) -> None:
    with warehouse.transaction():
        load(warehouse, "orders", _orders([("ws1", "o1", "1.00")]))
        load(warehouse, "orders", _orders([("ws1", None, "2.00")]))  # type: ignore[list-item]


def test_transaction_rolls_back_every_table(warehouse: Warehouse) -> None:
    with pytest.raises(ValidationFailed):
        _import_two_files(warehouse)
    assert _stored(warehouse, "orders") == []


def test_corrupted_warehouse_file_gives_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "warehouse.duckdb"
    path.write_bytes(b"this is not a duckdb file" * 100)
    with pytest.raises(DataDirError, match="cannot be opened"):
        Warehouse.open_duckdb(path)


def test_columns_added_by_a_newer_schema_appear(tmp_path: Path) -> None:
    path = tmp_path / "warehouse.duckdb"
    Warehouse.open_duckdb(path).close()
    old = Warehouse.open_duckdb(path)
    old.backend.raw_sql('ALTER TABLE "orders" DROP COLUMN "landing_site"')
    old.close()
    reopened = Warehouse.open_duckdb(path)
    assert reopened.raw_table("orders").schema()["landing_site"].is_string()
