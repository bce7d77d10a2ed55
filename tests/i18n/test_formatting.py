"""Numbers, money, percentages and dates by locale (Babel), against hand-written values."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from mercato.i18n import formatting


@pytest.mark.parametrize(
    ("value", "currency", "language", "money", "amount"),
    [
        (Decimal("1234567"), "JPY", "ja", "￥1,234,567", "1,234,567"),
        (Decimal("1234.5"), "JPY", "ja", "￥1,235", "1,235"),  # half up, no decimals
        (1234.4, "JPY", "en", "¥1,234", "1,234"),
        (Decimal("1234.5"), "USD", "en", "$1,234.50", "1,234.50"),
        (Decimal("1234.5"), "USD", "ja", "$1,234.50", "1,234.50"),
        (Decimal("0.0005"), "KWD", "en", "KWD0.001", "0.001"),
        (Decimal("-12.345"), "EUR", "en", "-€12.35", "-12.35"),
    ],
)
def test_money_keeps_the_currency_minor_unit(
    value: Decimal | float, currency: str, language: str, money: str, amount: str
) -> None:
    assert formatting.money(value, currency, language) == money
    assert formatting.amount(value, currency, language) == amount


def test_numbers_percentages_and_dates() -> None:
    assert formatting.number(1234567, "ja") == "1,234,567"
    assert formatting.number(1234.5678, "en", 1) == "1,234.6"
    assert formatting.number(12, "en", 0) == "12"
    assert formatting.percent(0.1234, "ja") == "12.3%"
    assert formatting.percent(0.5, "en", 0) == "50%"
    assert formatting.day(date(2024, 11, 12), "ja") == "2024/11/12"
    assert formatting.day(date(2024, 11, 12), "en") == "Nov 12, 2024"
    stored = datetime(2024, 11, 12, 15, 30, 0, 123456)  # naive UTC, as the catalog stores it
    assert formatting.moment(stored, "ja", time_zone="Asia/Tokyo") == "2024/11/13 0:30:00"
    for bad in (None, "12", True):
        assert formatting.number(bad) == "n/a"
        assert formatting.money(bad, "JPY") == "n/a"
