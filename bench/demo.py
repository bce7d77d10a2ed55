"""Seed time of the demo brand against DuckDB bulk-inserting the same Arrow tables.

`PYTHONPATH=src:. python -m bench demo` seeds the default size (20,000 visitors);
`MERCATO_BENCH_DEMO_VISITORS=1000000` runs the benchmark size. DuckDB's memory limit is
`MERCATO_BENCH_DUCKDB_MEMORY` (default 3GB) for both sides, so the run fits a shared machine.
"""

from __future__ import annotations

import os
import secrets
import tempfile
import time
from pathlib import Path

import duckdb
import pyarrow as pa

from mercato.core.settings import Settings
from mercato.demo.generator import DemoSummary, seed_demo_brand
from mercato.runtime import Services
from mercato.warehouse.schemas import TABLES

DEFAULT_VISITORS = 20_000
MEMORY_LIMIT = os.environ.get("MERCATO_BENCH_DUCKDB_MEMORY", "3GB")
BATCH_ROWS = 500_000  # the same batch size the demo writer uses


def _seed(data_dir: Path, visitors: int) -> tuple[Services, DemoSummary, float]:
    settings = Settings(data_dir=data_dir, secret_key=secrets.token_urlsafe(40), time_zone="UTC")
    services = Services.open(settings, upgrade=True)
    # A shared development machine: cap DuckDB's buffer pool (default: 80 % of RAM).
    services.warehouse.backend.con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
    started = time.perf_counter()
    summary = seed_demo_brand(services, seed=7, visitors=visitors)
    return services, summary, time.perf_counter() - started


def _bulk_insert_baseline(services: Services, workspace_id: str, target: Path) -> float:
    """Seconds DuckDB spends inserting the generated rows, handed over as Arrow, into a new file.

    The rows are read back in record batches (bounded memory at 1M visitors); only the
    inserts are timed.
    """
    con = services.warehouse.backend.con
    fresh = duckdb.connect(str(target), config={"memory_limit": MEMORY_LIMIT})
    spent = 0.0
    try:
        for name in TABLES:
            reader = con.execute(
                f"SELECT * FROM {name} WHERE workspace_id = ?",
                [workspace_id],
            ).to_arrow_reader(BATCH_ROWS)
            fresh.register("incoming", pa.Table.from_batches([], reader.schema))
            fresh.execute(f"CREATE TABLE {name} AS SELECT * FROM incoming")
            fresh.unregister("incoming")
            for batch in reader:
                incoming = pa.Table.from_batches([batch])
                fresh.register("incoming", incoming)
                started = time.perf_counter()
                fresh.execute(f"INSERT INTO {name} SELECT * FROM incoming")
                spent += time.perf_counter() - started
                fresh.unregister("incoming")
        started = time.perf_counter()
        fresh.execute("CHECKPOINT")
        return spent + time.perf_counter() - started
    finally:
        fresh.close()


def main() -> None:
    visitors = int(os.environ.get("MERCATO_BENCH_DEMO_VISITORS", DEFAULT_VISITORS))
    with tempfile.TemporaryDirectory(prefix="mercato-bench-demo-") as tmp:
        services, summary, seconds = _seed(Path(tmp) / "data", visitors)
        try:
            baseline = _bulk_insert_baseline(services, summary.workspace_id, Path(tmp) / "b.db")
        finally:
            services.close()
    rows = sum(summary.rows.values())
    print(f"visitors            {visitors:>12,}")
    print(f"rows written        {rows:>12,}  ({summary.rows.get('events', 0):,} events)")
    print(f"seed_demo_brand     {seconds:>12.1f} s")
    print(f"DuckDB bulk insert  {baseline:>12.1f} s  (same rows, already Arrow)")
    print(f"ratio               {seconds / baseline:>12.1f} x")
