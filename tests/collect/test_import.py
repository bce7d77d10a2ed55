"""`mercato import events`: mapping files, drift tolerance, bad rows, atomicity, idempotence."""

from __future__ import annotations

import csv
import io
import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from mercato.cli.main import app as cli
from mercato.runtime import Services
from tests.support.brands import Brand

MAPPING = """
optional = ["referrer", "revenue", "order_id", "currency"]
[columns]
event_id = "uuid"
ts = ["timestamp", "time"]
name = "event"
url = "current_url"
referrer = "referrer"
visitor_id = ["distinct_id", "anonymous_id"]
order_id = "properties.order_id"
revenue = "properties.revenue"
currency = "properties.currency"
[events]
pageview = ["$pageview", "page_view"]
purchase = ["purchase", "Order Completed"]
[properties]
column = "properties"
"""

CSV_JANUARY = (
    "uuid,timestamp,event,current_url,referrer,distinct_id,properties\n"
    "u1,2026-01-10T10:00:00Z,$pageview,"
    "https://acme.example/?utm_source=pinterest&utm_medium=social,,d1,{}\n"
    "u2,2026-01-10T10:05:00Z,purchase,https://acme.example/checkout/thanks,"
    'https://checkout.stripe.com/,d1,"{""order_id"": ""A-1"", ""revenue"": ""30.00"", '
    '""currency"": ""EUR""}"\n'
)
# February's export renamed two columns and dropped `referrer`; the mapping allows both.
NDJSON_FEBRUARY = [
    {
        "uuid": "u3",
        "time": 1770717600000,
        "event": "page_view",
        "current_url": "https://acme.example/p/1",
        "anonymous_id": "d2",
        "properties": {"plan": "gold"},
    },
    {
        "uuid": "u4",
        "time": 1770718000000,
        "event": "Order Completed",
        "current_url": "https://acme.example/t",
        "anonymous_id": "d2",
        "properties": {"order_id": "B-2", "revenue": 12.5, "currency": "USD"},
    },
]


def _files(tmp_path: Path, february: list[dict[str, object]] = NDJSON_FEBRUARY) -> list[str]:
    (tmp_path / "map.toml").write_text(MAPPING)
    (tmp_path / "jan.csv").write_text(CSV_JANUARY)
    (tmp_path / "feb.ndjson").write_text("\n".join(json.dumps(r) for r in february) + "\n")
    return [str(tmp_path / "jan.csv"), str(tmp_path / "feb.ndjson")]


def _run(services: Services, brand: Brand, args: list[str], monkeypatch: object) -> tuple[int, str]:
    import pytest

    assert isinstance(monkeypatch, pytest.MonkeyPatch)
    settings = services.settings
    monkeypatch.setenv("MERCATO_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("MERCATO_SECRET_KEY", str(settings.secret_key))
    services.warehouse.close()  # DuckDB: one writing process (the CLI opens its own)
    result = CliRunner().invoke(
        cli, ["import", "events", *args, "--workspace", brand.slug], catch_exceptions=False
    )
    return result.exit_code, result.output


def _reopen(services: Services) -> list[dict[str, Any]]:
    from mercato.warehouse.connection import Warehouse

    warehouse = Warehouse.open_duckdb(services.settings.resolved_warehouse_path)
    events: list[dict[str, Any]] = warehouse.backend.to_pyarrow(
        warehouse.raw_table("events")
    ).to_pylist()
    sessions = warehouse.backend.to_pyarrow(warehouse.raw_table("sessions")).to_pylist()
    warehouse.close()
    return events + [{"session": s} for s in sessions]


def test_import_with_drift_is_idempotent(
    services: Services, brand: Brand, tmp_path: Path, monkeypatch: object
) -> None:
    files = _files(tmp_path)
    mapping = ["--mapping", str(tmp_path / "map.toml")]
    code, output = _run(services, brand, [*files, *mapping], monkeypatch)
    assert code == 0, output
    assert "4 rows read" in output
    assert re.search(r"4  stored\n", output), output
    code, output = _run(services, brand, [*files, *mapping], monkeypatch)
    assert re.search(r"4  merged \(duplicates\)\n", output), output
    assert "stored" not in output
    stored = _reopen(services)
    events = {r["event_id"]: r for r in stored if "event_id" in r}
    assert set(events) == {"u1", "u2", "u3", "u4"}
    assert events["u2"]["name"] == "purchase"
    assert events["u2"]["revenue"] == Decimal("30.00")  # EUR, in a decimal(18, 3) column
    assert events["u4"]["name"] == "purchase"
    assert events["u4"]["order_id"] == "B-2"
    assert str(events["u3"]["ts"]) == "2026-02-10 10:00:00"
    assert json.loads(str(events["u3"]["properties"])) == {"plan": "gold"}
    sessions = [r["session"] for r in stored if "session" in r]
    first = next(s for s in sessions if s["visitor_id"] == "d1")
    assert first["channel"] == "Organic Social"
    assert first["orders"] == 1


def test_bad_rows_are_reported_and_nothing_is_written(
    services: Services, brand: Brand, tmp_path: Path, monkeypatch: object
) -> None:
    february: list[dict[str, object]] = [
        *NDJSON_FEBRUARY,
        {"uuid": "u5", "time": "yesterday", "event": "page_view", "anonymous_id": "d3"},
    ]
    files = _files(tmp_path, february)
    (tmp_path / "feb.ndjson").write_text((tmp_path / "feb.ndjson").read_text() + "{not json\n")
    code, output = _run(
        services, brand, [*files, "--mapping", str(tmp_path / "map.toml")], monkeypatch
    )
    assert code == 2
    assert "feb.ndjson:3:time: not a timestamp: 'yesterday'" in output  # the file's key
    assert "feb.ndjson:4:row: not valid JSON" in output
    assert "nothing was imported" in output
    assert [r for r in _reopen(services) if "event_id" in r] == []


def test_missing_column_needs_the_mapping_to_allow_it(
    services: Services, brand: Brand, tmp_path: Path, monkeypatch: object
) -> None:
    files = _files(tmp_path)
    (tmp_path / "strict.toml").write_text(
        MAPPING.replace('optional = ["referrer", ', "optional = [")
    )
    (tmp_path / "jan.csv").write_text(
        CSV_JANUARY.replace(",referrer", "")
        .replace(",,d1", ",d1")
        .replace(",https://checkout.stripe.com/", "")
    )
    code, output = _run(
        services, brand, [files[0], "--mapping", str(tmp_path / "strict.toml")], monkeypatch
    )
    assert code == 2
    assert "jan.csv:1:referrer: column missing" in output


SHOPIFY_MAPPING = """
optional = ["order_id", "revenue", "currency", "items", "channel"]
[columns]
event_id = "id"
ts = "at"
name = "ev"
visitor_id = "who"
channel = "chan"
order_id = "oid"
revenue = "amount"
currency = "cur"
items = "basket"
[items]
sku = ["article"]
[options]
derive_order_ids = false
"""


def _shopify_log(tmp_path: Path) -> list[str]:
    basket = json.dumps(
        [{"product_id": 7, "article": "MUG-1", "title": "Mug", "price": "9.50", "quantity": 2}]
    )
    rows = [
        ["id", "at", "ev", "who", "chan", "oid", "amount", "cur", "basket"],
        ["s1", "1770717600.123456", "page_view", "w1", "Paid Social", "", "", "", ""],
        ["s2", "1770717700.5", "purchase", "w1", "", "A-9", "19.00", "EUR", basket],
        ["s3", "1770717800", "purchase", "w2", "", "", "5.00", "EUR", ""],
    ]
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    (tmp_path / "shop.csv").write_text(out.getvalue())
    (tmp_path / "shop.toml").write_text(SHOPIFY_MAPPING)
    return [str(tmp_path / "shop.csv"), "--mapping", str(tmp_path / "shop.toml")]


def test_item_keys_channel_column_and_refused_missing_order_id(
    services: Services, brand: Brand, tmp_path: Path, monkeypatch: object
) -> None:
    args = _shopify_log(tmp_path)
    code, output = _run(services, brand, args, monkeypatch)
    assert code == 2
    assert "shop.csv:4:oid: a purchase needs an order_id" in output  # the file's column
    assert re.search(r"2  not written", output), output
    code, output = _run(services, brand, [*args, "--skip-bad-rows"], monkeypatch)
    assert code == 0, output
    assert re.search(r"2  stored\n", output), output
    assert re.search(r"1  bad\n", output), output
    stored = {r["event_id"]: r for r in _reopen(services) if "event_id" in r}
    assert stored["s1"]["channel"] == "Paid Social"
    assert stored["s1"]["channel_signal"] == "mapping"
    assert str(stored["s1"]["ts"]) == "2026-02-10 10:00:00.123456"
    items = json.loads(str(stored["s2"]["properties"]))["items"]
    assert items == [{"id": "7", "sku": "MUG-1", "name": "Mug", "quantity": 2, "price": "9.50"}]


def test_unknown_item_key_in_mapping_names_the_place(
    services: Services, brand: Brand, tmp_path: Path, monkeypatch: object
) -> None:
    args = _shopify_log(tmp_path)
    (tmp_path / "shop.toml").write_text(SHOPIFY_MAPPING.replace("sku = ", "colour = "))
    code, output = _run(services, brand, args, monkeypatch)
    assert code == 2
    assert "shop.toml:items" in output
