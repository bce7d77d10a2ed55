"""The Parquet lake: a faithful, atomic export of the warehouse, and clear refusals."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import ibis
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from mercato.core.errors import MercatoError
from mercato.warehouse import lake
from mercato.warehouse.connection import Warehouse
from mercato.warehouse.lake import MANIFEST, LakeError, export_lake, open_spark, table_path
from mercato.warehouse.loader import load
from mercato.warehouse.schemas import TABLES
from tests.metrics import fixture


@pytest.fixture(scope="module")
def stored() -> dict[str, pa.Table]:
    return fixture.build()  # two workspaces: fixture.WORKSPACE and fixture.OTHER


@pytest.fixture
def warehouse(stored: dict[str, pa.Table]) -> Warehouse:
    opened = Warehouse.open_duckdb(":memory:")
    for name, table in stored.items():
        load(opened, name, table)
    return opened


def _sorted(table: pa.Table) -> pa.Table:
    return table.sort_by("row_key")


def test_export_writes_every_table_as_stored(warehouse: Warehouse, tmp_path: Path) -> None:
    written = export_lake(warehouse, tmp_path / "lake")
    assert set(written.rows) == set(TABLES)
    for name in TABLES:
        stored = warehouse.raw_table(name).to_pyarrow()
        exported = pq.read_table(table_path(tmp_path / "lake", name))
        assert written.rows[name] == stored.num_rows == exported.num_rows
        assert _sorted(exported).equals(_sorted(stored)), name
    assert written.rows["orders"] > 0
    assert written.rows["social_post_metrics"] > 0


def test_export_of_one_workspace_holds_only_its_rows(
    warehouse: Warehouse, stored: dict[str, pa.Table], tmp_path: Path
) -> None:
    written = export_lake(warehouse, tmp_path / "lake", fixture.WORKSPACE)
    for name, table in stored.items():
        exported = pq.read_table(table_path(tmp_path / "lake", name))
        mine = table.filter(pc.equal(table["workspace_id"], fixture.WORKSPACE))
        assert exported.num_rows == written.rows[name] == mine.num_rows, name
        assert set(exported["workspace_id"].to_pylist()) <= {fixture.WORKSPACE}
    assert sum(written.rows.values()) < sum(t.num_rows for t in stored.values())


def test_re_export_replaces_the_old_one_whole(warehouse: Warehouse, tmp_path: Path) -> None:
    target = tmp_path / "lake"
    everything = export_lake(warehouse, target)
    (target / "stale.parquet").write_text("from an older Mercato")
    again = export_lake(warehouse, target, fixture.WORKSPACE)
    assert again.rows["orders"] < everything.rows["orders"]
    assert pq.read_metadata(table_path(target, "orders")).num_rows == again.rows["orders"]
    assert not (target / "stale.parquet").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["lake"]  # no staging folder left behind


def test_failed_export_leaves_the_previous_one_readable(
    warehouse: Warehouse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "lake"
    first = export_lake(warehouse, target)
    real = lake._export_table

    def failing(wh: Warehouse, folder: Path, name: str, workspace_id: str | None) -> int:
        if name == "orders":
            raise OSError("disk full")
        return real(wh, folder, name, workspace_id)

    monkeypatch.setattr(lake, "_export_table", failing)
    with pytest.raises(OSError, match="disk full"):
        export_lake(warehouse, target, fixture.WORKSPACE)
    assert pq.read_metadata(table_path(target, "orders")).num_rows == first.rows["orders"]
    assert [p.name for p in tmp_path.iterdir()] == ["lake"]


def test_export_never_replaces_a_folder_it_did_not_write(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(LakeError, match=MANIFEST):
        export_lake(warehouse, tmp_path)
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_opening_a_missing_lake_or_table_names_it(warehouse: Warehouse, tmp_path: Path) -> None:
    with pytest.raises(LakeError, match=r"does not exist.*mercato warehouse export"):
        open_spark(tmp_path / "nowhere")
    export_lake(warehouse, tmp_path / "lake")
    table_path(tmp_path / "lake", "ad_spend").unlink()
    with pytest.raises(LakeError, match=r"lacks .*ad_spend\.parquet"):
        open_spark(tmp_path / "lake")


def test_a_read_only_warehouse_refuses_writes(stored: dict[str, pa.Table]) -> None:
    reports_only = Warehouse(ibis.duckdb.connect(), "spark", read_only=True)
    refusals: list[Callable[[], object]] = [
        lambda: load(reports_only, "orders", stored["orders"]),
        reports_only.ensure_tables,
        lambda: reports_only.purge_workspace(fixture.WORKSPACE),
        lambda: reports_only.transaction().__enter__(),
    ]
    for refused in refusals:
        with pytest.raises(MercatoError, match="read-only spark warehouse") as caught:
            refused()
        assert caught.value.code == "warehouse_read_only"


def test_spark_without_the_extra_names_it(
    warehouse: Warehouse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    export_lake(warehouse, tmp_path / "lake")
    monkeypatch.setitem(sys.modules, "pyspark", None)  # as if it were not installed
    with pytest.raises(LakeError, match=r"install the \[spark\] extra"):
        open_spark(tmp_path / "lake")
