"""Row dicts → Arrow tables in a warehouse table's schema, loaded atomically."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pyarrow as pa

from mercato.connectors.results import ImportSummary
from mercato.warehouse.bulk import load_bulk as load  # `loader.load`, large new batches direct
from mercato.warehouse.connection import Warehouse
from mercato.warehouse.loader import LoadMode
from mercato.warehouse.schemas import TABLES


def arrow_rows(table_name: str, rows: Sequence[Mapping[str, Any]]) -> pa.Table:
    """Build an Arrow table typed like `table_name` (row_key is added by the loader)."""
    schema = TABLES[table_name].schema.to_pyarrow()
    fields = [f for f in schema if f.name != "row_key"]
    columns = {f.name: [row.get(f.name) for row in rows] for f in fields}
    return pa.table({f.name: pa.array(columns[f.name], type=f.type) for f in fields})


def load_all(
    warehouse: Warehouse,
    batches: Mapping[str, Sequence[Mapping[str, Any]]],
    summary: ImportSummary,
    *,
    in_transaction: bool = True,
) -> None:
    """Load every table's rows together: all commit or none (the caller validated them)."""
    prepared = {name: arrow_rows(name, rows) for name, rows in batches.items() if rows}
    load_tables(warehouse, prepared, summary, in_transaction=in_transaction)


def load_tables(
    warehouse: Warehouse,
    tables: Mapping[str, pa.Table],
    summary: ImportSummary,
    *,
    in_transaction: bool = True,
) -> None:
    """`load_all` for tables already built column-wise (empty ones are skipped); large new
    batches are inserted directly (`warehouse.bulk`)."""
    prepared = {name: table for name, table in tables.items() if table.num_rows}
    if not prepared:
        return
    if not in_transaction:
        for name, table in prepared.items():
            summary.add_load(load(warehouse, name, table, mode=LoadMode.UPSERT))
        return
    with warehouse.transaction():
        for name, table in prepared.items():
            summary.add_load(load(warehouse, name, table, mode=LoadMode.UPSERT))
