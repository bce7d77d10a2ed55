"""A real Spark standalone cluster (a master and two workers on loopback, started from the
installed pyspark's own launch classes): the KPI report over the live lake equals DuckDB's."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from mercato.core.errors import MercatoError
from mercato.warehouse.lake import open_spark
from tests.cli.test_report_engines import CUT, REPORT, mercato, seeded  # noqa: F401

pytestmark = [pytest.mark.spark, pytest.mark.slow, pytest.mark.cluster]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _spark_home() -> tuple[Path, str]:
    """The pip package as SPARK_HOME, and its Scala version: a worker builds its executors'
    class path from `$SPARK_HOME/jars` and needs SPARK_SCALA_VERSION, which a distribution's
    `bin/load-spark-env.sh` would set."""
    import pyspark

    home = Path(pyspark.__file__).parent
    (core,) = (home / "jars").glob("spark-core_*.jar")
    return home, core.name.removeprefix("spark-core_").split("-", 1)[0]


def _launch(cls: str, *args: str, log: Path) -> subprocess.Popen[bytes]:
    home, scala = _spark_home()
    env = {
        **os.environ,
        "SPARK_LOCAL_IP": "127.0.0.1",
        "SPARK_HOME": str(home),
        "SPARK_SCALA_VERSION": scala,
    }
    command = ["java", "-Xmx512m", "-cp", f"{home / 'jars'}/*", cls, *args]
    return subprocess.Popen(command, stdout=log.open("wb"), stderr=subprocess.STDOUT, env=env)


def _wait_for(log: Path, text: str, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while text not in log.read_text(errors="replace"):
        if time.monotonic() > deadline:
            raise AssertionError(f"{text!r} not in {log}:\n{log.read_text()[-2000:]}")
        time.sleep(0.5)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    logs = tmp_path_factory.mktemp("spark-cluster")
    port = _free_port()
    master_url = f"spark://127.0.0.1:{port}"
    started = [
        _launch(
            "org.apache.spark.deploy.master.Master",
            *("--host", "127.0.0.1", "--port", str(port), "--webui-port", "0"),
            log=logs / "master.log",
        )
    ]
    try:
        _wait_for(logs / "master.log", "I have been elected leader")
        for number in (1, 2):
            log = logs / f"worker{number}.log"
            work = logs / f"work{number}"
            args: tuple[str, ...] = ("--host", "127.0.0.1", "--webui-port", "0", "--cores", "1")
            args += ("--memory", "1g", "--work-dir", str(work), master_url)
            started.append(_launch("org.apache.spark.deploy.worker.Worker", *args, log=log))
            _wait_for(log, "Successfully registered with master")
        yield master_url
    finally:
        for process in reversed(started):
            process.terminate()
        for process in started:
            process.wait(timeout=30)


def test_kpi_report_on_the_cluster_over_the_live_lake_equals_duckdb(
    seeded: Path,  # noqa: F811
    cluster: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from pyspark import SparkContext

    assert SparkContext._active_spark_context is None, "run it on its own: pytest -m cluster"
    lake = tmp_path / "lake"
    monkeypatch.setenv("MERCATO_DATA_DIR", str(seeded))
    monkeypatch.setenv("MERCATO_SECRET_KEY", "k" * 40)
    monkeypatch.setenv("MERCATO_LAKE_DIR", str(lake))
    monkeypatch.setenv("PYSPARK_PYTHON", sys.executable)
    monkeypatch.setenv("SPARK_LOCAL_IP", "127.0.0.1")
    code, output = mercato("warehouse", "compact-lake", "--sync")
    assert code == 0, output
    code, status = mercato("warehouse", "lake-status", "--format", "json")
    assert code == 0, status
    tables = {t["table"]: t for t in json.loads(status)["tables"]}
    assert tables["orders"]["rows"] > 0
    assert tables["orders"]["most_files"] == 1
    code, on_duckdb = mercato(*REPORT, *CUT)
    assert code == 0, on_duckdb
    on_cluster = ("--engine", "spark", "--lake", lake, "--spark-master", cluster)
    code, on_spark = mercato(*REPORT, *CUT, *on_cluster)
    assert code == 0, on_spark
    kpis = {row["kpi"] for row in json.loads(on_duckdb)}
    assert {"revenue_gross", "revenue_net", "aov_net", "sessions", "roas"} <= kpis
    assert on_spark == on_duckdb  # every KPI, to the cent
    _plain_spark_reads_what_the_warehouse_holds(cluster, lake, seeded / "warehouse.duckdb")


def _plain_spark_reads_what_the_warehouse_holds(cluster: str, lake: Path, stored: Path) -> None:
    """Spark alone (no Mercato code) over the lake: the same rows and money as the warehouse."""
    from pyspark.sql import SparkSession

    spark = SparkSession.builder.master(cluster).appName("plain-reader").getOrCreate()
    try:
        with duckdb.connect(str(stored), read_only=True) as con:
            for table in ("events", "sessions", "orders"):
                folder = str(lake / table)
                frame = spark.read.option("basePath", folder).parquet(folder)
                keys = sorted(r.row_key for r in frame.select("row_key").collect())
                want = sorted(r for (r,) in con.execute(f"SELECT row_key FROM {table}").fetchall())
                assert keys == want, table
            frame = spark.read.option("basePath", str(lake / "orders")).parquet(
                str(lake / "orders")
            )
            gross = frame.groupBy("workspace_id").sum("gross").collect()
            want_gross = dict(
                con.execute("SELECT workspace_id, sum(gross) FROM orders GROUP BY 1").fetchall()
            )
            assert {r["workspace_id"]: r["sum(gross)"] for r in gross} == want_gross
    finally:
        spark.stop()


def test_spark_connect_is_refused_by_name(tmp_path: Path) -> None:
    with pytest.raises(MercatoError, match=r"sc://127\.0\.0\.1:15002 is a Spark Connect URL"):
        open_spark(tmp_path, "sc://127.0.0.1:15002")
