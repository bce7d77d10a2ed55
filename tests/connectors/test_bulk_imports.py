"""Large imports through the direct write path (`warehouse.bulk`): files big enough to take
it, shaped like real exports (BOM, CRLF, blank lines, quoted newlines and hostile text, time
zones and microseconds, a cell longer than Arrow's read block, reused order names), checked
against values computed another way, re-imported without counting anything twice, and bad
cells located at their physical line and column."""

from __future__ import annotations

import codecs
import csv
import io
import random
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pytest

from mercato.connectors.columns import BLOCK_BYTES
from mercato.connectors.csvfile import read_table
from mercato.connectors.imports import ImportOptions, run_import
from mercato.connectors.orders import order_tables
from mercato.connectors.shopify_orders import parse_shopify_orders, read_shopify_orders
from mercato.core.errors import ValidationFailed
from mercato.runtime import Services
from mercato.warehouse.bulk import BULK_ROWS, load_bulk
from mercato.warehouse.connection import Warehouse
from mercato.warehouse.loader import LoadMode, load
from tests.support.brands import Brand

HOSTILE = (
    '<script>alert("x")</script>',
    'O\'Brien, "quoted"',
    "line one\nline two",
    "\u202egnp.exe ☃ 寿司 🎉",
    '=HYPERLINK("http://evil.example")',
)
ZONES = ("Z", "+09:00", "-04:00", "+05:30", "")


def _csv(header: Sequence[str], rows: Sequence[Sequence[object]]) -> tuple[bytes, list[int]]:
    """CRLF CSV with a UTF-8 BOM and a blank line every 500 rows; each row's last line."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    lines, line = [], 1
    for index, row in enumerate(rows):
        if index % 500 == 499:
            buffer.write("\r\n")
            line += 1
        writer.writerow(row)
        line += 1 + sum(str(cell).count("\n") for cell in row)
        lines.append(line)
    return codecs.BOM_UTF8 + buffer.getvalue().encode("utf-8"), lines


def _event_rows(count: int, rng: random.Random) -> list[list[str]]:
    start = datetime(2019, 3, 1, 12, 0, tzinfo=UTC)
    rows = []
    for n in range(count):
        zone = ZONES[n % len(ZONES)]
        moment = start + timedelta(seconds=n * 7, microseconds=rng.randint(0, 999_999))
        shown = moment.astimezone(
            UTC if zone in ("Z", "") else datetime.fromisoformat(f"2000-01-01T00:00{zone}").tzinfo
        )
        text = shown.replace(tzinfo=None).isoformat(timespec="microseconds") + zone
        purchase = n % 25 == 0
        rows.append(
            [
                f"Hostile {HOSTILE[n % len(HOSTILE)]}" if n % 7 == 0 else "",  # not stored
                "purchase" if purchase else "page_view",
                text,
                f"https://shop.example/p/{n}?q={HOSTILE[n % len(HOSTILE)]}",
                f"ev-{n:06d}",
                f"v{rng.randint(0, 3000)}",
                f"{rng.randint(1, 99999) / 100:.2f}" if purchase else "",
                "EUR" if purchase else "",
            ]
        )
    return rows


EVENT_HEADER = ["notes", "name", "ts", "url", "event_id", "visitor_id", "revenue", "currency"]


def _expected_ts(text: str) -> datetime:
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        return parsed
    return parsed.astimezone(UTC).replace(tzinfo=None)


def _stored(
    services: Services, brand: Brand, table: str, columns: list[str]
) -> list[tuple[Any, ...]]:
    con = services.warehouse.backend.con
    query = f"SELECT {', '.join(columns)} FROM {table} WHERE workspace_id = ? ORDER BY 1, 2"
    return [tuple(row) for row in con.execute(query, [brand.workspace_id]).fetchall()]


def test_a_large_event_log_is_stored_exactly_once_with_its_times_and_text(
    services: Services, brand: Brand
) -> None:
    rng = random.Random(11)
    rows = _event_rows(BULK_ROWS + 2500, rng)
    data, _ = _csv(EVENT_HEADER, rows)
    options = ImportOptions(workspace_id=brand.workspace_id)
    first = run_import(
        services.catalog, services.warehouse, "events-csv", [("log.csv", data)], options
    )
    again = run_import(
        services.catalog, services.warehouse, "events-csv", [("log.csv", data)], options
    )
    assert (first.inserted["events"], again.inserted["events"]) == (len(rows), 0)
    stored = _stored(services, brand, "events", ["event_id", "ts", "url", "revenue", "name"])
    expected = sorted(
        (
            r[4],
            _expected_ts(r[2]),
            r[3],
            Decimal(r[6]) if r[6] else None,
            r[1],
        )
        for r in rows
    )
    assert stored == expected


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        ("revenue", "1.4M", "expected a number"),
        ("ts", "14/03/2019 10:00", "expected an ISO timestamp"),
        ("event_id", "  ", "a value is required here"),
    ],
)
def test_a_bad_cell_after_multi_line_text_names_its_physical_line(
    services: Services, brand: Brand, column: str, value: str, reason: str
) -> None:
    rows = _event_rows(BULK_ROWS + 100, random.Random(5))
    bad = 7_777
    rows[bad][EVENT_HEADER.index(column)] = value
    data, lines = _csv(EVENT_HEADER, rows)
    assert lines[bad] > bad + 2  # quoted newlines and blank lines came before it
    options = ImportOptions(workspace_id=brand.workspace_id)
    with pytest.raises(ValidationFailed) as raised:
        run_import(services.catalog, services.warehouse, "events-csv", [("log.csv", data)], options)
    assert raised.value.location == f"log.csv:{lines[bad]}:{column}"
    assert reason in raised.value.reason
    assert _stored(services, brand, "events", ["event_id", "ts"]) == []


SHOPIFY_HEADER = [
    "Id",
    "Created at",
    "Name",
    "Email",
    "Currency",
    "Subtotal",
    "Discount Amount",
    "Shipping",
    "Taxes",
    "Refunded Amount",
    "Lineitem quantity",
    "Lineitem name",
    "Lineitem price",
    "Lineitem sku",
    *(f"Note {n}" for n in range(1, 11)),  # columns the import does not read
]
FIELD_LIMIT = 128 * 1024  # Python's csv module refuses longer cells (so the import does)


def _shopify_rows(orders: int, rng: random.Random, long_title: str) -> list[list[str]]:
    rows = []
    start = datetime(2018, 5, 1, 8, 30)
    for n in range(orders):
        # Two shops' exports merged: every 50th order reuses the name of the order before it
        # (neither has an Id) for another customer: kept apart.
        name = f"#{1000 + (n - 1 if n % 50 == 49 else n)}"
        reused = n % 50 == 49
        email = f"Buyer{n}@Example.com" if not reused else f"other{n}@shop-two.example"
        currency = ("USD", "JPY", "KWD", "EUR")[n % 4]
        lines = 1 + (n % 3 == 0)
        placed = (start + timedelta(minutes=n)).strftime("%Y-%m-%d %H:%M:%S ") + "-0400"
        for line in range(lines):
            price = f"{rng.randint(100, 99999) / 100:.2f}" if currency != "JPY" else "1200"
            title = long_title if n == 4321 else f"Trail {HOSTILE[n % len(HOSTILE)]}"
            head = line == 0
            rows.append(
                [
                    str(7_000_000 + n) if head and n % 50 < 48 else "",  # some lack an Id
                    placed,
                    name,
                    email if head else "",
                    currency if head else "",
                    f"{rng.randint(1000, 500000) / 100:.2f}" if head else "",
                    "1.50" if head and n % 5 == 0 else "",
                    "4.90" if head else "",
                    "0.8125" if head and currency == "KWD" else ("0.00" if head else ""),
                    "",
                    str(1 + n % 4),
                    title,
                    price,
                    f"SKU-{n % 300}",
                    *([long_title if n == 4321 else ""] * 10),
                ]
            )
    return rows


def test_a_large_shopify_export_with_a_cell_longer_than_a_read_block(
    services: Services, brand: Brand
) -> None:
    long_title = ('Über, "long" <b>title</b>\n' * (FIELD_LIMIT // 20))[: FIELD_LIMIT - 64]
    rows = _shopify_rows(BULK_ROWS + 500, random.Random(3), long_title)
    data, _ = _csv(SHOPIFY_HEADER, rows)
    assert max(len(line) for line in data.split(b"\r\n")) > BLOCK_BYTES  # one row > a block
    tables, read = read_shopify_orders(data, "orders_export.csv")
    expected = order_tables(parse_shopify_orders(read_table(data, "orders_export.csv")))
    assert read == len(rows)
    assert tables.orders.to_pylist() == expected.orders.to_pylist()
    assert tables.items.to_pylist() == expected.items.to_pylist()
    assert tables.kept_apart == (BULK_ROWS + 500) // 50

    options = ImportOptions(workspace_id=brand.workspace_id)
    files = [("orders_export.csv", data)]
    first = run_import(services.catalog, services.warehouse, "orders-shopify", files, options)
    again = run_import(services.catalog, services.warehouse, "orders-shopify", files, options)
    orders = expected.orders.num_rows
    assert (first.inserted["orders"], first.updated["orders"]) == (orders, 0)
    assert (again.inserted["orders"], again.updated["orders"]) == (0, orders)
    assert first.inserted["order_items"] == len(rows)
    stored = _stored(services, brand, "orders", ["order_id", "gross", "currency"])
    reference = sorted(
        (o["order_id"], o["gross"], o["currency"]) for o in expected.orders.to_pylist()
    )
    assert stored == reference
    titles = _stored(services, brand, "order_items", ["order_id", "line_id", "title"])
    assert sum(1 for _, _, title in titles if title == long_title.strip()) == 1


def _random_batch(rng: random.Random, size: int, keys: int) -> pa.Table:
    ids = [f"e{rng.randrange(keys)}" for _ in range(size)]
    return pa.table(
        {
            "workspace_id": ["w1"] * size,
            "event_id": ids,
            "name": [rng.choice(["page_view", "purchase"]) for _ in range(size)],
            "ts": [datetime(2017, 1, 1) + timedelta(seconds=rng.randrange(10**6)) for _ in ids],
        }
    )


@pytest.mark.parametrize("mode", [LoadMode.INSERT_NEW, LoadMode.UPSERT])
def test_the_direct_write_gives_what_the_merge_gives(mode: LoadMode) -> None:
    """Fresh keys, keys repeated within a batch and keys already stored: the same stored
    rows and the same counts as `loader.load`."""
    rng = random.Random(19)
    batches = [
        _random_batch(rng, BULK_ROWS + 10, 10**9),  # fresh keys: the direct insert
        _random_batch(rng, BULK_ROWS + 10, BULK_ROWS // 2),  # repeats within the batch
        _random_batch(rng, BULK_ROWS + 10, 10**9),  # fresh again
    ]
    batches.append(batches[0])  # already stored
    direct, merged = Warehouse.open_duckdb(":memory:"), Warehouse.open_duckdb(":memory:")
    for batch in batches:
        with direct.transaction():
            got = load_bulk(direct, "events", batch, mode=mode)
        with merged.transaction():
            want = load(merged, "events", batch, mode=mode)
        assert got == want
    query = "SELECT row_key, event_id, name, ts FROM events ORDER BY row_key"
    rows = direct.backend.con.execute(query).fetchall()
    assert rows == merged.backend.con.execute(query).fetchall()
    assert len(rows) == len({row[0] for row in rows})
    threads = "SELECT current_setting('threads')"
    assert (
        direct.backend.con.execute(threads).fetchone()
        == merged.backend.con.execute(threads).fetchone()
    )
