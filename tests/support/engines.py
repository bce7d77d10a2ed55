"""Load a dataset (pyarrow tables by warehouse table name) into each engine Mercato runs on.

Two ways in, both with one (engine, dataset) pair loaded once and reused by every test:

`Engines.load` (the KPI suite: a warehouse plus, for ClickHouse, an executor):
- DuckDB: an in-memory warehouse, loaded through Mercato's own loader.
- Spark: ONE SparkSession per test run (starting one costs ~10 s); each dataset gets its own
  `newSession()`, which shares the JVM and context but has its own temporary views.
- ClickHouse: expressions are built against the dataset's DuckDB warehouse, compiled to
  ClickHouse SQL by Ibis and run on chDB. chDB embeds one server per process, so each dataset is
  a database in it, read through its own session whose default database is that one.

`Engines.warehouse` (every other analysis: journeys, attribution, traffic, UGC, curation) goes
through the product's own readers of the live lake: the dataset is loaded into DuckDB, written
as a Hive-partitioned lake by `LiveLake.sync_all` (as `compact-lake --sync` does), and read by
`lake.open_spark` (in the run's one SparkSession) and `clickhouse_lake.open_clickhouse`.

Every dataset holds every warehouse table (empty where the dataset has none), so any report
can run on it.

Where an engine cannot compute something, mark the test `@pytest.mark.notimpl(["spark"],
reason=...)` (Mercato has not built it there), `notyet` (the engine cannot yet) or `never` (it
never will): the engine's case then must fail (strict xfail), and a marker without a reason
fails collection (tests/support/engine_markers.py). Never skip an engine's case.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ibis
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from mercato.metrics.evaluate import Executor
from mercato.warehouse.clickhouse_lake import chdb_session, open_clickhouse
from mercato.warehouse.connection import ScopedWarehouse, Warehouse
from mercato.warehouse.lake import open_spark
from mercato.warehouse.live_lake import LiveLake
from mercato.warehouse.loader import load
from mercato.warehouse.schemas import TABLES

Dataset = Mapping[str, pa.Table]

# Settings a ClickHouse server needs for Mercato's SQL (see docs/metrics.md, Engines).
CLICKHOUSE_SETTINGS = {"join_use_nulls": 1, "session_timezone": "'UTC'"}

# Spark tuned for kilobytes of test data, where fixed per-query costs dominate. None of these
# changes what a query computes.
SPARK_CONFIG = {
    "spark.sql.shuffle.partitions": "1",
    "spark.default.parallelism": "1",
    "spark.ui.enabled": "false",
    "spark.sql.session.timeZone": "UTC",
    "spark.driver.memory": "1g",
    # Adaptive execution re-plans after every shuffle stage: pure overhead on tiny inputs.
    "spark.sql.adaptive.enabled": "false",
    # Generating and compiling Java for every query took ~40% of a full KPI evaluation here
    # and only pays off on large data; Spark's interpreted expressions compute the same values.
    "spark.sql.codegen.wholeStage": "false",
    "spark.sql.codegen.factoryMode": "NO_CODEGEN",
    # A short-lived JVM spends more CPU in the C2 compiler than C2 code gives back.
    "spark.driver.extraJavaOptions": "-XX:TieredStopAtLevel=1",
}

# Parametrise an engine-dependent fixture with these (Spark tests carry the spark marker).
ENGINES = [
    "duckdb",
    pytest.param("spark", marks=[pytest.mark.spark, pytest.mark.slow]),
    "clickhouse",
]


@dataclass(frozen=True)
class Engine:
    name: str
    warehouse: Warehouse
    executor: Executor | None = None  # None: the warehouse's own backend runs the expression

    def scoped(self, workspace: str) -> ScopedWarehouse:
        return self.warehouse.for_workspace(workspace)


def _full(tables: Dataset) -> dict[str, pa.Table]:
    """Every warehouse table, in its declared schema; empty where the dataset has none."""
    found = {}
    for name, spec in TABLES.items():
        schema = spec.schema.to_pyarrow()
        table = tables.get(name)
        found[name] = (
            schema.empty_table() if table is None else table.select(schema.names).cast(schema)
        )
    return found


class Engines:
    """The engines of one test run, each dataset loaded once per engine."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._loaded: dict[tuple[str, str], Engine] = {}
        self._datasets: dict[str, dict[str, pa.Table]] = {}
        self._spark: Any = None
        self._chdb_sessions: list[Any] = []

    def warehouse(self, engine: str, dataset: str, tables: Dataset) -> Warehouse:
        """`tables` as `dataset` on `engine`, read as the product reads it: DuckDB's own
        warehouse, or the dataset's live lake on Spark or ClickHouse (chDB)."""
        duckdb = self.load("duckdb", dataset, tables).warehouse
        if engine == "duckdb":
            return duckdb
        key = (f"lake-{engine}", dataset)
        if key not in self._loaded:
            lake = self._lake(dataset, duckdb)
            if engine == "spark":
                self.spark()  # the run's session, with the settings for tiny data
                found: Warehouse = open_spark(lake)
            else:
                pytest.importorskip("chdb", reason="the [clickhouse] extra is not installed")
                found = open_clickhouse(lake, str(self.folder / "chdb"))
            self._loaded[key] = Engine(engine, found)
        return self._loaded[key].warehouse

    def _lake(self, dataset: str, warehouse: Warehouse) -> Path:
        folder = self.folder / f"lake-{dataset}"
        if not folder.is_dir():
            LiveLake(str(folder)).sync_all(warehouse, "sync-tests")
        return folder

    def load(self, engine: str, dataset: str, tables: Dataset) -> Engine:
        """`tables` as `dataset` on `engine` ("duckdb", "spark" or "clickhouse")."""
        full = _full(tables)
        known = self._datasets.setdefault(dataset, full)
        if any(not known[name].equals(table) for name, table in full.items()):
            raise ValueError(f"dataset {dataset!r} was loaded before with other tables")
        key = (engine, dataset)
        if key not in self._loaded:
            if engine == "duckdb":
                self._loaded[key] = Engine(engine, self._duckdb(full))
            elif engine == "spark":
                self._loaded[key] = Engine(engine, self._spark_warehouse(full))
            else:
                catalog = self.load("duckdb", dataset, tables).warehouse
                self._loaded[key] = Engine(engine, catalog, self._chdb(dataset, full))
        return self._loaded[key]

    def _duckdb(self, tables: Dataset) -> Warehouse:
        warehouse = Warehouse.open_duckdb(":memory:")  # creates every table
        for name, table in tables.items():
            if table.num_rows:
                load(warehouse, name, table)
        return warehouse

    def spark(self) -> Any:
        """The run's one SparkSession, started on first use."""
        if self._spark is None:
            pytest.importorskip("pyspark", reason="the [spark] extra is not installed")
            from pyspark.sql import SparkSession

            builder = SparkSession.builder.master("local[1]").appName("mercato-kpi-tests")
            for key, value in SPARK_CONFIG.items():
                builder = builder.config(key, value)
            warehouse_dir = str(self.folder / "spark-warehouse")
            self._spark = builder.config("spark.sql.warehouse.dir", warehouse_dir).getOrCreate()
            self._spark.sparkContext.setLogLevel("ERROR")
        return self._spark

    def _spark_warehouse(self, tables: Dataset) -> Warehouse:
        from ibis.backends.pyspark.datatypes import PySparkSchema

        session = self.spark().newSession()  # own temporary views, same JVM
        for name, table in tables.items():
            schema = PySparkSchema.from_ibis(TABLES[name].schema)
            # From Arrow the rows land in the JVM as a local relation: no Python round trip
            # per scan, so there is nothing to cache.
            session.createDataFrame(table, schema=schema).createOrReplaceTempView(name)
        return Warehouse(ibis.pyspark.connect(session), "spark")

    def _chdb(self, dataset: str, tables: Dataset) -> Executor:
        pytest.importorskip("chdb", reason="the [clickhouse] extra is not installed")
        db = chdb_session(str(self.folder / "chdb"))  # the process's one chDB server
        self._chdb_sessions.append(db)
        db.query(f"CREATE DATABASE {dataset}")
        for name, table in tables.items():
            path = self.folder / f"{dataset}-{name}.parquet"
            pq.write_table(table, path)
            db.query(
                f"CREATE TABLE {dataset}.{name} ENGINE = Memory "
                f"AS SELECT * FROM file('{path}', Parquet)"
            )
        db.query(f"USE {dataset}")  # the compiled SQL names tables without a database
        settings = ", ".join(f"{k} = {v}" for k, v in CLICKHOUSE_SETTINGS.items())

        def execute(expr: Any) -> Any:
            sql = f"{ibis.to_sql(expr, dialect='clickhouse')}\nSETTINGS {settings}"
            return db.query(sql, "DataFrame")

        return execute

    def close(self) -> None:
        for key, engine in self._loaded.items():
            # The ClickHouse executor reads its dataset's DuckDB warehouse (closed once, as
            # DuckDB's); the lake on Spark leaves the run's session running.
            if key[0] == "duckdb" or key[0].startswith("lake-"):
                engine.warehouse.close()
        self._loaded.clear()
        for db in self._chdb_sessions:
            db.close()
        if self._spark is not None:
            self._spark.stop()
