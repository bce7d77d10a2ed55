"""Meta Ads Manager export (CSV): one row per ad and day → ad spend.

The currency is inside a header (`Amount spent (EUR)`). Rows must be daily (Breakdown →
By time → Day): a row covering several days cannot be split honestly, so it is rejected.

With the delivery breakdown (Breakdown → By delivery → Platform, or Platform & placement) a
row names the publisher platform: the Ads Manager's display value in a `Platform` column
("Instagram", "Facebook", "Audience Network", "Messenger", "Threads") or the Marketing API's
`publisher_platform` ("instagram", "audience_network"). Such a row is stored under that
platform, so its spend meets the Instagram or Facebook touches it bought. A row without one
is stored as `meta`: spend across Meta's platforms that cannot be split (shown as "Meta
(Facebook + Instagram)", never dropped).
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
# The delivery breakdown's column: Ads Manager's display name, or the API field's.
PLATFORM_COLUMNS = ("Platform", "publisher_platform", "Publisher platform")
UNSPLIT = "meta"
# Publisher platforms, by their API value and their display value (lower-cased), to the
# platform the spend is stored under; every one of them is a Meta platform.
PUBLISHERS = {
    "facebook": "facebook",
    "instagram": "instagram",
    "messenger": "messenger",
    "audience_network": "audience_network",
    "audience network": "audience_network",
    "threads": "threads",
    "whatsapp": "whatsapp",
}
# What a Meta export stores: an import replaces the day's rows of an ad on all of them, so a
# file with the breakdown replaces one without it (and the reverse) instead of adding to it.
META_PLATFORMS = frozenset({UNSPLIT, *PUBLISHERS.values()})


def platform_column(table: Table) -> str | None:
    for column in PLATFORM_COLUMNS:
        if column in table.header:
            return column
    return None


def publisher_platform(row: Row, column: str | None) -> str:
    """The stored platform of a row: its publisher platform, or `meta` when the export has
    no breakdown or the cell is blank; an unknown name is an error naming the cell."""
    raw = (row.get(column) or "").strip() if column else ""
    if not raw or raw.lower() == "unknown":  # Ads Manager's "Unknown" is unsplit spend
        return UNSPLIT
    found = PUBLISHERS.get(" ".join(raw.lower().replace("-", " ").split()))
    found = found or PUBLISHERS.get(raw.lower().replace(" ", "_"))
    if found is None:
        raise row.error(
            column or "Platform",
            f"unknown publisher platform {raw!r}; expected one of Facebook, Instagram, "
            "Messenger, Audience Network, Threads",
        )
    return found


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
    publisher = platform_column(table)
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
                platform=publisher_platform(row, publisher),
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
