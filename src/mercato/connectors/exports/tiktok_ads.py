"""TikTok Ads Manager custom report export (CSV), broken down by day → ad spend."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from mercato.connectors.adspend import AdSpendDay
from mercato.connectors.csvfile import Row, Table
from mercato.connectors.parsing import NumberLocale, parse_count, parse_day, parse_decimal
from mercato.core.errors import ValidationFailed
from mercato.core.money import parse_amount, parse_currency

DAY_COLUMNS = ("Date", "By Day", "Stat time")
REQUIRED = ("Campaign name", "Cost", "Impressions")


def _day_column(table: Table) -> str:
    for column in DAY_COLUMNS:
        if column in table.header:
            return column
    raise ValidationFailed(
        f"no day column (one of {list(DAY_COLUMNS)}); export the report broken down by day",
        location=f"{table.source}:1",
    )


def _count(row: Row, column: str, locale: NumberLocale) -> int | None:
    if column not in row.cells:
        return None
    return row.parse_optional(column, lambda raw: parse_count(raw, locale))


def _amount(locale: NumberLocale, currency: str) -> Callable[[str], Decimal]:
    """A cell parser for money in `currency`'s minor unit."""
    return lambda raw: parse_amount(parse_decimal(raw, locale), currency=currency)


def parse_tiktok_ads(
    table: Table, default_currency: str, locale: NumberLocale = NumberLocale.EN
) -> list[AdSpendDay]:
    table.require_columns(REQUIRED, "TikTok Ads export")
    day_column = _day_column(table)
    rows = []
    for row in table.rows:
        currency = row.parse_optional("Currency", parse_currency) or default_currency
        clicks_column = "Clicks (destination)" if "Clicks (destination)" in row.cells else "Clicks"
        value = None
        if "Total purchase value" in row.cells:
            value = row.parse_optional(
                "Total purchase value",
                _amount(locale, currency),
            )
        rows.append(
            AdSpendDay(
                day=row.parse(day_column, parse_day),
                platform="tiktok",
                campaign=row.require("Campaign name"),
                ad_set=row.get("Ad group name") or "",
                ad=row.get("Ad name") or "",
                currency=currency,
                spend=row.parse("Cost", _amount(locale, currency)),
                impressions=_count(row, "Impressions", locale),
                clicks=_count(row, clicks_column, locale),
                conversions=_count(row, "Conversions", locale),
                conversion_value=value,
                source_system="tiktok_ads_export",
                where=row.where("Campaign name"),
            )
        )
    return rows
