"""Meta Business Suite daily series: UTF-16 LE files with a `sep=,` line, then the metric
name (`"Facebook follows"`, `"Views"`, ...), then `"Date","Primary"` rows."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from mercato.connectors.csvfile import Table
from mercato.connectors.parsing import NumberLocale, parse_day, parse_decimal
from mercato.connectors.social import AccountDay, MetricValue, Missing
from mercato.core.errors import ValidationFailed

FORMAT = "meta_business_suite_daily"
METRICS = {
    "facebook follows": ("facebook", "follows"),
    "instagram follows": ("instagram", "follows"),
    "content interactions": (None, "interactions"),
    "facebook link clicks": ("facebook", "link_clicks"),
    "instagram link clicks": ("instagram", "link_clicks"),
    "views": (None, "views"),
    "viewers": (None, "reach"),
    "reach": (None, "reach"),
    "facebook visits": ("facebook", "profile_visits"),
    "instagram profile visits": ("instagram", "profile_visits"),
}


def parse_meta_daily(
    table: Table, account_id: str, platform: str, locale: NumberLocale = NumberLocale.EN
) -> list[AccountDay]:
    table.require_columns(("Date", "Primary"), "Meta Business Suite daily series")
    vendor = table.preamble[0] if table.preamble else ""
    known = METRICS.get(vendor.lower())
    if known is None:
        raise ValidationFailed(
            f"unknown metric {vendor!r}; known: {sorted(METRICS)}",
            location=f"{table.source}:{len(table.preamble)}",
        )
    fixed_platform, metric = known
    values: dict[date, MetricValue] = defaultdict()
    for row in table.rows:
        day = row.parse("Date", parse_day)
        number = row.parse_optional("Primary", lambda raw: parse_decimal(raw, locale))
        values[day] = (
            MetricValue.missing(metric, vendor, Missing.EMPTY)
            if number is None
            else MetricValue(metric, float(number), vendor)
        )
    return [
        AccountDay(fixed_platform or platform, account_id, day, FORMAT, (value,))
        for day, value in sorted(values.items())
    ]
