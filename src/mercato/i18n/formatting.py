"""Numbers, money, percentages and dates written the way a locale writes them (Babel).

Money keeps its currency's minor unit (ADR 0550): JPY has none, so ¥1,235 never shows
decimals; USD shows two, KWD three. A value that is not a number is shown as "n/a".
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date as babel_date
from babel.dates import format_datetime as babel_datetime
from babel.numbers import format_currency, format_decimal, get_currency_precision
from babel.numbers import format_percent as babel_percent

NA = "n/a"
Number = int | float | Decimal


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def number(value: Any, locale: str = "en", decimals: int | None = None) -> str:
    """Grouped digits in the locale's symbols; `decimals` fixes the fraction digits."""
    if not _is_number(value):
        return NA
    pattern = None if decimals is None else "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(value, format=pattern, locale=locale)


def _in_minor_units(value: Any, currency: str) -> tuple[Decimal, int]:
    digits = get_currency_precision(currency)
    exact = Decimal(str(value)).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    return exact, digits


def amount(value: Any, currency: str, locale: str = "en") -> str:
    """An amount in the currency's own decimals, without its sign (tables name the currency
    in the heading): JPY 1234.5 → "1,235", USD → "1,234.50", KWD → "1,234.500"."""
    if not _is_number(value):
        return NA
    exact, digits = _in_minor_units(value, currency)
    return number(exact, locale, digits)


def money(value: Any, currency: str, locale: str = "en") -> str:
    """An amount with its currency sign the locale's way: ￥1,235 (ja), ¥1,235 (en), $1,234.50."""
    if not _is_number(value):
        return NA
    exact, _ = _in_minor_units(value, currency)
    return format_currency(exact, currency, locale=locale)


def percent(value: Any, locale: str = "en", decimals: int = 1) -> str:
    """A fraction as a percentage (0.1234 → 12.3 %), written the locale's way."""
    if not _is_number(value):
        return NA
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "") + "%"
    return babel_percent(value, format=pattern, locale=locale)


def day(value: date | None, locale: str = "en", style: str = "medium") -> str:
    if value is None:
        return NA
    return babel_date(value, format=style, locale=locale)


def moment(
    value: datetime | None, locale: str = "en", style: str = "medium", time_zone: str = "UTC"
) -> str:
    """A stored (naive UTC) or aware time, shown in the workspace's time zone."""
    if value is None:
        return NA
    return babel_datetime(value, format=style, locale=locale, tzinfo=ZoneInfo(time_zone))
