"""Money in each currency's own precision: the ISO 4217 table, parsing, and the warehouse's
money columns (new stores and stores from before ADR 0550)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from mercato.core.currencies import MAX_MINOR_UNIT, MINOR_UNITS, minor_unit
from mercato.core.errors import ValidationFailed
from mercato.core.money import Money, format_amount, parse_amount, parse_currency, quantum
from mercato.warehouse.connection import Warehouse
from mercato.warehouse.schemas import MONEY, TABLES


@pytest.mark.parametrize(
    ("code", "unit"),
    [("JPY", 0), ("KRW", 0), ("ISK", 0), ("EUR", 2), ("USD", 2), ("KWD", 3), ("BHD", 3)],
)
def test_minor_units_follow_iso_4217(code: str, unit: int) -> None:
    assert minor_unit(code) == unit


def test_the_table_is_iso_codes_only() -> None:
    assert all(len(code) == 3 and code.isupper() for code in MINOR_UNITS)
    for not_money in ("XAU", "XDR", "XTS", "XXX", "CLF", "UYW", "ABC", "EUROS"):
        assert minor_unit(not_money) is None, not_money
    assert minor_unit("HRK") == 2  # withdrawn in 2023, still on old orders
    assert max(MINOR_UNITS.values()) == MAX_MINOR_UNIT == MONEY.scale


@pytest.mark.parametrize(
    ("raw", "currency", "wanted"),
    [
        ("1234.5", "JPY", Decimal("1234")),  # half-even, no decimals
        ("1235.5", "jpy", Decimal("1236")),
        (" 12.3456 ", "KWD", Decimal("12.346")),
        (7.0005, "BHD", Decimal("7.000")),  # float via its repr: 7.0005 → 7.000 (half-even)
        ("19.999", "EUR", Decimal("20.00")),
        ("19.994", None, Decimal("19.99")),  # no currency known: cents, as before
    ],
)
def test_amounts_keep_their_currencys_precision(
    raw: str | float, currency: str | None, wanted: Decimal
) -> None:
    parsed = parse_amount(raw, currency=currency)
    assert parsed == wanted
    assert parsed.as_tuple().exponent == wanted.as_tuple().exponent


def test_unknown_currencies_are_refused_naming_the_field() -> None:
    with pytest.raises(ValidationFailed) as refused:
        parse_currency("abc", field="orders.csv:7:Currency")
    assert refused.value.location == "orders.csv:7:Currency"
    assert "'ABC' is not an ISO 4217 currency code" in str(refused.value)
    with pytest.raises(ValidationFailed, match="3-letter"):
        parse_currency("EURO")
    with pytest.raises(ValidationFailed) as amount:
        parse_amount("3.5", field="orders.csv:2:Total", currency="XYZ")
    assert (amount.value.location or "").startswith("orders.csv:2:Total")
    assert parse_currency(" kwd ") == "KWD"


def test_amounts_read_in_their_precision() -> None:
    assert quantum("JPY") == Decimal("1")
    assert str(Money(Decimal("1500"), "JPY")) == "1,500 JPY"
    assert str(Money(Decimal("1234.5"), "KWD")) == "1,234.500 KWD"
    assert format_amount(Decimal("-0.125"), "BHD") == "-0.125"
    assert format_amount(Decimal("3"), None) == "3.00"


def _old_store(path: Path) -> None:
    """A warehouse as Mercato wrote it before ADR 0550: money in decimal(18, 2)."""
    Warehouse.open_duckdb(path).close()
    with duckdb.connect(str(path)) as db:
        for spec in TABLES.values():
            for column, dtype in spec.schema.items():
                if dtype == MONEY:
                    db.execute(
                        f'ALTER TABLE "{spec.name}" ALTER COLUMN "{column}" TYPE DECIMAL(18,2)'
                    )
        db.execute(
            "INSERT INTO orders (workspace_id, row_key, order_id, currency, gross, net) "
            "VALUES ('ws', 'k1', 'o1', 'EUR', 99999999999999.99, -0.01)"
        )


def test_an_older_store_is_widened_without_losing_a_cent(tmp_path: Path) -> None:
    path = tmp_path / "warehouse.duckdb"
    _old_store(path)
    with duckdb.connect(str(path)) as db:
        assert db.execute(
            "SELECT data_type FROM information_schema.columns "
            "WHERE table_name = 'orders' AND column_name = 'gross'"
        ).fetchone() == ("DECIMAL(18,2)",)
    warehouse = Warehouse.open_duckdb(path)  # the upgrade happens on open
    try:
        schema = warehouse.backend.get_schema("orders")
        assert schema["gross"] == MONEY
        assert schema["net"] == MONEY
        row = warehouse.backend.raw_sql("SELECT gross, net FROM orders").fetchone()
        assert row == (Decimal("99999999999999.99"), Decimal("-0.01"))
    finally:
        warehouse.close()
    reopened = Warehouse.open_duckdb(path)  # idempotent: nothing left to widen
    reopened.close()


def _purchase(currency: str, revenue: str, order_id: str) -> bytes:
    return (
        '{"key": "pk_site", "name": "purchase", "url": "https://acme.example/thanks", '
        f'"visitor_id": "v-{order_id}", "event_id": "e-{order_id}", "order_id": "{order_id}", '
        f'"revenue": "{revenue}", "currency": "{currency}"}}'
    ).encode()


def test_the_collector_keeps_each_currencys_precision(tmp_path: Path) -> None:
    """Tracker body → validated event → stored event and order, in the currency's minor unit."""
    from datetime import datetime

    from mercato.collect.enrich import Hit, SiteConfig, event_row
    from mercato.collect.identity import SaltStore
    from mercato.collect.payload import parse_body
    from mercato.collect.store import EventStore

    site = SiteConfig("site_x", "ws_money", "acme.example", identity_mode="first_party_id")
    at = Hit("", "Mozilla/5.0 Chrome/120.0", datetime(2024, 3, 1, 12, 0, 0, 654321))
    rows = [
        event_row(parse_body(_purchase(code, revenue, order)).events[0], site, at, SaltStore(None))
        for code, revenue, order in [
            ("KWD", "12.345", "k1"),
            ("bhd", "0.125", "b1"),
            ("JPY", "1500.5", "j1"),  # half-even to whole yen: 1500
        ]
    ]
    warehouse = Warehouse.open_duckdb(tmp_path / "warehouse.duckdb")
    try:
        EventStore(warehouse).store(rows)
        orders = warehouse.backend.raw_sql(
            "SELECT order_id, currency, gross FROM orders ORDER BY order_id"
        ).fetchall()
    finally:
        warehouse.close()
    assert orders == [
        ("b1", "BHD", Decimal("0.125")),
        ("j1", "JPY", Decimal("1500")),
        ("k1", "KWD", Decimal("12.345")),
    ]
    with pytest.raises(ValidationFailed) as refused:
        parse_body(_purchase("KWX", "1.000", "x1"))
    assert refused.value.location == "currency"
    assert "ISO 4217" in str(refused.value)
