"""Ibis connections to the warehouse; `for_workspace` hands out the tenant-scoped view every
query goes through (`warehouse.scoped`)."""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir
import pyarrow as pa
from ibis.backends.sql.datatypes import DuckDBType

from mercato.core.errors import DataDirError, MercatoError
from mercato.warehouse.compiled_store import CompiledSqlStore, fingerprint
from mercato.warehouse.schemas import TABLES
from mercato.warehouse.scoped import ScopedWarehouse as ScopedWarehouse  # its old home


def _widens_scale(stored: dt.DataType, declared: dt.DataType) -> bool:
    """A stored decimal with fewer decimals than declared (money from before ADR 0550)."""
    if not (isinstance(stored, dt.Decimal) and isinstance(declared, dt.Decimal)):
        return False
    return (stored.scale or 0) < (declared.scale or 0)


class Warehouse:
    """An Ibis backend holding the warehouse tables. Built by the app factory or CLI entry."""

    def __init__(self, backend: Any, engine: str, *, read_only: bool = False) -> None:
        self.backend = backend
        self.engine = engine
        # A read-only warehouse (a Parquet export on Spark) serves reports; writes and DDL
        # belong to the DuckDB store the collector and imports write to.
        self.read_only = read_only
        # One DuckDB connection is not safe for concurrent use; web threads take turns.
        self.lock = threading.RLock()
        # Bound tables by name: asking the engine for a schema costs a query each time.
        self._tables: dict[str, ir.Table] = {}
        self.compiled = CompiledSql(backend.compile)

    @classmethod
    def open_duckdb(cls, path: Path | str, *, compiled_dir: Path | None = None) -> Warehouse:
        """Open (creating if needed) a DuckDB warehouse file and its tables; `compiled_dir`
        keeps report SQL for the next process (ADR 0506)."""
        target = Path(path)
        if str(path) != ":memory:":
            target.parent.mkdir(parents=True, exist_ok=True)
        try:
            backend = ibis.duckdb.connect(str(path))
        except Exception as exc:  # duckdb raises IOException / InvalidInputException
            raise _open_failure(target, exc) from None
        warehouse = cls(backend, "duckdb")
        if compiled_dir is not None:
            warehouse.keep_compiled_sql(compiled_dir)
        warehouse.ensure_tables()
        return warehouse

    def keep_compiled_sql(self, directory: Path) -> None:
        """Keep compiled report SQL in `directory` too, for later processes (ADR 0506)."""
        self.compiled.store = CompiledSqlStore(directory, self._sql_fingerprint)

    def _sql_fingerprint(self) -> str:
        """What compiled SQL depends on in this process besides its key (ADR 0506)."""
        with self.lock:
            if self.engine == "duckdb":  # one catalog query, not one schema lookup per table
                columns = self.backend.con.execute(
                    "SELECT table_name, column_name, data_type FROM duckdb_columns() "
                    "WHERE database_name = current_database() AND schema_name = 'main' "
                    "ORDER BY table_name, column_index"
                ).fetchall()
                schemas: dict[str, str] = {}
                for table, column, data_type in columns:
                    if table in TABLES:
                        schemas[table] = f"{schemas.get(table, '')}{column} {data_type};"
            else:
                existing = set(self.backend.list_tables())
                names = sorted(name for name in TABLES if name in existing)
                schemas = {name: repr(self.backend.get_schema(name)) for name in names}
        return fingerprint(self.engine, schemas)

    def ensure_tables(self) -> None:
        """Create missing tables; add columns a newer Mercato declares (always nullable)."""
        self.require_writable("creating warehouse tables")
        existing = set(self.backend.list_tables())
        for spec in TABLES.values():
            if spec.name not in existing:
                self.backend.create_table(spec.name, schema=spec.schema)
                continue
            stored = self.backend.get_schema(spec.name)
            for column, dtype in spec.schema.items():
                if column not in stored:
                    self._add_column(spec.name, column, dtype)
                elif _widens_scale(stored[column], dtype):
                    self._widen_decimal(spec.name, column, dtype)
        self.clear_caches()

    def clear_caches(self) -> None:
        """Forget bound tables and compiled SQL (after DDL; benchmarks measuring a cold start)."""
        self._tables.clear()
        self.compiled.clear()

    def require_writable(self, action: str) -> None:
        """Refuse `action` on a read-only warehouse, saying where it can be done instead."""
        if self.read_only:
            raise MercatoError(
                f"{action} is not possible on the read-only {self.engine} warehouse (a Parquet "
                "export, for reports): it writes to the DuckDB warehouse",
                code="warehouse_read_only",
            )

    def _add_column(self, table: str, column: str, dtype: dt.DataType) -> None:
        self.require_writable("adding a warehouse column")
        # Schema evolution is DDL, not a query: one of the maintenance exceptions of ADR 0002.
        type_sql = DuckDBType.to_string(dtype)
        self.backend.raw_sql(f'ALTER TABLE "{table}" ADD COLUMN "{column}" {type_sql}')

    def _widen_decimal(self, table: str, column: str, dtype: dt.DataType) -> None:
        """Money columns of an older store (decimal(18, 2)) to the declared scale (ADR 0550):
        one ALTER per column, exact for every stored cent; DuckDB refuses it as a whole, with
        nothing changed, should a value not fit."""
        self.require_writable("widening a warehouse money column")
        type_sql = DuckDBType.to_string(dtype)
        self.backend.raw_sql(f'ALTER TABLE "{table}" ALTER COLUMN "{column}" TYPE {type_sql}')

    def raw_table(self, name: str) -> ir.Table:
        """The unscoped table: for loaders and maintenance, never for reports."""
        if name not in TABLES:
            raise KeyError(f"unknown warehouse table {name!r}")
        if name not in self._tables:
            with self.lock:  # binding asks the connection for the schema
                self._tables[name] = self.backend.table(name)
        return self._tables[name]

    def for_workspace(self, workspace_id: str) -> ScopedWarehouse:
        return ScopedWarehouse(self, workspace_id)

    def execute(self, expr: ir.Expr) -> Any:
        with self.lock:
            return self.backend.execute(expr)

    def to_arrow(self, expr: ir.Expr) -> pa.Table:
        with self.lock:
            return self.backend.to_pyarrow(expr)

    def run_compiled(self, key: Hashable, build: Callable[[], ir.Table]) -> pa.Table:
        """The rows of the expression `build()` makes, as Arrow. Its SQL is compiled once per
        `key`: the key must name everything the expression depends on (callers' contract)."""
        sql = self.compiled.get(key, build)
        with self.lock:
            if self.engine == "duckdb":
                return self.backend.raw_sql(sql).fetch_arrow_table()
            return self.backend.sql(sql).to_pyarrow()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All loads inside commit together or not at all (imports are atomic)."""
        self.require_writable("a warehouse transaction")
        with self.lock:
            self.backend.raw_sql("BEGIN TRANSACTION")
            try:
                yield
            except BaseException:
                self.backend.raw_sql("ROLLBACK")
                raise
            self.backend.raw_sql("COMMIT")

    def purge_workspace(self, workspace_id: str) -> dict[str, int]:
        """Delete every warehouse row of one workspace (maintenance: re-seeding, offboarding).

        Returns the rows deleted per table. The table names come from the registry, never
        from input; the workspace id is a bound parameter.
        """
        self.require_writable("purging a workspace")
        deleted: dict[str, int] = {}
        with self.lock:
            existing = set(self.backend.list_tables())
            for name in TABLES:
                if name not in existing:
                    continue
                statement = f'DELETE FROM "{name}" WHERE workspace_id = ?'  # noqa: S608
                cursor = self.backend.con.execute(statement, [workspace_id])
                row = cursor.fetchone()
                deleted[name] = int(row[0]) if row else 0
        return deleted

    def close(self) -> None:
        self.backend.disconnect()


def _open_failure(target: Path, exc: Exception) -> DataDirError:
    """Why the warehouse file cannot be opened, never advising to throw the data away."""
    text = str(exc)
    if "Conflicting lock" in text or "Could not set lock" in text:
        holder = re.search(r"held in (.+?) \(PID (\d+)\)", text)
        who = f"{holder.group(1)} (PID {holder.group(2)})" if holder else "another process"
        return DataDirError(
            f"warehouse file {target} is in use by {who}; DuckDB lets one process open it",
            code="warehouse_locked",
        )
    return DataDirError(
        f"warehouse file {target} cannot be opened: {text}. Keep the file (it holds your "
        "data): check its permissions and free disk space, or restore it from a backup"
    )


class CompiledSql:
    """SQL compiled from Ibis expressions, least recently used out first.

    Building and compiling a report's expressions costs tenths of a second in Python, whatever
    the data size; the SQL depends only on what the key names, never on the rows, so a repeated
    report (a page reload, the API polled) runs the same SQL again without compiling it.
    """

    def __init__(
        self,
        compile_sql: Callable[[ir.Table], str],
        capacity: int = 512,
        store: CompiledSqlStore | None = None,
    ) -> None:
        self.compile_sql = compile_sql
        self.capacity = capacity
        self.store = store  # the data dir's copy, for the next process (ADR 0506)
        self._sql: OrderedDict[Hashable, str] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, build: Callable[[], ir.Table]) -> str:
        with self._lock:
            sql = self._sql.get(key)
            if sql is not None:
                self._sql.move_to_end(key)
                return sql
        sql = self.store.get(key) if self.store is not None else None
        if sql is None:
            sql = self.compile_sql(build())
            if self.store is not None:
                self.store.put(key, sql)
        with self._lock:
            self._sql[key] = sql
            while len(self._sql) > self.capacity:
                self._sql.popitem(last=False)
        return sql

    def clear(self) -> None:
        """Forget the SQL in memory (the data dir's copy stays: its fingerprint names the
        schemas, read again on next use)."""
        with self._lock:
            self._sql.clear()
        if self.store is not None:
            self.store.forget_fingerprint()

    def __len__(self) -> int:
        return len(self._sql)
