"""Pinterest Ads export (CSV with a trailing `Total` row) → ad spend."""

from __future__ import annotations

from mercato.connectors.adspend import AdSpendDay
from mercato.connectors.csvfile import Row, Table
from mercato.connectors.parsing import NumberLocale, parse_count, parse_day, parse_decimal
from mercato.core.money import parse_amount

REQUIRED = ("Date", "Campaign name", "Spend in account currency", "Impressions")


def _count(row: Row, column: str, locale: NumberLocale) -> int | None:
    if column not in row.cells:
        return None
    return row.parse_optional(column, lambda raw: parse_count(raw, locale))


def parse_pinterest_ads(
    table: Table, account_currency: str, locale: NumberLocale = NumberLocale.EN
) -> list[AdSpendDay]:
    table.require_columns(REQUIRED, "Pinterest Ads export")
    rows = []
    for row in table.rows:
        value = None
        if "Checkout value in account currency" in row.cells:
            value = row.parse_optional(
                "Checkout value in account currency",
                lambda raw: parse_amount(parse_decimal(raw, locale), currency=account_currency),
            )
        rows.append(
            AdSpendDay(
                day=row.parse("Date", parse_day),
                platform="pinterest",
                campaign=row.require("Campaign name"),
                ad_set=row.get("Ad group name") or "",
                ad=row.get("Ad name") or "",
                currency=account_currency,
                spend=row.parse(
                    "Spend in account currency",
                    lambda raw: parse_amount(parse_decimal(raw, locale), currency=account_currency),
                ),
                impressions=_count(row, "Impressions", locale),
                clicks=_count(row, "Outbound clicks", locale),
                conversions=_count(row, "Checkouts", locale),
                conversion_value=value,
                source_system="pinterest_ads_export",
                where=row.where("Campaign name"),
            )
        )
    return rows
