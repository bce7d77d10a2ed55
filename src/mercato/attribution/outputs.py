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


# Ad platforms (`ad_spend.platform`) whose spend buys search or video clicks; every other ad
# platform (Meta, Instagram, TikTok, Pinterest, Snapchat, X, LinkedIn, LINE...) buys social
# clicks, which GA4's channel rules put in Paid Social.
AD_PLATFORM_CHANNELS = {
    "google": "Paid Search",
    "google_ads": "Paid Search",
    "bing": "Paid Search",
    "microsoft": "Paid Search",
    "microsoft_ads": "Paid Search",
    "yahoo": "Paid Search",
    "youtube": "Paid Video",
}
PAID_SOCIAL = "Paid Social"


def ad_channel(platform: str) -> str:
    """The channel an ad platform's clicks arrive in."""
    return AD_PLATFORM_CHANNELS.get(platform.strip().lower(), PAID_SOCIAL)


def _spend_key(by: Granularity, platform: str, campaign: str | None) -> str | None:
    if by is Granularity.CHANNEL:
        return ad_channel(platform).lower()
    if by is Granularity.PLATFORM:
        # Touches from a social platform carry its name; the others, their channel's.
        channel = ad_channel(platform)
        return (platform if channel == PAID_SOCIAL else channel).strip().lower()
    if by is Granularity.CAMPAIGN:
        return campaign.strip().lower() if campaign else None
    return None


def spend_by_label(
    warehouse: ScopedWarehouse,
    by: Granularity,
    start: datetime | None,
    end: datetime | None,
    currency: str | None = None,
) -> dict[str, Decimal]:
    """Ad spend per channel, platform or campaign (lower-cased keys, as the touch labels
    read) in the range, in `currency`'s precision; {} for other levels. Spend is summed per
    (platform, campaign) in the engine, then keyed here by the level's label."""
    if by not in (Granularity.CHANNEL, Granularity.PLATFORM, Granularity.CAMPAIGN):
        return {}
    spend = warehouse.table("ad_spend")
    if start is not None:
        spend = spend.filter(spend.day >= start.date())
    if end is not None:
        spend = spend.filter(spend.day < end.date())
    keyed = spend.filter(spend.platform.notnull())
    totals = keyed.group_by(["platform", "campaign"]).aggregate(spend=keyed.spend.sum())
    frame = warehouse.execute(totals)
    summed: dict[str, Decimal] = {}
    for row in frame.to_dict("records"):
        if row["spend"] is None or str(row["spend"]) in ("nan", "NaN"):
            continue
        campaign = row["campaign"] if isinstance(row["campaign"], str) else None
        key = _spend_key(by, str(row["platform"]), campaign)
        if key is not None:
            summed[key] = summed.get(key, Decimal(0)) + Decimal(row["spend"])
    return {key: round_money(value, currency) for key, value in summed.items() if value > 0}
