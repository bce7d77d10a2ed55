"""Meta Ads Manager export (CSV): one row per ad and day → ad spend.

The currency is inside a header (`Amount spent (EUR)`). Rows must be daily (Breakdown →
By time → Day): a row covering several days cannot be split honestly, so it is rejected.
"""

from __future__ import annotations

import re

from mercato.connectors.adspend import AdSpendDay
from mercato.connectors.csvfile import Row, Table
from mercato.connectors.parsing import NumberLocale, parse_count, parse_day, parse_decimal
from mercato.core.errors import ValidationFailed
from mercato.core.money import parse_amount

REQUIRED = ("Campaign name", "Reporting starts", "Reporting ends")
_SPENT = re.compile(r"^Amount spent \(([A-Z]{3})\)$")
PURCHASE_COLUMNS = ("Purchases", "Website purchases")
VALUE_COLUMNS = ("Purchases conversion value", "Website purchases conversion value")


def spend_column(table: Table) -> tuple[str, str]:
    for column in table.header:
        match = _SPENT.match(column)
        if match:
            return column, match.group(1)
    raise ValidationFailed(
        "no 'Amount spent (<CURRENCY>)' column; export from Ads Manager with the "
        "amount spent column",
        location=f"{table.source}:1",
    )


def _first(row: Row, columns: tuple[str, ...], locale: NumberLocale) -> int | None:
    for column in columns:
        if column in row.cells:
            return row.parse_optional(column, lambda raw: parse_count(raw, locale))
    return None


def parse_meta_ads(table: Table, locale: NumberLocale = NumberLocale.EN) -> list[AdSpendDay]:
    table.require_columns(REQUIRED, "Meta Ads Manager export")
    spent, currency = spend_column(table)
    rows = []
    for row in table.rows:
        day = row.parse("Reporting starts", parse_day)
        if row.parse("Reporting ends", parse_day) != day:
            raise row.error(
                "Reporting ends", "expected one day per row (export with Breakdown → By time → Day)"
            )
        conversions = _first(row, PURCHASE_COLUMNS, locale)
        result_type = (row.get("Result type") or "").lower()
        if conversions is None and "purchase" in result_type:
            conversions = _first(row, ("Results",), locale)
        value = None
        for column in VALUE_COLUMNS:
            if column in row.cells:
                value = row.parse_optional(
                    column, lambda raw: parse_amount(parse_decimal(raw, locale), currency=currency)
                )
        rows.append(
            AdSpendDay(
                day=day,
                platform="meta",
                campaign=row.require("Campaign name"),
                ad_set=row.get("Ad set name") or "",
                ad=row.get("Ad name") or "",
                currency=currency,
                spend=row.parse(
                    spent, lambda raw: parse_amount(parse_decimal(raw, locale), currency=currency)
                ),
                impressions=_first(row, ("Impressions",), locale),
                clicks=_first(row, ("Link clicks", "Clicks (all)"), locale),
                conversions=conversions,
                conversion_value=value,
                source_system="meta_ads_export",
                where=row.where("Campaign name"),
            )
        )
    return rows
