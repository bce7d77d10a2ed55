"""The column-wise Shopify orders reader against the row-wise parser it replaces (same orders,
lines, keys and aliases, or the same first error with the same file:line:column) and against
an independent pandas computation, on export-shaped files built in code."""

from __future__ import annotations

import codecs
import csv
import io
import random
from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal

import pandas as pd
import pyarrow as pa
import pytest

from mercato.connectors.batches import arrow_rows
from mercato.connectors.csvfile import read_table
from mercato.connectors.imports import ImportOptions, run_import
from mercato.connectors.order_tables import OrderTables
from mercato.connectors.orders import order_tables
from mercato.connectors.shopify_orders import parse_shopify_orders, read_shopify_orders
from mercato.core.errors import ValidationFailed
from mercato.runtime import Services
from mercato.warehouse.loader import load
from tests.support.brands import Brand

HEADER = [
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
    "Lineitem discount",
    "Notes",
    "Cancelled at",
    "Refunded Amount",
    "Id",
]


def _csv(
    header: Sequence[str],
    rows: Sequence[Sequence[object]],
    *,
    delimiter: str = ",",
    terminator: str = "\r\n",
) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=terminator)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _order(
    name: str,
    oid: str,
    lines: Sequence[tuple[str, object, str]],
    *,
    email: str = "ann@example.com",
    currency: str = "USD",
    subtotal: str = "100.00",
    created: str = "2026-03-01 10:00:00 -0400",
    **head: str,
) -> list[dict[str, object]]:
    rows = []
    for index, (sku, qty, price) in enumerate(lines):
        first = index == 0
        row: dict[str, object] = {
            "Name": name,
            "Email": email if first else "",
            "Financial Status": "paid" if first else "",
            "Currency": currency if first else "",
            "Subtotal": subtotal if first else "",
            "Shipping": head.get("shipping", "4.90") if first else "",
            "Taxes": head.get("taxes", "0.00") if first else "",
            "Discount Code": head.get("code", "") if first else "",
            "Discount Amount": head.get("discount", "0.00") if first else "",
            "Created at": created,
            "Lineitem quantity": qty,
            "Lineitem name": f"Item {sku}",
            "Lineitem price": price,
            "Lineitem sku": sku,
            "Lineitem discount": head.get("line_discount", ""),
            "Notes": head.get("notes", "") if first else "",
            "Cancelled at": head.get("cancelled", "") if first else "",
            "Refunded Amount": head.get("refunded", "") if first else "",
            "Id": oid if first else "",
        }
        rows.append(row)
    return rows


def _file(orders: Sequence[list[dict[str, object]]], header: Sequence[str] = HEADER) -> bytes:
    return _csv(header, [[row.get(c, "") for c in header] for order in orders for row in order])


def _row_wise(data: bytes, source: str) -> OrderTables:
    return order_tables(parse_shopify_orders(read_table(data, source)))


def _same(data: bytes, source: str = "orders_export.csv") -> OrderTables:
    """Both readers agree: the same tables, or the same error at the same place."""
    try:
        expected = _row_wise(data, source)
    except ValidationFailed as exc:
        refused: ValidationFailed | None = exc
    else:
        refused = None
    if refused is not None:
        with pytest.raises(ValidationFailed) as raised:
            read_shopify_orders(data, source)
        assert str(raised.value) == str(refused)
        raise refused
    got, rows = read_shopify_orders(data, source)
    assert rows == len(read_table(data, source).rows)
    assert got.orders.to_pylist() == expected.orders.to_pylist()
    assert got.items.to_pylist() == expected.items.to_pylist()
    assert got.aliases.sort_by("position").to_pylist() == expected.aliases.to_pylist()
    return got


def _error(data: bytes, source: str = "orders_export.csv") -> str:
    with pytest.raises(ValidationFailed) as raised:
        _same(data, source)
    return str(raised.value)


def test_multi_line_orders_with_display_values_and_timestamp_shapes() -> None:
    data = _file(
        [
            _order(
                "#1001",
                "5001",
                [("SNK-42", 2, "60.00"), ("SOCK", "1,200", " 10.5 "), ("", 1, "+3")],
                created="2026-03-01T10:00:00.123456+05:30",
                code="WELCOME10, VIP ,",
                discount="10",
                line_discount="-",
            ),
            _order("#1002", "", [("MUG", 1, "12.")], created="2026-03-02 09:00:00 Z"),
            _order("#1003", "5003", [("MUG", "3", "1e1")], created="03/04/2026 14:03"),
            _order("#1004", "5004", [("CAP", 1, "9.99")], created="2026-03-05T08:00:00"),
            _order(
                "#1005",
                "5005",
                [("CAP", 1, "9.99")],
                created="2026-03-06 23:30:00 +0000",
                cancelled="2026-03-07 10:00:00 +0000",
                refunded="n/a",
            ),
        ]
    )
    got = _same(data)
    orders = {o["order_id"]: o for o in got.orders.to_pylist()}
    assert set(orders) == {"5001", "#1002", "5003", "5004", "5005"}
    assert orders["5001"]["coupon_codes"] == ["WELCOME10", "VIP"]
    assert orders["5001"]["placed_at"].isoformat() == "2026-03-01T04:30:00.123456"
    assert orders["#1002"]["placed_at"].isoformat() == "2026-03-02T09:00:00"
    assert orders["5005"]["status"] == "cancelled"
    lines = [i for i in got.items.to_pylist() if i["order_id"] == "5001"]
    assert [(i["line_id"], i["quantity"], i["unit_price"]) for i in lines] == [
        ("1", 2, Decimal("60.00")),
        ("2", 1200, Decimal("10.50")),
        ("3", 1, Decimal("3.00")),
    ]
    assert lines[2]["sku"] is None


def test_renamed_order_of_columns_extra_columns_bom_sep_line_and_utf16() -> None:
    orders = [
        _order("#1", "1", [("A", 1, "5.00"), ("B", 2, "7.25")]),
        _order("#2", "2", [("C", 1, "3.10")], email="Bob@Example.COM"),
    ]
    shuffled = ["Vendor", *reversed(HEADER), "Tags"]
    plain = _file(orders, shuffled)
    _same(plain)
    _same(codecs.BOM_UTF8 + plain)
    _same(plain.decode().encode("utf-16"))
    rows = [[row.get(c, "") for c in shuffled] for order in orders for row in order]
    _same(b"sep=;\r\n" + _csv(shuffled, rows, delimiter=";"))
    got = _same(_csv(shuffled, rows, delimiter="\t", terminator="\n"))
    assert got.orders.column("customer_id").to_pylist() == ["ann@example.com", "bob@example.com"]


def test_currency_precision_jpy_none_kwd_three_half_even() -> None:
    data = _file(
        [
            _order(
                "#J",
                "1",
                [("A", 1, "100.5"), ("B", 1, "101.5")],
                currency="JPY",
                subtotal="1234.5",
                shipping="0.5",
            ),
            _order("#K", "2", [("A", 1, "1.2345")], currency="kwd", subtotal="1.2355"),
            _order("#E", "3", [("A", 1, "0.125")], currency="EUR", subtotal="0.135"),
        ]
    )
    got = _same(data)
    orders = {o["order_id"]: o for o in got.orders.to_pylist()}
    assert orders["1"]["gross"] == Decimal("1234")
    assert orders["1"]["shipping"] == Decimal(0)
    assert orders["2"]["currency"] == "KWD"
    assert orders["2"]["gross"] == Decimal("1.236")
    assert orders["3"]["gross"] == Decimal("0.14")
    prices = [(i["order_id"], i["unit_price"]) for i in got.items.to_pylist()]
    # The JPY order's second line has no currency on its row: cents, as the row-wise reader did.
    assert prices == [
        ("1", Decimal("100")),
        ("1", Decimal("101.50")),
        ("2", Decimal("1.234")),
        ("3", Decimal("0.12")),
    ]
    assert all(isinstance(p, Decimal) for _, p in prices)


def test_reused_names_from_two_shops_are_kept_apart_and_same_buyer_merges() -> None:
    data = _file(
        [
            _order("#1001", "", [("A", 1, "10.00")], email="ann@example.com"),
            _order("#1001", "", [("B", 1, "20.00"), ("C", 1, "1.00")], email="bob@example.com"),
            _order("#1001", "", [("D", 1, "5.00")], email="ANN@example.com"),
            _order("#1002", "77", [("E", 1, "5.00")], email=""),
            _order("#1003", "77", [("F", 1, "5.00")], email="cy@example.com"),
        ]
    )
    got = _same(data)
    ids = got.orders.column("order_id").to_pylist()
    assert ids[0] == "#1001"
    assert ids[1].startswith("#1001~")
    assert ids[2] == "77"
    assert got.kept_apart == 1
    lines = [(i["order_id"], i["sku"], i["line_id"]) for i in got.items.to_pylist()]
    assert (ids[0], "D", "2") in lines
    assert (ids[1], "C", "2") in lines
    assert (ids[2], "F", "2") in lines  # another name, the same Shopify id: one order


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"Lineitem quantity": "two"}, "orders_export.csv:9:Lineitem quantity"),
        ({"Lineitem price": ""}, "orders_export.csv:9:Lineitem price"),
        ({"Lineitem price": "1,234.50"}, "orders_export.csv:9:Lineitem price"),
        ({"Currency": "XYZ"}, "orders_export.csv:9:Lineitem price"),
        ({"Name": " "}, "orders_export.csv:9:Name"),
        ({"Subtotal": "1,234.50"}, "orders_export.csv:9:Subtotal"),
        ({"Created at": "2026-02-30 10:00:00 +0000"}, "orders_export.csv:9:Created at"),
        ({"Created at": "yesterday"}, "orders_export.csv:9:Created at"),
        ({"Refunded Amount": "abc"}, "orders_export.csv:9:Refunded Amount"),
        ({"Currency": ""}, "orders_export.csv:9:Currency"),
    ],
)
def test_a_bad_cell_names_its_file_line_and_column(change: dict[str, str], where: str) -> None:
    rows = [
        row
        for n in range(6)
        for row in _order(f"#{n}", str(n), [("A", 1, "5.00")], notes="two\nlines" if n == 2 else "")
    ]
    rows[5].update(change)  # line 9: header, 5 rows before it, one of them two lines long
    header_rows = [[row.get(c, "") for c in HEADER] for row in rows]
    header_rows.insert(3, [""] * len(HEADER))  # a blank row the reader skips
    data = _csv(HEADER, header_rows)
    message = _error(data)
    assert message.startswith(where + ": ")


def test_row_errors_come_before_order_errors_as_they_did() -> None:
    orders = [_order(f"#{n}", str(n), [("A", 1, "5.00")]) for n in range(4)]
    orders[1][0]["Subtotal"] = "oops"
    orders[3][0]["Lineitem quantity"] = "x"
    assert _error(_file(orders)).startswith("orders_export.csv:5:Lineitem quantity: ")


def test_ragged_rows_and_lone_carriage_returns_take_the_row_wise_reader() -> None:
    short = _file([_order("#1", "1", [("A", 1, "5.00")])]) + b"#2,x@example.com\r\n"
    assert _error(short).startswith("orders_export.csv:3:Lineitem quantity: ")
    long = (
        _file([_order("#1", "1", [("A", 1, "5.00")])])
        + b",".join([b"x"] * (len(HEADER) + 1))
        + b"\r\n"
    )
    assert "cells but the header has" in _error(long)
    broken = _file([_order("#1", "1", [("A", 1, "5.00")])]).replace(b"#1", b"#\r1", 1)
    assert _error(broken).startswith("orders_export.csv:")


def test_totals_and_blank_rows_are_skipped_and_missing_columns_refused() -> None:
    rows = [[row.get(c, "") for c in HEADER] for row in _order("#1", "1", [("A", 1, "5.00")])]
    rows.append(["Total", *[""] * (len(HEADER) - 1)])
    rows.append([" "] * len(HEADER))
    assert _same(_csv(HEADER, rows)).orders.num_rows == 1
    message = _error(_csv([c for c in HEADER if c != "Subtotal"], [r[:-1] for r in rows]))
    assert "missing column(s) ['Subtotal']" in message


POOLS = {  # column: (shapes exports write, shapes that are odd or broken)
    "Lineitem quantity": (["1", "2", " 3 "], ["1,200", "0", "-1", "541.2K", "1.5", "x", ""]),
    "Lineitem price": (["5.00", "12", "0.125"], ["+1", "1e2", " 7.5", "1,234.50", "-", ""]),
    "Subtotal": (["10.00", "0", "99.995"], [".5", "", "-", "abc"]),
    "Discount Amount": (["", "0.00", "1.5"], ["-", "n/a", "bad"]),
    "Currency": (["USD", "jpy", "KWD"], ["", "-", "EUR ", "XYZ"]),
    "Created at": (
        ["2026-03-01 10:00:00 -0400", "2026-03-01T10:00:00.5Z", "2026-03-01T10:00:00+05:30"],
        ["2026-03-01 10:00", "03/01/2026 10:00", "2026-13-01 10:00:00 +0000", ""],
    ),
    "Email": (["ann@example.com", "bob@example.com", ""], ["ÀNN@example.com"]),
    "Id": (["", "1", "2", "3"], []),
    "Name": (["#1", "#2", "#3", "#4"], []),
}


def _random_cell(rng: random.Random, column: str) -> object:
    good, odd = POOLS[column]
    return rng.choice(odd) if odd and rng.random() < 0.08 else rng.choice(good)


def test_random_files_agree_with_the_row_wise_reader() -> None:
    """Many small files drawn from real and broken cell shapes: the same result or error."""
    rng = random.Random(21)
    outcomes = {"ok": 0, "error": 0}
    for _ in range(250):
        rows = []
        for _ in range(rng.randint(1, 8)):
            base = _order("#1", "", [("A", 1, "5.00")])[0]
            for column in ("Name", "Id", "Email", "Lineitem quantity", "Lineitem price"):
                base[column] = _random_cell(rng, column)
            head = rng.random() < 0.6
            for column in ("Subtotal", "Discount Amount", "Currency", "Created at"):
                base[column] = _random_cell(rng, column) if head else ""
            if not head and rng.random() < 0.5:
                base["Currency"] = _random_cell(rng, "Currency")
            rows.append(base)
        data = _file([rows])
        try:
            _same(data)
            outcomes["ok"] += 1
        except ValidationFailed:
            outcomes["error"] += 1
    assert outcomes["ok"] > 20
    assert outcomes["error"] > 20


def test_a_large_export_matches_an_independent_pandas_computation() -> None:
    rng = random.Random(5)
    orders = []
    for n in range(3000):
        lines = [
            (f"SKU-{rng.randint(0, 40)}", rng.randint(1, 3), f"{rng.randint(100, 9999) / 100:.2f}")
            for _ in range(rng.randint(1, 4))
        ]
        orders.append(
            _order(
                f"#{1000 + n}",
                str(9000 + n) if n % 7 else "",
                lines,
                email=f"c{n % 500}@example.com",
                subtotal=f"{rng.randint(100, 99999) / 100:.2f}",
                discount=f"{rng.randint(0, 500) / 100:.2f}",
                created=f"2026-0{1 + n % 9}-1{n % 10} 1{n % 10}:00:00 -0{n % 5}00",
            )
        )
    data = _file(orders)
    got, rows = read_shopify_orders(data, "big.csv")
    frame = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False)
    assert rows == len(frame)
    heads = frame[frame["Subtotal"] != ""]
    expected_gross = sum(
        Decimal(s) + Decimal(d)
        for s, d in zip(heads["Subtotal"], heads["Discount Amount"], strict=True)
    )
    assert sum(got.orders.column("gross").to_pylist()) == expected_gross
    expected_ids = [i or n for i, n in zip(heads["Id"], heads["Name"], strict=True)]
    assert got.orders.column("order_id").to_pylist() == expected_ids
    frame["order"] = frame["Name"]
    per_order = frame.groupby("order", sort=False).size().tolist()
    items = pa.table(got.items).to_pandas()
    assert items.groupby("order_id", sort=False).size().tolist() == per_order
    assert sum(items["quantity"]) == sum(int(q) for q in frame["Lineitem quantity"])
    placed = pd.to_datetime(heads["Created at"], format="%Y-%m-%d %H:%M:%S %z", utc=True)
    assert [t.replace(tzinfo=None) for t in placed] == got.orders.column("placed_at").to_pylist()


def test_import_links_sessions_by_id_name_or_bare_number_earliest_first(
    services: Services, brand: Brand
) -> None:
    """Stored end to end from an empty warehouse: tracked purchases found by the order's
    Shopify id, its name or the name without `#` (the earliest purchase event wins)."""
    start = datetime(2026, 3, 1, 15)
    events = [
        ("e1", "1001", "s-late", start + timedelta(minutes=9)),
        ("e2", "#1001", "s-first", start),
        ("e3", "#1002", "s-name", start),
        ("e4", "5003", "s-id", start),
        ("e5", "#1004", "s-page", start),  # a page view, not a purchase
    ]
    rows = [
        {
            "workspace_id": brand.workspace_id,
            "event_id": event_id,
            "site_id": "s",
            "ts": ts,
            "name": "pageview" if event_id == "e5" else "purchase",
            "order_id": order_id,
            "session_id": session,
            "visitor_id": f"v-{session}",
        }
        for event_id, order_id, session, ts in events
    ]
    load(services.warehouse, "events", arrow_rows("events", rows))
    data = _file(
        [
            _order("#1001", "5001", [("A", 1, "5.00"), ("B", 1, "5.00")]),
            _order("#1002", "5002", [("A", 1, "5.00")]),
            _order("#1003", "5003", [("A", 1, "5.00")]),
            _order("#1004", "", [("A", 1, "5.00")]),
        ]
    )
    options = ImportOptions(workspace_id=brand.workspace_id)
    first = run_import(
        services.catalog, services.warehouse, "orders-shopify", [("o.csv", data)], options
    )
    again = run_import(
        services.catalog, services.warehouse, "orders-shopify", [("o.csv", data)], options
    )
    assert (first.rows_read, first.inserted["orders"], first.inserted["order_items"]) == (5, 4, 5)
    assert (again.inserted["orders"], again.updated["orders"]) == (0, 4)
    scoped = services.warehouse.for_workspace(brand.workspace_id)
    stored = scoped.execute(scoped.table("orders")).set_index("order_id")
    assert stored.loc["5001", "session_id"] == "s-first"
    assert stored.loc["5001", "visitor_id"] == "v-s-first"
    assert stored.loc["5002", "session_id"] == "s-name"
    assert stored.loc["5003", "session_id"] == "s-id"
    assert pd.isna(stored.loc["#1004", "session_id"])
    assert stored.loc["5001", "net"] == Decimal("100.00")


def test_empty_and_header_only_files_and_unusual_digits() -> None:
    assert "the file is empty" in _error(b"")
    assert _same(",".join(HEADER).encode()).orders.num_rows == 0
    assert _same((",".join(HEADER) + "\r\n").encode()).orders.num_rows == 0
    # Digits Python's Decimal reads (Arabic-Indic) take the per-cell parser, with its result.
    data = _file([_order("#1", "1", [("A", "\u0662", "\u0661\u0662.5")])])
    (line,) = _same(data).items.to_pylist()
    assert (line["quantity"], line["unit_price"]) == (2, Decimal("12.50"))
