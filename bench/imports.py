"""Import throughput: a 1M-row Shopify orders CSV and a 1M-row events log, each imported by
Mercato (validate everything, then load idempotently) and, as the baseline, read into a
table by DuckDB's own CSV reader on the same file. Prints rows/s and the ratio.

`BENCH_IMPORT_ROWS` changes the row count (default 1,000,000).
"""

from __future__ import annotations

import csv
import os
import random
import secrets
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import duckdb

from mercato.catalog import workspaces
from mercato.connectors.imports import ImportOptions, run_import
from mercato.core.settings import Settings
from mercato.web.services import Services

ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "1000000"))
ORDER_COLUMNS = [
    "Name",
    "Email",
    "Financial Status",
    "Currency",
    "Subtotal",
    "Shipping",
    "Taxes",
    "Total",
    "Discount Code",
    "Discount Amount",
    "Created at",
    "Lineitem quantity",
    "Lineitem name",
    "Lineitem price",
    "Lineitem sku",
    "Refunded Amount",
    "Id",
]
EVENT_COLUMNS = [
    "event_id",
    "ts",
    "name",
    "visitor_id",
    "session_id",
    "url",
    "order_id",
    "revenue",
    "currency",
]


def write_orders(path: Path, rows: int, rng: random.Random) -> None:
    start = datetime(2026, 1, 1)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(ORDER_COLUMNS)
        for n in range(rows):
            price = rng.randint(500, 20000) / 100
            qty = rng.randint(1, 3)
            discount = round(price * qty * 0.1, 2) if n % 5 == 0 else 0.0
            subtotal = round(price * qty - discount, 2)
            placed = start + timedelta(seconds=n * 17)
            writer.writerow(
                [
                    f"#{1000 + n}",
                    f"c{n % 50000}@example.com",
                    "paid",
                    "USD",
                    f"{subtotal:.2f}",
                    "4.90",
                    f"{subtotal * 0.08:.2f}",
                    f"{subtotal * 1.08 + 4.9:.2f}",
                    "WELCOME10" if discount else "",
                    f"{discount:.2f}",
                    placed.strftime("%Y-%m-%d %H:%M:%S -0400"),
                    qty,
                    "Trail Runner",
                    f"{price:.2f}",
                    f"SKU-{n % 400}",
                    "0.00",
                    str(5_000_000 + n),
                ]
            )


def write_events(path: Path, rows: int, rng: random.Random) -> None:
    start = datetime(2026, 1, 1)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(EVENT_COLUMNS)
        for n in range(rows):
            purchase = n % 40 == 0
            writer.writerow(
                [
                    f"e{n}",
                    (start + timedelta(seconds=n * 3)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "purchase" if purchase else "page_view",
                    f"v{rng.randint(0, 200000)}",
                    f"s{n // 6}",
                    f"https://shop.example/p/{n % 500}",
                    f"#{1000 + n}" if purchase else "",
                    "59.90" if purchase else "",
                    "USD" if purchase else "",
                ]
            )


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def duckdb_baseline(path: Path) -> float:
    connection = duckdb.connect(":memory:")
    seconds = timed(
        lambda: connection.execute(
            f"CREATE TABLE t AS SELECT * FROM read_csv('{path}', header=true)"
        )
    )
    connection.close()
    return seconds


def mercato_import(root: Path, kind: str, path: Path) -> float:
    settings = Settings(data_dir=root / f"data-{kind}", secret_key=secrets.token_urlsafe(40))
    services = Services.open(settings, upgrade=True)
    try:
        with services.catalog.session() as session:
            workspace_id = workspaces.create_workspace(session, slug="bench", name="Bench").id
        options = ImportOptions(workspace_id=workspace_id)
        return timed(
            lambda: run_import(
                services.catalog,
                services.warehouse,
                kind,
                [(path.name, path.read_bytes())],
                options,
            )
        )
    finally:
        services.close()


def report(label: str, rows: int, ours: float, baseline: float) -> None:
    print(
        f"{label}: {rows:,} rows — Mercato {rows / ours:,.0f} rows/s ({ours:.1f} s), "
        f"DuckDB read_csv {rows / baseline:,.0f} rows/s ({baseline:.2f} s), "
        f"ratio {baseline / ours:.3f} (Mercato ÷ DuckDB throughput)"
    )


def main() -> None:
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        orders, events = root / "orders_export.csv", root / "events.csv"
        write_orders(orders, ROWS, rng)
        write_events(events, ROWS, rng)
        report(
            "orders-shopify",
            ROWS,
            mercato_import(root, "orders-shopify", orders),
            duckdb_baseline(orders),
        )
        report(
            "events-csv", ROWS, mercato_import(root, "events-csv", events), duckdb_baseline(events)
        )


if __name__ == "__main__":
    main()
