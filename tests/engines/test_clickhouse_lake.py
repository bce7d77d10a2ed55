"""ClickHouse (chDB) over a lake: the export layout, one workspace's export, read-only, typed
rows on every run of compiled SQL, and clear errors for a missing lake."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import ibis.expr.types as ir
import pyarrow as pa
import pytest

from mercato.collect.traffic import traffic
from mercato.core.errors import MercatoError
from mercato.warehouse.clickhouse_lake import open_clickhouse
from mercato.warehouse.lake import LakeError, export_lake
from tests.engines.dataset import DATASET, END, OTHER, START, WORKSPACE, build
from tests.support.engines import Engines


@pytest.fixture(scope="module")
def tables() -> dict[str, pa.Table]:
    return build()


def test_an_exported_workspace_reads_as_on_duckdb_and_no_other(
    engines: Engines, tables: dict[str, pa.Table], tmp_path: Path
) -> None:
    pytest.importorskip("chdb", reason="the [clickhouse] extra is not installed")
    duckdb = engines.warehouse("duckdb", DATASET, tables)
    export_lake(duckdb, tmp_path / "export", WORKSPACE)
    lake = open_clickhouse(tmp_path / "export", str(engines.folder / "chdb"))
    try:
        window = (START + timedelta(days=1), END)
        expected = traffic(duckdb.for_workspace(WORKSPACE), *window)
        assert expected.total.sessions > 50
        assert traffic(lake.for_workspace(WORKSPACE), *window) == expected
        with pytest.raises(LakeError, match=f"holds only workspace {WORKSPACE}'s rows"):
            lake.for_workspace(OTHER)
        with pytest.raises(MercatoError, match="read-only clickhouse warehouse"):
            lake.require_writable("loading rows")
        scoped = lake.for_workspace(WORKSPACE)

        def build_expr() -> ir.Table:
            sessions = scoped.table("sessions")
            return sessions.group_by("channel").aggregate(
                first=sessions.started_at.min(), revenue=sessions.revenue.sum()
            )

        first = scoped.run_compiled("by-channel", build_expr)
        again = scoped.run_compiled("by-channel", build_expr)  # the SQL from the cache
        assert again.schema == first.schema == build_expr().schema().to_pyarrow()
        assert again.sort_by("channel").equals(first.sort_by("channel"))
    finally:
        lake.close()


def test_a_missing_lake_is_named(tmp_path: Path) -> None:
    with pytest.raises(LakeError, match=f"lake {tmp_path / 'nowhere'} does not exist"):
        open_clickhouse(tmp_path / "nowhere")
