"""Report pieces beside the credits: top paths, time and sessions to conversion, ad spend."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import numpy as np

from mercato.attribution.journeys import Granularity, Journeys
from mercato.attribution.models.paths import MICROSECONDS_PER_DAY
from mercato.core.money import round_money
from mercato.warehouse.connection import ScopedWarehouse

DAY_BUCKETS = ((0, 1, "< 1 day"), (1, 3, "1-3 days"), (3, 7, "3-7 days"), (7, 14, "7-14 days"))
DAY_BUCKETS_LAST = (14, "14+ days")
SESSION_BUCKETS = ((1, 1, "1"), (2, 2, "2"), (3, 3, "3"), (4, 5, "4-5"), (6, 10, "6-10"))
SESSION_BUCKETS_LAST = (11, "11+")
PATH_SEPARATOR = " > "


@dataclass(frozen=True)
class Distribution:
    buckets: list[str]
    counts: list[int]
    median: float | None


@dataclass(frozen=True)
class PathRow:
    path: str
    conversions: int
    revenue: Decimal


def top_paths(journeys: Journeys, limit: int = 10, currency: str | None = None) -> list[PathRow]:
    """The most frequent label sequences among converting journeys; revenue in `currency`'s
    precision."""
    paths = journeys.paths
    converting = np.flatnonzero(paths.converted)
    counts: Counter[str] = Counter()
    revenue: dict[str, float] = {}
    for journey in converting:
        codes = paths.label[paths.offsets[journey] : paths.offsets[journey + 1]]
        key = PATH_SEPARATOR.join(journeys.labels[code] for code in codes)
        counts[key] += 1
        revenue[key] = revenue.get(key, 0.0) + float(journeys.revenue[journey])
    ranked = sorted(counts.items(), key=lambda item: (-item[1], -revenue[item[0]], item[0]))
    return [
        PathRow(path, count, round_money(revenue[path], currency)) for path, count in ranked[:limit]
    ]


def _histogram(
    values: np.ndarray, bounded: tuple[tuple[float, float, str], ...], last: tuple[float, str]
) -> Distribution:
    counts = [int(((values >= low) & (values < high)).sum()) for low, high, _ in bounded]
    counts.append(int((values >= last[0]).sum()))
    median = float(np.median(values)) if len(values) else None
    return Distribution([name for *_, name in bounded] + [last[1]], counts, median)


def time_to_conversion(journeys: Journeys) -> Distribution:
    """Days from a converting journey's first touch to its conversion."""
    converted = journeys.paths.converted
    ends = journeys.paths.conversion_time
    if ends is None:
        return _histogram(np.zeros(0), DAY_BUCKETS, DAY_BUCKETS_LAST)
    days = (ends - journeys.first_touch_time)[converted] / MICROSECONDS_PER_DAY
    return _histogram(days, DAY_BUCKETS, DAY_BUCKETS_LAST)


def sessions_to_conversion(journeys: Journeys) -> Distribution:
    """Sessions in a converting journey, the converting one included."""
    sessions = journeys.sessions[journeys.paths.converted].astype(np.float64)
    bounded = tuple((low, high + 1, name) for low, high, name in SESSION_BUCKETS)
    return _histogram(sessions, bounded, SESSION_BUCKETS_LAST)


def spend_by_label(
    warehouse: ScopedWarehouse,
    by: Granularity,
    start: datetime | None,
    end: datetime | None,
    currency: str | None = None,
) -> dict[str, Decimal]:
    """Ad spend per platform or campaign (lower-cased keys) in the range, in `currency`'s
    precision; {} for other levels."""
    column = {Granularity.PLATFORM: "platform", Granularity.CAMPAIGN: "campaign"}.get(by)
    if column is None:
        return {}
    spend = warehouse.table("ad_spend")
    if start is not None:
        spend = spend.filter(spend.day >= start.date())
    if end is not None:
        spend = spend.filter(spend.day < end.date())
    keyed = spend.filter(spend[column].notnull())
    totals = keyed.group_by(key=keyed[column].lower()).aggregate(spend=keyed.spend.sum())
    frame = warehouse.execute(totals)
    return {
        str(row["key"]): round_money(Decimal(row["spend"]), currency)
        for row in frame.to_dict("records")
        if row["spend"] is not None and Decimal(row["spend"]) > 0
    }
