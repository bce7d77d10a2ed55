"""The live lake: Hive-partitioned Parquet that DuckDB reads without Mercato code and that
equals the warehouse, after a first fill, after batches, replays and upserts."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from mercato.collect.lake_feed import touched
from mercato.warehouse.connection import Warehouse
from mercato.warehouse.live_lake import LiveLake, LiveLakeError, Partition, day_column
from mercato.warehouse.loader import LoadMode, load
from mercato.warehouse.schemas import TABLES
from tests.metrics import fixture


@pytest.fixture(scope="module")
def stored() -> dict[str, pa.Table]:
    return fixture.build()


@pytest.fixture
def warehouse(stored: dict[str, pa.Table]) -> Warehouse:
    opened = Warehouse.open_duckdb(":memory:")
    for name, table in stored.items():
        load(opened, name, table)
    return opened


def read_lake(root: Path, table: str) -> pa.Table:
    """The lake as any DuckDB user reads it: a glob, Hive partitions, no Mercato code."""
    pattern = f"{root}/{table}/**/*.parquet" if table else f"{root}/*.parquet"
    with duckdb.connect() as con:
        return (
            con.execute(f"SELECT * FROM read_parquet('{pattern}', hive_partitioning = true)")
            .arrow()
            .read_all()
        )


def assert_lake_equals_warehouse(root: Path, warehouse: Warehouse, table: str) -> None:
    expected = warehouse.raw_table(table).to_pyarrow()
    got = read_lake(root, table)
    columns = expected.column_names
    with duckdb.connect() as con:
        con.register("expected", expected)
        con.register("got", got.select(columns).cast(expected.schema))
        only_one = con.execute(
            "SELECT count(*) FROM ((SELECT * FROM expected EXCEPT ALL SELECT * FROM got) "
            "UNION ALL (SELECT * FROM got EXCEPT ALL SELECT * FROM expected))"
        ).fetchone()
    assert got.num_rows == expected.num_rows, table
    assert only_one == (0,), table


def assert_partition_equals_warehouse(root: Path, warehouse: Warehouse, where: Partition) -> None:
    table = warehouse.raw_table(where.table)
    column = day_column(TABLES[where.table])
    expected = table.filter(table.workspace_id == where.workspace_id)
    if column is not None:
        expected = expected.filter(expected[column].cast("date") == where.day)
    want = expected.to_pyarrow()
    got = read_lake(root / where.table / where.folder().split("/", 1)[1], "")
    with duckdb.connect() as con:
        con.register("want", want)
        con.register("got", got.select(want.column_names).cast(want.schema))
        only_one = con.execute(
            "SELECT count(*) FROM ((SELECT * FROM want EXCEPT ALL SELECT * FROM got) "
            "UNION ALL (SELECT * FROM got EXCEPT ALL SELECT * FROM want))"
        ).fetchone()
    assert (got.num_rows, only_one) == (want.num_rows, (0,)), where


def test_first_fill_lays_out_every_table_by_workspace_and_day(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    lake = LiveLake(str(tmp_path / "lake"))
    assert lake.sync_all(warehouse, "first") > 0
    for name in TABLES:
        if warehouse.raw_table(name).count().to_pyarrow().as_py():
            assert_lake_equals_warehouse(tmp_path / "lake", warehouse, name)
    day = next((tmp_path / "lake" / "events").glob("workspace_id=*/day=*"))
    assert dt.date.fromisoformat(day.name.removeprefix("day="))
    assert [p.name for p in day.iterdir()] == ["part-first.parquet"]
    assert day_column(TABLES["order_items"]) is None
    assert next((tmp_path / "lake" / "orders").glob("workspace_id=*/day=*/part-*.parquet"))
    assert not list((tmp_path / "lake").rglob(".*.writing"))


def test_syncing_again_or_replaying_writes_nothing_twice(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    lake = LiveLake(str(tmp_path / "lake"))
    some = sorted((p for p in lake.partitions_of(warehouse) if p.table == "events"), key=str)[:4]
    lake.sync(warehouse, some, "000000000001-000000000000")
    files = sorted(p.name for p in (tmp_path / "lake").rglob("*.parquet"))
    assert lake.sync(warehouse, some, "000000000001-000000000000") == 0  # a replay
    assert lake.sync(warehouse, some, "000000000002-000000000000") == 0
    assert sorted(p.name for p in (tmp_path / "lake").rglob("*.parquet")) == files
    held = read_lake(tmp_path / "lake", "events")
    assert held.num_rows == pc.count_distinct(held["row_key"]).as_py() > 0


def _more_events(warehouse: Warehouse, count: int, tag: str) -> list[Partition]:
    events = warehouse.raw_table("events").to_pyarrow().slice(0, count).drop_columns(["row_key"])
    fresh = events.set_column(
        events.schema.get_field_index("event_id"),
        "event_id",
        pc.binary_join_element_wise(events["event_id"], pa.scalar(tag), "-"),
    )
    load(warehouse, "events", fresh, mode=LoadMode.INSERT_NEW)
    return [Partition("events", row["workspace_id"], row["ts"].date()) for row in fresh.to_pylist()]


def test_a_batch_adds_one_file_and_compaction_keeps_the_count_bounded(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    lake = LiveLake(str(tmp_path / "lake"), max_files=3)
    target = _more_events(warehouse, 1, "a")[0]
    lake.sync(warehouse, [target], "b0")
    folder = tmp_path / "lake" / target.folder()
    before = len(list(folder.glob("*.parquet")))
    for batch in range(1, 6):
        assert lake.sync(warehouse, _more_events(warehouse, 1, f"n{batch}"), f"b{batch}") >= 1
        assert len(list(folder.glob("*.parquet"))) <= 3
        assert_partition_equals_warehouse(tmp_path / "lake", warehouse, target)
    assert before >= 1
    assert max(s.most_files for s in lake.status()) <= 3


def test_compact_lake_leaves_one_file_per_partition_and_the_same_rows(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    lake = LiveLake(str(tmp_path / "lake"), max_files=100)
    where = set()
    for batch in range(1, 4):
        touched_now = _more_events(warehouse, 3, f"c{batch}")
        lake.sync(warehouse, touched_now, f"b{batch}")
        where.update(touched_now)
    assert max(s.most_files for s in lake.status()) > 1
    rows = sum(s.rows for s in lake.status())
    assert lake.compact() > 0
    assert {s.most_files for s in lake.status() if s.files} == {1}
    assert sum(s.rows for s in lake.status()) == rows
    for partition in where:
        assert_partition_equals_warehouse(tmp_path / "lake", warehouse, partition)


def test_an_upserted_row_replaces_its_stale_copy(warehouse: Warehouse, tmp_path: Path) -> None:
    lake = LiveLake(str(tmp_path / "lake"))
    sessions = warehouse.raw_table("sessions").to_pyarrow().slice(0, 1)
    changed = sessions.set_column(
        sessions.schema.get_field_index("pageviews"), "pageviews", pa.array([999], pa.int64())
    ).drop_columns(["row_key"])
    row = changed.to_pylist()[0]
    where = Partition("sessions", row["workspace_id"], row["started_at"].date())
    lake.sync(warehouse, [where], "b0")
    load(warehouse, "sessions", changed, mode=LoadMode.UPSERT)
    lake.sync(warehouse, [where], "b1")
    assert_partition_equals_warehouse(tmp_path / "lake", warehouse, where)
    assert 999 in read_lake(tmp_path / "lake", "sessions")["pageviews"].to_pylist()


def test_a_batch_touches_its_days_and_the_day_before_for_sessions() -> None:
    rows: list[dict[str, Any]] = [
        {
            "workspace_id": "w",
            "ts": dt.datetime(2020, 1, 2, 0, 5),
            "name": "purchase",
            "order_id": "o1",
        },
        {"workspace_id": "w", "ts": "2020-01-02T23:59:00+01:00", "name": "pageview"},
        {"wal_record": "not an event"},
    ]
    found = touched(rows)
    assert Partition("events", "w", dt.date(2020, 1, 2)) in found
    assert Partition("sessions", "w", dt.date(2020, 1, 1)) in found
    assert Partition("orders", "w", dt.date(2020, 1, 2)) in found
    assert Partition("order_items", "w", None) in found
    assert len({p for p in found if p.table == "events"}) == 1


def test_an_object_store_url_without_its_driver_is_refused() -> None:
    with pytest.raises(LiveLakeError, match="lake_dir nosuch://bucket/lake"):
        LiveLake("nosuch://bucket/lake")
