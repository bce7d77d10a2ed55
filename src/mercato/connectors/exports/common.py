"""Helpers shared by the post-export importers: metric columns and snapshot times."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta

from mercato.connectors.csvfile import Row
from mercato.connectors.parsing import NumberLocale, parse_decimal
from mercato.connectors.social import MetricValue, Missing
from mercato.core.errors import ValidationFailed

_RANGE_IN_NAME = re.compile(r"(\d{4}-\d{2}-\d{2})_(\d{4}-\d{2}-\d{2})")


def metric_values(
    row: Row,
    columns: Sequence[tuple[str, str]],
    locale: NumberLocale,
    absent: dict[str, str] | None = None,
) -> list[MetricValue]:
    """(vendor column, neutral metric) pairs → values; a blank cell is NULL, not 0.

    `absent` maps neutral metrics to the reason they cannot exist for this row (e.g. Reels
    have no follows), which wins over whatever the cell says.
    """
    values = []
    for column, metric in columns:
        if absent and metric in absent:
            values.append(MetricValue.missing(metric, column, absent[metric]))
        elif column not in row.cells:
            values.append(MetricValue.missing(metric, column, Missing.NOT_IN_EXPORT))
        else:
            number = row.parse_optional(column, lambda raw: parse_decimal(raw, locale))
            values.append(
                MetricValue.missing(metric, column, Missing.EMPTY)
                if number is None
                else MetricValue(metric, float(number), column)
            )
    return values


def range_end_from_name(source: str) -> date | None:
    """`account_analytics_content_2026-08-01_2026-08-31.csv` → 2026-08-31."""
    match = _RANGE_IN_NAME.search(source)
    return date.fromisoformat(match.group(2)) if match else None


def snapshot_time(source: str, as_of: date | None, newest: datetime | None) -> datetime:
    """When the lifetime totals in an export were true, chosen deterministically so that
    importing the same file twice makes one snapshot: `as_of`, else the range end in the
    file name, else the end of the newest post's day."""
    day = as_of or range_end_from_name(source)
    if day is None and newest is not None:
        day = newest.date()
    if day is None:
        return datetime.combine(date(1970, 1, 1), time.min)
    if day >= date.max:  # the day after cannot be represented
        raise ValidationFailed(f"the export's last day {day} is out of range", location=source)
    return datetime.combine(day + timedelta(days=1), time.min)
