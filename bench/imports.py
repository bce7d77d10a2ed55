"""Import throughput: a 1M-row Shopify orders CSV, a 1M-row events log and a GA4-shaped
event log through a mapping (`mercato import events`: enrichment, sessions, orders and the
data-quality accounting), each imported by Mercato (validate everything, then load
idempotently) and, as the baseline, read into a table by DuckDB's own CSV reader on the same
file (and, for the orders and events files, `read_csv` written into a DuckDB file, as the
warehouse is). Prints rows/s and the ratios.

`BENCH_IMPORT_ROWS` changes the row count (default 1,000,000), `BENCH_EVENT_LOG_ROWS` the
mapped log's (default 200,000); `BENCH_IMPORTS` picks parts (`orders,events,event-log`).
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
from mercato.collect.enrich import SiteConfig
from mercato.collect.importer import import_events
from mercato.collect.mapping import parse_mapping
from mercato.connectors.imports import ImportOptions, run_import
from mercato.core.settings import Settings
from mercato.runtime import Services

ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "1000000"))
LOG_ROWS = int(os.environ.get("BENCH_EVENT_LOG_ROWS", "200000"))
PARTS = os.environ.get("BENCH_IMPORTS", "orders,events,event-log").split(",")
LOG_COLUMNS = [
    "event_uuid",
    "event_time",
    "event_name",
    "page_location",
    "page_referrer",
    "user_pseudo_id",
    "user_agent",
    "transaction_id",
    "purchase_revenue",
    "currency",
    "items",
]
LOG_MAPPING = {
    "optional": ["referrer", "order_id", "revenue", "currency", "items"],
    "columns": {
        "event_id": "event_uuid",
        "ts": "event_time",
        "name": "event_name",
        "url": "page_location",
        "referrer": "page_referrer",
        "visitor_id": "user_pseudo_id",
        "user_agent": "user_agent",
        "order_id": "transaction_id",
        "revenue": "purchase_revenue",
        "currency": "currency",
        "items": "items",
    },
    "events": {"pageview": ["page_view"]},
}
AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
)
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


def write_event_log(path: Path, rows: int, rng: random.Random) -> None:
    """GA4-shaped: microsecond times with offsets, GA4 item keys, 1 % bots, 0.5 % duplicates."""
    start = datetime(2026, 1, 1)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(LOG_COLUMNS)
        for n in range(rows):
            purchase = n % 40 == 0
            moment = start + timedelta(seconds=n * 3, microseconds=rng.randint(0, 999_999))
            row = [
                f"e{n - 1 if n % 200 == 199 else n}",
                moment.strftime("%Y-%m-%dT%H:%M:%S.%f+00:00"),
                "purchase" if purchase else "page_view",
                f"https://shop.example/products/{n % 500}?utm_source=instagram&utm_medium=social",
                "https://l.instagram.com/" if n % 3 == 0 else "",
                f"{rng.randint(0, 200000)}.{1700000000 + n // 1000}",
                AGENTS[2] if n % 100 == 0 else AGENTS[n % 2],
                f"T{1000 + n}" if purchase else "",
                "59.90" if purchase else "",
                "EUR" if purchase else "",
                '[{"item_id": "SKU-1", "item_name": "Mug", "price": 29.95, "quantity": 2}]'
                if purchase
                else "",
            ]
            writer.writerow(row)


def mercato_event_log(root: Path, path: Path) -> float:
    settings = Settings(data_dir=root / "data-event-log", secret_key=secrets.token_urlsafe(40))
    services = Services.open(settings, upgrade=True)
    try:
        with services.catalog.session() as session:
            workspace = workspaces.create_workspace(session, slug="bench", name="Bench")
            site = workspaces.add_site(session, workspace, domain="shop.example")
            config = SiteConfig(site_id=site.id, workspace_id=workspace.id, domain=site.domain)
        mapping = parse_mapping(LOG_MAPPING)
        return timed(lambda: import_events(services.warehouse, [path], mapping, config))
    finally:
        services.close()


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


def duckdb_file_baseline(root: Path, path: Path) -> float:
    """The same read, written into a DuckDB file (as the warehouse is) and committed: how
    much of an import's time persisting alone takes on this machine."""
    connection = duckdb.connect(str(root / f"baseline-{path.stem}.duckdb"))
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


def report(
    label: str, rows: int, ours: float, baseline: float, on_file: float | None = None
) -> None:
    print(
        f"{label}: {rows:,} rows — Mercato {rows / ours:,.0f} rows/s ({ours:.1f} s), "
        f"DuckDB read_csv {rows / baseline:,.0f} rows/s ({baseline:.2f} s), "
        f"ratio {baseline / ours:.3f} (Mercato ÷ DuckDB throughput)"
    )
    if on_file is not None:
        print(
            f"  read_csv into a DuckDB file: {rows / on_file:,.0f} rows/s ({on_file:.2f} s), "
            f"ratio {on_file / ours:.3f}"
        )


def main() -> None:
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        orders, events, log = root / "orders_export.csv", root / "events.csv", root / "ga4.csv"
        if "orders" in PARTS:
            write_orders(orders, ROWS, rng)
            ours = mercato_import(root, "orders-shopify", orders)
            baseline = duckdb_baseline(orders)
            report("orders-shopify", ROWS, ours, baseline, duckdb_file_baseline(root, orders))
        if "events" in PARTS:
            write_events(events, ROWS, rng)
            ours = mercato_import(root, "events-csv", events)
            baseline = duckdb_baseline(events)
            report("events-csv", ROWS, ours, baseline, duckdb_file_baseline(root, events))
        if "event-log" in PARTS:
            write_event_log(log, LOG_ROWS, rng)
            ours = mercato_event_log(root, log)
            report("import events (GA4 mapping)", LOG_ROWS, ours, duckdb_baseline(log))


if __name__ == "__main__":
    main()
