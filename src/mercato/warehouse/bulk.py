"""Large import batches written with one `INSERT … SELECT` from Arrow, beside the loader.

`load` (warehouse.loader) stages every batch as an Ibis memtable, counts the stored keys it
repeats and merges. For an import of a million rows whose keys the warehouse does not hold
yet (a first import, a new month's export) that is a plain insert, and the cost is DuckDB
writing the rows into the warehouse file. `load_bulk` checks that case with one query and
then inserts the Arrow rows directly, on one DuckDB thread: on the 2-core benchmark machine
the parallel insert's batch merging took about twice as long (docs/benchmarks.md,
"Imports"). Any other batch (stored keys repeated, a key repeated within the batch, another
engine) goes through `load` unchanged, so the result is always the one `load` gives.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pyarrow as pa

from mercato.warehouse.connection import Warehouse
from mercato.warehouse.loader import LoadMode, LoadResult, load, row_keys
from mercato.warehouse.schemas import TABLES, TableSpec

INSERT_THREADS = 1
BULK_ROWS = 10_000  # smaller batches (a webhook, a page of an API sync) go through `load`


def load_bulk(
    warehouse: Warehouse, table_name: str, batch: pa.Table, *, mode: LoadMode = LoadMode.UPSERT
) -> LoadResult:
    """`load(warehouse, table_name, batch, mode=mode)`, faster for large new batches."""
    if warehouse.engine != "duckdb" or mode is LoadMode.APPEND or batch.num_rows < BULK_ROWS:
        return load(warehouse, table_name, batch, mode=mode)
    warehouse.require_writable(f"loading {table_name}")
    spec = TABLES[table_name]
    rows = _carried(spec, batch)
    if rows is None:
        return load(warehouse, table_name, batch, mode=mode)  # the loader names the problem
    con = warehouse.backend.con
    with warehouse.lock:
        incoming = con.from_arrow(rows.select(["row_key"]))
        stored = con.table(spec.name).select("row_key")
        distinct = incoming.unique("row_key").count("*").fetchone()[0]
        known = incoming.join(stored, "row_key", how="semi").count("*").fetchone()[0]
        if distinct != rows.num_rows or known:
            return load(warehouse, table_name, batch, mode=mode)  # the merge decides
        with _threads(con, INSERT_THREADS):
            _insert(con, spec, rows)
    return LoadResult(table_name, rows.num_rows, rows.num_rows, 0, 0)


def _carried(spec: TableSpec, batch: pa.Table) -> pa.Table | None:
    """`row_key` and the columns `batch` carries, cast to the stored types (the columns it
    does not carry are stored as NULL by the insert, as `conform` would fill them); None when
    `conform` would refuse the batch."""
    target = spec.schema.to_pyarrow()
    if set(batch.column_names) - set(target.names) or "row_key" in batch.column_names:
        return None
    columns = {}
    for field in target:
        if field.name in batch.column_names:
            try:
                columns[field.name] = batch.column(field.name).cast(field.type)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                return None
    carried = pa.table(columns)
    if any(name not in columns or columns[name].null_count for name in spec.natural_key):
        return None
    return carried.add_column(0, "row_key", row_keys(spec, carried))


def _insert(con: Any, spec: TableSpec, rows: pa.Table) -> None:
    """One `INSERT … SELECT` of `rows` into the table's columns of the same names."""
    view = f"bulk_{uuid.uuid4().hex}"
    names = ", ".join(f'"{name}"' for name in rows.column_names)  # the spec's own names
    con.register(view, rows)
    try:
        con.execute(f'INSERT INTO "{spec.name}" ({names}) SELECT {names} FROM "{view}"')  # noqa: S608
    finally:
        con.unregister(view)


@contextmanager
def _threads(con: Any, threads: int) -> Iterator[None]:
    before = con.execute("SELECT current_setting('threads')").fetchone()[0]
    con.execute(f"SET threads = {int(threads)}")
    try:
        yield
    finally:
        con.execute(f"SET threads = {int(before)}")
