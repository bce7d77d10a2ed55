"""`warehouse_engine` per workspace, from an empty data dir, through the CLI, the API and the
settings page: spark without a lake is a clear error everywhere (never a DuckDB answer), and
with the lake filled the analyses answer from Spark with DuckDB's numbers."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from typing import Any

import httpx
import pyarrow.compute as pc
import pytest
from typer.testing import CliRunner

from mercato.cli.context import host
from mercato.cli.main import app as cli_app
from mercato.core.scopes import Role
from mercato.runtime import Services
from mercato.warehouse.loader import load
from tests.engines.dataset import OTHER, WORKSPACE, build
from tests.support.brands import PASSWORD, make_brand
from tests.support.engines import Engines
from tests.support.server import csrf_of, login

RANGE = {"from": "2023-05-02", "to": "2023-05-11"}  # attribution's names
DAYS = {"start": RANGE["from"], "end": RANGE["to"]}  # the KPI and traffic APIs' names
KPIS = ["sessions", "transactions", "revenue_gross", "conversion_rate", "roas"]
ENGINE_API = "/api/v1/workspace/warehouse-engine"


@pytest.fixture
def hosted(services: Services) -> Iterator[Services]:
    host(services)
    yield services
    host(None)


def _seed(services: Services, workspace_id: str) -> None:
    """The engine dataset's rows as this workspace's (the other tenant's stay apart)."""
    for name, table in build().items():
        ids = table.column("workspace_id")
        mine = pc.if_else(pc.equal(ids, WORKSPACE), workspace_id, ids)
        index = table.schema.get_field_index("workspace_id")
        load(services.warehouse, name, table.set_column(index, "workspace_id", mine))
    assert workspace_id != OTHER


def cli(*args: str) -> tuple[int, str]:
    done = CliRunner().invoke(cli_app, list(args))
    assert "Traceback" not in done.output
    return done.exit_code, done.output


def _flat(text: str) -> str:
    return " ".join(text.split())


def assert_close(found: Any, expected: Any, where: str = "") -> None:
    """JSON equal; floats to 1e-9 (the attribution credits)."""
    if isinstance(expected, dict):
        assert list(found) == list(expected), where
        for key in expected:
            assert_close(found[key], expected[key], f"{where}.{key}")
    elif isinstance(expected, list):
        assert len(found) == len(expected), where
        for index, (a, b) in enumerate(zip(found, expected, strict=True)):
            assert_close(a, b, f"{where}[{index}]")
    elif isinstance(expected, float):
        assert math.isclose(found, expected, rel_tol=1e-9, abs_tol=1e-9), (where, found)
    else:
        assert found == expected, where


@pytest.mark.spark
@pytest.mark.slow
def test_spark_engine_from_cli_api_and_page(
    hosted: Services, live_server: str, engines: Engines, tmp_path: Any
) -> None:
    services = hosted
    brand = make_brand(services, "engines")
    _seed(services, brand.workspace_id)
    owner = httpx.Client(base_url=live_server, timeout=300)
    login(owner, brand.email(Role.OWNER), PASSWORD)
    viewer = httpx.Client(base_url=live_server, timeout=60)
    login(viewer, brand.email(Role.VIEWER), PASSWORD)
    headers = {"x-csrf-token": csrf_of(owner)}

    assert owner.get(ENGINE_API).json() == {"engine": "duckdb", "ready": True, "problem": None}
    on_duckdb = owner.get("/api/v1/attribution", params={**RANGE, "by": "platform"})
    assert on_duckdb.status_code == 200, on_duckdb.text
    code, shown = cli("settings", "engine", "--workspace", "engines")
    assert code == 0, shown
    assert "warehouse_engine: duckdb" in shown

    # Spark chosen on a server without a lake: said when chosen, and every analysis refuses.
    code, shown = cli("settings", "engine", "--workspace", "engines", "--engine", "Spark")
    assert code == 0, shown
    assert "warehouse_engine: spark" in shown
    assert "not ready" in shown
    assert "set lake_dir (MERCATO_LAKE_DIR)" in _flat(shown)
    state = owner.get(ENGINE_API).json()
    assert state["engine"] == "spark"
    assert state["ready"] is False
    assert "lake_dir" in state["problem"]
    for path, days in (("/api/v1/attribution", RANGE), ("/api/v1/traffic", DAYS),
                       ("/api/v1/kpis", DAYS)):  # fmt: skip
        refused = owner.get(path, params=days)
        assert refused.status_code == 409, (path, refused.text)
        error = refused.json()["error"]
        assert error["code"] == "warehouse_engine_unavailable"
        assert "set lake_dir (MERCATO_LAKE_DIR)" in error["message"]
        assert "--engine duckdb" in error["message"]
    page = owner.get("/traffic", headers={"accept": "text/html"})
    assert page.status_code == 409
    assert "lake_dir" in page.text
    code, shown = cli("attribution", "--workspace", "engines", "--format", "json")
    assert code != 0
    assert "set lake_dir (MERCATO_LAKE_DIR)" in _flat(shown)

    # A lake set but not filled yet: still an error, naming the command that fills it.
    lake = tmp_path / "lake"
    services.settings = services.settings.model_copy(update={"lake_dir": str(lake)})
    assert "compact-lake --sync" in owner.get(ENGINE_API).json()["problem"]
    code, shown = cli("warehouse", "compact-lake", "--sync")
    assert code == 0, shown
    assert owner.get(ENGINE_API).json() == {"engine": "spark", "ready": True, "problem": None}

    # Filled: the analyses answer from Spark over the lake, with DuckDB's numbers.
    engines.spark()  # the test run's one SparkSession, which the server then uses
    parameters = {**RANGE, "by": "platform"}
    on_spark = owner.get("/api/v1/attribution", params=parameters)
    assert on_spark.status_code == 200, on_spark.text
    traffic_spark = owner.get("/api/v1/traffic", params=DAYS).json()
    assert traffic_spark["start"] == DAYS["start"]
    assert traffic_spark["total"]["sessions"] > 50
    kpis = {**DAYS, "kpi": KPIS}
    kpis_spark = owner.get("/api/v1/kpis", params=kpis)
    assert kpis_spark.status_code == 200, kpis_spark.text
    revenue = [row for row in kpis_spark.json()["rows"] if row["kpi"] == "revenue_gross"]
    assert revenue[0]["value"] not in (None, 0, "0", "0.00"), revenue
    code, cli_spark = cli("attribution", "--workspace", "engines", "--from", RANGE["from"],
                          "--to", RANGE["to"], "--by", "ugc", "--format", "json")  # fmt: skip
    assert code == 0, cli_spark
    assert services.spark_lakes._open is not None  # it did read the lake on Spark

    # Back to DuckDB through the settings page (CSRF-checked form), the API compares.
    form = owner.get("/settings/engine")
    assert 'id="engine-current">spark' in form.text
    assert 'id="engine-ready"' in form.text
    assert "data-export" not in form.text  # no table on the page
    wrong = owner.post("/settings/engine", data={"engine": "oracle", "csrf_token": csrf_of(owner)})
    assert wrong.status_code == 422
    assert "&#39;oracle&#39; is not a warehouse engine" in wrong.text
    moved = owner.post("/settings/engine", data={"engine": "duckdb", "csrf_token": csrf_of(owner)})
    assert moved.status_code == 303
    assert owner.get(ENGINE_API).json()["engine"] == "duckdb"
    again = owner.get("/api/v1/attribution", params=parameters).json()
    assert_close(on_spark.json(), again)
    assert_close(again, on_duckdb.json() | {"start": again["start"], "end": again["end"]})
    assert again["conversions"] > 5
    assert_close(traffic_spark, owner.get("/api/v1/traffic", params=DAYS).json())
    assert_close(kpis_spark.json(), owner.get("/api/v1/kpis", params=kpis).json())
    code, cli_duckdb = cli("attribution", "--workspace", "engines", "--from", RANGE["from"],
                           "--to", RANGE["to"], "--by", "ugc", "--format", "json")  # fmt: skip
    assert code == 0, cli_duckdb
    assert_close(json.loads(cli_spark), json.loads(cli_duckdb))

    # Who may choose: an admin; a viewer reads the choice but cannot change it.
    assert viewer.get(ENGINE_API).status_code == 200
    denied = viewer.put(
        ENGINE_API, json={"engine": "spark"}, headers={"x-csrf-token": csrf_of(viewer)}
    )
    assert denied.status_code == 403
    bad = owner.put(ENGINE_API, json={"engine": "hadoop"}, headers=headers)
    assert bad.status_code == 422
    assert bad.json()["error"]["location"] == "engine"
    chosen = owner.put(ENGINE_API, json={"engine": "spark"}, headers=headers)
    assert chosen.json() == {"engine": "spark", "ready": True, "problem": None}
