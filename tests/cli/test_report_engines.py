"""`mercato warehouse export` and `mercato report --engine spark`: the same report from Spark
over the Parquet export as from DuckDB, and clear messages for bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from mercato.cli.main import app
from mercato.core.errors import MercatoError
from mercato.runtime import Services
from mercato.warehouse.lake import LakeError, open_spark, table_path
from mercato.warehouse.loader import load
from mercato.warehouse.schemas import TABLES
from tests.conftest import make_settings
from tests.metrics import fixture
from tests.metrics.test_surfaces import RANGE, load_fixture_rows, seed
from tests.support.brands import make_brand
from tests.support.engines import Engines

REPORT = ("report", "--workspace", "kpibrand", "--from", RANGE["start"], "--to", RANGE["end"])
CUT = ("--by", "platform", "--compare", "previous", "--format", "json")


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir with the KPI fixture's rows: its workspace as `kpibrand`, the other
    tenant's rows as `otherbrand`."""
    data = tmp_path_factory.mktemp("engines-cli") / "data"
    services = Services.open(make_settings(data), upgrade=True)
    seed(services, make_brand(services, "kpibrand"))
    other = make_brand(services, "otherbrand")
    load_fixture_rows(services, fixture.OTHER, other.workspace_id)
    services.close()
    return data


@pytest.fixture
def data_dir(seeded: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    data = seeded
    monkeypatch.setenv("MERCATO_DATA_DIR", str(data))
    monkeypatch.setenv("MERCATO_SECRET_KEY", "k" * 40)
    return data


def mercato(*args: str | Path) -> tuple[int, str]:
    result = CliRunner().invoke(app, [str(arg) for arg in args])
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def _flat(text: str) -> str:
    """Text without Rich's boxes and line wrapping."""
    return " ".join(text.replace("│", " ").split())


def test_export_prints_rows_per_table(data_dir: Path, tmp_path: Path) -> None:
    code, output = mercato("warehouse", "export", tmp_path / "lake", "--workspace", "kpibrand")
    assert code == 0, output
    for name in TABLES:
        assert name in output
    orders = pq.read_metadata(table_path(tmp_path / "lake", "orders")).num_rows
    assert orders > 0
    assert f"orders {orders} " in _flat(output)
    code, output = mercato("warehouse", "export", tmp_path / "other", "--workspace", "otherbrand")
    assert code == 0, output
    assert pq.read_metadata(table_path(tmp_path / "other", "orders")).num_rows == 1
    code, output = mercato("warehouse", "export", tmp_path / "all")
    assert code == 0, output
    assert pq.read_metadata(table_path(tmp_path / "all", "orders")).num_rows == orders + 1
    code, output = mercato("warehouse", "export", tmp_path / "x", "--workspace", "nope")
    assert code == 2
    assert "no workspace 'nope'" in output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--engine", "spark"), "--engine spark reads a Parquet export: add --lake DIR"),
        (("--engine", "oracle"), "'oracle' is not one of 'duckdb', 'spark'"),
        (("--lake", "somewhere"), "--lake and --spark-master are for --engine spark"),
        (("--engine", "spark", "--lake", "nowhere"), "lake nowhere does not exist"),
    ],
)
def test_bad_engine_options_are_a_message(
    data_dir: Path, args: tuple[str, ...], message: str
) -> None:
    code, output = mercato(*REPORT, *args)
    assert code == 2
    assert message in _flat(output)


def test_lake_without_a_table_names_the_file(data_dir: Path, tmp_path: Path) -> None:
    assert mercato("warehouse", "export", tmp_path / "lake")[0] == 0
    table_path(tmp_path / "lake", "sessions").unlink()
    code, output = mercato(*REPORT, "--engine", "spark", "--lake", tmp_path / "lake")
    assert code == 2
    assert "lake/sessions.parquet: re-export it" in output.replace("\n", "")


def test_lake_of_another_workspace_is_refused(data_dir: Path, tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    assert mercato("warehouse", "export", lake, "--workspace", "otherbrand")[0] == 0
    code, output = mercato(*REPORT, "--engine", "spark", "--lake", lake)
    assert code == 2
    assert "holds only workspace" in _flat(output)


@pytest.mark.spark
@pytest.mark.slow
def test_spark_report_over_the_export_equals_the_duckdb_report(
    data_dir: Path, tmp_path: Path, engines: Engines
) -> None:
    running = engines.spark()  # the run's one session: the CLI must use it and leave it running
    # Both tenants exported: the Spark report must apply the tenant filter itself.
    assert mercato("warehouse", "export", tmp_path / "lake")[0] == 0
    code, on_duckdb = mercato(*REPORT, *CUT)
    assert code == 0, on_duckdb
    code, on_spark = mercato(*REPORT, *CUT, "--engine", "spark", "--lake", tmp_path / "lake")
    assert code == 0, on_spark
    rows = json.loads(on_duckdb)
    assert {row["platform"] for row in rows if row["kpi"] == "views"} >= {"facebook", "tiktok"}
    assert any(row["delta_relative"] is not None for row in rows)
    assert on_spark == on_duckdb
    assert running.range(3).count() == 3


@pytest.mark.spark
@pytest.mark.slow
def test_spark_lake_is_for_reports_only(data_dir: Path, tmp_path: Path, engines: Engines) -> None:
    running = engines.spark()
    assert mercato("warehouse", "export", tmp_path / "lake", "--workspace", "kpibrand")[0] == 0
    lake = open_spark(tmp_path / "lake")
    assert not lake.owns_session
    kpis = fixture.build()
    with pytest.raises(MercatoError, match="read-only spark warehouse"):
        load(lake, "orders", kpis["orders"])
    with pytest.raises(LakeError, match="holds only workspace"):
        lake.for_workspace("ws_someone_else")
    lake.close()
    assert running.range(2).count() == 2  # a session it did not start is left running
