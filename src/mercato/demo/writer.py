"""Writes the generator's Arrow tables to the warehouse in bounded batches."""

from __future__ import annotations

from dataclasses import dataclass, field

import pyarrow as pa

from mercato.warehouse.connection import Warehouse
from mercato.warehouse.loader import LoadMode, load

BATCH_ROWS = 500_000


@dataclass
class WarehouseWriter:
    """Counts what it wrote. Re-seeding purges the workspace first and every generated key is
    unique, so batches are appended without looking up stored keys (LoadMode.APPEND)."""

    warehouse: Warehouse
    rows: dict[str, int] = field(default_factory=dict)

    def write(self, table: str, batch: pa.Table) -> None:
        for start in range(0, max(batch.num_rows, 1), BATCH_ROWS):
            part = batch.slice(start, BATCH_ROWS)
            if part.num_rows:
                result = load(self.warehouse, table, part, mode=LoadMode.APPEND)
                self.rows[table] = self.rows.get(table, 0) + result.inserted
            else:
                self.rows.setdefault(table, 0)
