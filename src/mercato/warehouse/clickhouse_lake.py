"""ClickHouse (embedded chDB) reading the lake: the same Ibis expressions, as ClickHouse SQL.

Each warehouse table is a view over the lake's files: the live lake's Hive partitions
(`<table>/**/*.parquet` with `use_hive_partitioning = 1`, ADR 0504; `workspace_id` and `day`
come from the path) or an export's `<table>.parquet` (ADR 0503). Every column is cast to the
table's declared type, so a report compiles against `warehouse.schemas.TABLES` and reads the
same types it reads on DuckDB. Tables are unbound Ibis tables: nothing asks chDB for a schema,
and every query is `ibis.to_sql(expr, dialect="clickhouse")` run in a chDB session of its own.

chDB embeds one server per process, on one path: `chdb_session` opens every session on the
process's one path, and each lake gets a database of its own in it.
"""

from __future__ import annotations

import tempfile
import threading
import uuid
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa
from ibis.backends.sql.datatypes import ClickHouseType
from ibis.formats.pandas import PandasData

from mercato.warehouse.connection import ScopedWarehouse, Warehouse
from mercato.warehouse.lake import (
    LIVE_STATE,
    LakeError,
    check_holds,
    exported_workspace,
    table_path,
)
from mercato.warehouse.schemas import TABLES

# What Mercato's SQL needs of a ClickHouse server (docs/metrics.md, Engines): outer joins fill
# missing sides with NULL as SQL does, and naive timestamps are UTC.
SETTINGS = {"join_use_nulls": "1", "session_timezone": "'UTC'"}
PARTITION_COLUMNS = ("workspace_id", "day")

_server_lock = threading.Lock()
_server_path: list[str] = []  # the process's one chDB path, once a session has opened it


def chdb_session(path: str | None = None) -> Any:
    """A new chDB session on the process's embedded server (started on `path`, or a fresh
    temporary folder, the first time)."""
    try:
        from chdb import session as chdb_sessions
    except ImportError:
        raise LakeError(
            "ClickHouse over the lake needs chDB: install the [clickhouse] extra "
            "(pip install 'mercato[clickhouse]')"
        ) from None
    with _server_lock:
        if not _server_path:
            _server_path.append(path or tempfile.mkdtemp(prefix="mercato-chdb-"))
        return chdb_sessions.Session(_server_path[0])  # type: ignore[no-untyped-call]


class _ClickHouseSql:
    """What `Warehouse` needs of a backend: compiling (ClickHouse SQL) and closing."""

    def __init__(self, session: Any) -> None:
        self.session = session

    def compile(self, expr: ir.Expr) -> str:
        return str(ibis.to_sql(expr, dialect="clickhouse"))

    def disconnect(self) -> None:
        self.session.close()


class ClickHouseLakeWarehouse(Warehouse):
    """A read-only warehouse whose queries run on chDB over the lake's Parquet files."""

    def __init__(self, session: Any, database: str, only_workspace: str | None) -> None:
        super().__init__(_ClickHouseSql(session), "clickhouse", read_only=True)
        self.session = session
        self.database = database
        self.only_workspace = only_workspace
        self._schemas: dict[Hashable, pa.Schema] = {}  # per compiled-SQL key
        self._settings = ", ".join(f"{key} = {value}" for key, value in SETTINGS.items())

    def raw_table(self, name: str) -> ir.Table:
        if name not in TABLES:
            raise KeyError(f"unknown warehouse table {name!r}")
        if name not in self._tables:
            self._tables[name] = ibis.table(TABLES[name].schema, name=name)
        return self._tables[name]

    def for_workspace(self, workspace_id: str) -> ScopedWarehouse:
        check_holds(self.only_workspace, workspace_id)
        return super().for_workspace(workspace_id)

    def _arrow(self, sql: str) -> pa.Table:
        with self.lock:
            result = self.session.query(f"{sql}\nSETTINGS {self._settings}", "ArrowTable")
        return result if isinstance(result, pa.Table) else pa.table(result)

    def to_arrow(self, expr: ir.Expr) -> pa.Table:
        return _typed(self._arrow(self.backend.compile(expr)), _schema(expr))

    def execute(self, expr: ir.Expr) -> Any:
        table = self.to_arrow(expr)
        schema = expr.as_table().schema()
        return PandasData.convert_table(table.to_pandas(), schema)

    def run_compiled(self, key: Hashable, build: Callable[[], ir.Table]) -> pa.Table:
        """As on DuckDB, the SQL compiled once per key; the rows typed as the expression
        declares (its schema kept beside the SQL), on the first run and every later one."""

        def remember() -> ir.Table:
            expr = build()
            self._schemas[key] = _schema(expr)
            return expr

        sql = self.compiled.get(key, remember)
        schema = self._schemas.get(key)
        if schema is None:  # the SQL outlived its schema (another thread compiled it first)
            schema = self._schemas.setdefault(key, _schema(build()))
        return _typed(self._arrow(sql), schema)

    def close(self) -> None:
        with self.lock:
            self.session.query(f"DROP DATABASE IF EXISTS {self.database}")
            self.session.close()


def _schema(expr: ir.Expr) -> pa.Schema:
    return expr.as_table().schema().to_pyarrow()


def _typed(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """chDB's Arrow as the expression's types: naive timestamps lose the session's UTC zone
    label (the instants are the same), and column names are the expression's."""
    columns = []
    for field, column in zip(schema, table.columns, strict=True):
        kind = column.type
        if pa.types.is_timestamp(kind) and kind.tz is not None and field.type.tz is None:
            column = column.cast(pa.timestamp(kind.unit))
        columns.append(column.cast(field.type) if column.type != field.type else column)
    return pa.Table.from_arrays(columns, schema=schema)


def open_clickhouse(lake_dir: Path, path: str | None = None) -> ClickHouseLakeWarehouse:
    """ClickHouse (chDB) over a lake: the live lake's Hive partitions, or an export."""
    live = (lake_dir / LIVE_STATE).is_file()
    if not live and not lake_dir.is_dir():
        raise LakeError(
            f"lake {lake_dir} does not exist: set lake_dir so the loader writes it, or "
            f"`mercato warehouse export {lake_dir}`"
        )
    session = chdb_session(path)
    database = f"mercato_lake_{uuid.uuid4().hex}"
    session.query(f"CREATE DATABASE {database}")
    session.query(f"USE {database}")  # the compiled SQL names tables without a database
    for name in TABLES:
        session.query(_view_sql(lake_dir, name, live))
    only = None if live else exported_workspace(lake_dir)
    return ClickHouseLakeWarehouse(session, database, only)


def _view_sql(lake_dir: Path, name: str, live: bool) -> str:
    schema = TABLES[name].schema
    columns = ", ".join(f"`{column}` {ClickHouseType.to_string(t)}" for column, t in schema.items())
    if live:
        files = sorted((lake_dir / name).rglob("part-*.parquet"))
        source = f"file('{_quoted(lake_dir / name)}/**/part-*.parquet', Parquet)"
        hive = " SETTINGS use_hive_partitioning = 1"
    else:
        file = table_path(lake_dir, name)
        files = [file] if file.is_file() else []
        if not files:
            raise LakeError(f"lake {lake_dir} lacks {file}: re-export it")
        source, hive = f"file('{_quoted(file)}', Parquet)", ""
    if not files:  # no partition yet: an empty table of the declared shape
        return f"CREATE TABLE `{name}` ({columns}) ENGINE = Memory"
    casts = ", ".join(
        f"CAST(`{column}` AS {ClickHouseType.to_string(t)}) AS `{column}`"
        for column, t in schema.items()
    )
    # Names and types from the registry, paths quoted: DDL, not a query (ADR 0002).
    return f"CREATE VIEW `{name}` AS SELECT {casts} FROM {source}{hive}"  # noqa: S608


def _quoted(path: Path) -> str:
    return str(path.resolve()).replace("\\", "\\\\").replace("'", "\\'")
