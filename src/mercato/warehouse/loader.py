"""Arrow batch loader: idempotent upsert on each table's natural key."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import field as data_field
from datetime import datetime
from enum import StrEnum
from itertools import count

import ibis
import ibis.expr.types as ir
import pyarrow as pa
import pyarrow.compute as pc

from mercato.core.errors import ValidationFailed
from mercato.warehouse.connection import Warehouse
from mercato.warehouse.schemas import TABLES, TableSpec

KEY_SEPARATOR = "\x1f"


class LoadMode(StrEnum):
    UPSERT = "upsert"  # a row with a known key replaces the stored row
    INSERT_NEW = "insert_new"  # a row with a known key is dropped (events: first one wins)
    # Bulk path for rows whose keys cannot be stored yet (a freshly purged workspace, e.g. the
    # demo re-seed): no lookup against stored rows, but a batch with a repeated key is refused.
    APPEND = "append"


@dataclass(frozen=True)
class LoadResult:
    table: str
    received: int
    inserted: int
    updated: int
    dropped_duplicates: int
    # INSERT_NEW: the row keys of the batch that were already stored (the rows dropped).
    known_keys: frozenset[str] = data_field(default=frozenset(), compare=False, repr=False)


@dataclass(frozen=True)
class StoredWithin:
    """The caller's promise that every stored row sharing a key with the batch has `column`
    between `first` and `last`: the lookup reads only those rows, which the engine's zone
    maps find without scanning the table (ADR 0603)."""

    column: str
    first: datetime
    last: datetime


def _arrow_schema(spec: TableSpec) -> pa.Schema:
    return spec.schema.to_pyarrow()


def conform(spec: TableSpec, batch: pa.Table) -> pa.Table:
    """Order, complete and cast `batch` to the table's schema; add `row_key`."""
    target = _arrow_schema(spec)
    unknown = sorted(set(batch.column_names) - set(target.names))
    if unknown:
        raise ValidationFailed(f"unknown column(s) {unknown}", location=spec.name)
    columns = []
    for field in target:
        if field.name == "row_key":
            columns.append(pa.nulls(batch.num_rows, pa.string()))
        elif field.name in batch.column_names:
            try:
                columns.append(batch.column(field.name).cast(field.type))
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
                raise ValidationFailed(
                    f"cannot store as {field.type}: {exc}", location=f"{spec.name}.{field.name}"
                ) from None
        else:
            columns.append(pa.nulls(batch.num_rows, field.type))
    table = pa.Table.from_arrays(columns, schema=target)
    return table.set_column(0, "row_key", row_keys(spec, table))


def row_keys(spec: TableSpec, table: pa.Table) -> pa.ChunkedArray:
    parts = []
    for column in spec.natural_key:
        values = table.column(column)
        if values.null_count:
            raise ValidationFailed("natural key column must not be empty", location=column)
        parts.append(pc.cast(values, pa.string()))
    return pc.binary_join_element_wise(*parts, KEY_SEPARATOR)


def _keep_last_per_key(table: pa.Table) -> pa.Table:
    if table.num_rows == 0:
        return table
    if len(pc.unique(table.column("row_key"))) == table.num_rows:
        return table  # no key repeats (the usual batch): nothing to drop, no regrouping
    indexed = table.append_column("__pos", pa.array(range(table.num_rows), pa.int64()))
    last = indexed.group_by("row_key").aggregate([("__pos", "max")]).column("__pos_max")
    return table.take(pc.take(last, pc.sort_indices(last)))


def load(
    warehouse: Warehouse,
    table_name: str,
    batch: pa.Table,
    *,
    mode: LoadMode = LoadMode.UPSERT,
    within: StoredWithin | None = None,
) -> LoadResult:
    """Load `batch` into `table_name`; loading the same batch twice changes nothing. With
    `within`, known keys are looked for only there (the caller guarantees they lie there)."""
    warehouse.require_writable(f"loading {table_name}")
    spec = TABLES[table_name]
    if mode is LoadMode.APPEND:
        return _append(warehouse, spec, conform(spec, batch))
    rows = _keep_last_per_key(conform(spec, batch))
    with warehouse.lock:
        return _store(warehouse, table_name, rows, batch.num_rows, mode, within)


def _append(warehouse: Warehouse, spec: TableSpec, rows: pa.Table) -> LoadResult:
    if rows.num_rows and pc.count_distinct(rows.column("row_key")).as_py() != rows.num_rows:
        raise ValidationFailed("a batch appended in bulk repeats a natural key", location=spec.name)
    if rows.num_rows:
        with warehouse.lock:
            _bulk_insert(warehouse, spec.name, rows)
    return LoadResult(spec.name, rows.num_rows, rows.num_rows, 0, 0)


def _bulk_insert(warehouse: Warehouse, table_name: str, rows: pa.Table) -> None:
    if warehouse.engine != "duckdb":
        with staged(warehouse, rows) as incoming:
            warehouse.backend.insert(table_name, incoming)
        return
    con = warehouse.backend.con
    # A relation scan, not a registered view: inside a transaction DuckDB keeps even an
    # unregistered view, Arrow data included, alive until COMMIT (a 1M-visitor demo seed
    # grew to 16 GB). Columns are matched to the stored order (added columns come last).
    con.from_arrow(rows.select(con.table(table_name).columns)).insert_into(table_name)


@contextmanager
def staged(warehouse: Warehouse, rows: pa.Table) -> Iterator[ir.Table]:
    """`rows` as an Ibis memtable, released from the engine when the load is done.

    Ibis 12 keeps every registered memtable, Arrow data included, until the interpreter
    exits: without the release a long-running loader (or a 1M-visitor demo seed) grows by
    the size of everything it ever loaded.
    """
    incoming = ibis.memtable(rows)
    try:
        yield incoming
    finally:
        if warehouse.engine == "duckdb":
            warehouse.backend.con.unregister(incoming.op().name)


def _store(
    warehouse: Warehouse,
    table_name: str,
    rows: pa.Table,
    received: int,
    mode: LoadMode,
    within: StoredWithin | None = None,
) -> LoadResult:
    duplicates = received - rows.num_rows
    if rows.num_rows == 0:
        return LoadResult(table_name, received, 0, 0, duplicates)
    if within is not None and warehouse.engine == "duckdb":
        return _merge_within(warehouse, table_name, rows, received, mode, within)
    with staged(warehouse, rows) as incoming:
        return _merge(warehouse, table_name, incoming, rows.num_rows, received, mode)


def _merge(
    warehouse: Warehouse,
    table_name: str,
    incoming: ir.Table,
    count: int,
    received: int,
    mode: LoadMode,
) -> LoadResult:
    duplicates = received - count
    backend = warehouse.backend
    stored = warehouse.raw_table(table_name)
    if mode is LoadMode.INSERT_NEW:
        found = backend.to_pyarrow(incoming.semi_join(stored, "row_key").select("row_key"))
        known_keys = frozenset(found.column(0).to_pylist())
        known = len(known_keys)
        if known:
            backend.insert(table_name, incoming.anti_join(stored, "row_key"))
        else:
            backend.insert(table_name, incoming)
        return LoadResult(table_name, received, count - known, 0, duplicates + known, known_keys)
    known = int(backend.execute(incoming.semi_join(stored, "row_key").count()))
    if known:
        backend.upsert(table_name, incoming, on="row_key")
    else:
        backend.insert(table_name, incoming)
    return LoadResult(table_name, received, count - known, known, duplicates)


_VIEWS = count()


def _merge_within(
    warehouse: Warehouse,
    table_name: str,
    rows: pa.Table,
    received: int,
    mode: LoadMode,
    within: StoredWithin,
) -> LoadResult:
    """`_merge` reading only the stored rows `within` names: the known keys are found there,
    then dropped from the batch (INSERT_NEW) or deleted there to be replaced (UPSERT)."""
    duplicates = received - rows.num_rows
    con = warehouse.backend.con
    spec = TABLES[table_name]
    if within.column not in spec.schema:
        raise ValueError(f"{table_name} has no column {within.column!r}")
    bounds = f'"{within.column}" BETWEEN $first AND $last'
    window = {"first": within.first, "last": within.last}
    view = f"__mercato_keys_{next(_VIEWS)}"
    con.register(view, rows.select(["row_key"]))
    try:
        # Names come from the registry, values are bound: an ADR 0002 maintenance exception
        # (Ibis has no DELETE), like the purge.
        known_table = con.execute(
            f'SELECT row_key FROM "{table_name}" WHERE {bounds} '  # noqa: S608
            f"AND row_key IN (SELECT row_key FROM {view})",
            window,
        ).fetch_arrow_table()
        known_keys = known_table.column(0).combine_chunks()
        if mode is LoadMode.UPSERT and known_table.num_rows:
            con.execute(
                f'DELETE FROM "{table_name}" WHERE {bounds} '  # noqa: S608
                f"AND row_key IN (SELECT row_key FROM {view})",
                window,
            )
    finally:
        con.unregister(view)
    known = known_table.num_rows
    if mode is LoadMode.UPSERT:
        _bulk_insert(warehouse, table_name, rows)
        return LoadResult(table_name, received, rows.num_rows - known, known, duplicates)
    fresh = rows.filter(pc.invert(pc.is_in(rows.column("row_key"), value_set=known_keys)))
    if fresh.num_rows:
        _bulk_insert(warehouse, table_name, fresh)
    keys = frozenset(known_keys.to_pylist())
    return LoadResult(table_name, received, fresh.num_rows, 0, duplicates + known, keys)
