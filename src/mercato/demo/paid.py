"""Paid campaigns (social and search): which ad each paid session came from, and daily spend.

Spend rows are derived from the sessions the ads actually brought, so platform clicks exceed
site sessions by a realistic click-to-session loss and ROAS stays plausible.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from mercato.demo import arrow
from mercato.demo.locale import ENGLISH, DemoLocale
from mercato.demo.timeline import DAYS, END_DAY, SECONDS_PER_DAY, START_DAY, START_EPOCH

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

PAID_SEARCH_PLATFORM = "google"
# campaign → (first day, last day, relative daily weight); always-on runs the whole window
SOCIAL_CAMPAIGNS: dict[str, tuple[date, date, float]] = {
    "prospecting-always-on": (START_DAY, END_DAY, 1.0),
    "retargeting-always-on": (START_DAY, END_DAY, 0.6),
    "bfcm-2025": (date(2025, 11, 20), date(2025, 12, 1), 4.0),
    "holiday-2025": (date(2025, 12, 2), date(2025, 12, 21), 2.0),
    "spring-launch-2026": (date(2026, 3, 2), date(2026, 4, 15), 1.2),
    "summer-sale-2026": (date(2026, 6, 15), date(2026, 7, 15), 1.5),
    "fall-drop-2026": (date(2026, 9, 1), END_DAY, 1.2),
}
SOCIAL_AD_SETS = {
    "prospecting-always-on": ("broad-us", "lookalike-1pct"),
    "retargeting-always-on": ("site-visitors-30d", "engagers-90d"),
}
DEFAULT_AD_SETS = ("broad-us", "interest-outdoor")
SEARCH_CAMPAIGNS: dict[str, tuple[str, ...]] = {
    "brand-search": ("northwind", "northwind outfitters"),
    "nonbrand-search": ("fleece jacket", "merino sweater", "organic cotton hoodie"),
}
ADS_PER_SET = 3
# platform → (cost per 1,000 impressions in cents, click-through rate)
PRICING = {
    "instagram": (1_150, 0.009),
    "facebook": (1_000, 0.011),
    "tiktok": (800, 0.007),
    "pinterest": (650, 0.006),
    PAID_SEARCH_PLATFORM: (3_800, 0.045),
}


@dataclass(frozen=True)
class Ads:
    platform: list[str]
    campaign: list[str]
    ad_set: list[str]
    ad_id: list[str]
    term: list[str | None]
    daily_weight: FloatArray  # DAYS * ads; 0 while an ad is not running

    def of_platform(self, platform: str) -> IntArray:
        return np.array([i for i, name in enumerate(self.platform) if name == platform], np.int64)


def _window(first: date, last: date) -> tuple[int, int]:
    return (first - START_DAY).days, min((last - START_DAY).days, DAYS - 1)


def plan_ads(rng: np.random.Generator, social_platforms: list[str]) -> Ads:
    rows: list[tuple[str, str, str, str | None, tuple[int, int], float]] = []
    for platform in social_platforms:
        for campaign, (first, last, weight) in SOCIAL_CAMPAIGNS.items():
            for ad_set in SOCIAL_AD_SETS.get(campaign, DEFAULT_AD_SETS):
                rows += [
                    (platform, campaign, ad_set, None, _window(first, last), weight)
                ] * ADS_PER_SET
    for campaign, ad_groups in SEARCH_CAMPAIGNS.items():
        for ad_group in ad_groups:
            window = _window(START_DAY, END_DAY)
            rows += [(PAID_SEARCH_PLATFORM, campaign, ad_group, ad_group, window, 1.0)] * 2
    ad_numbers = 23_850_000_000_000 + np.cumsum(rng.integers(1_000, 50_000, size=len(rows)))
    weights = np.zeros((DAYS, len(rows)))
    for index, (_, _, _, _, (begin, end), weight) in enumerate(rows):
        # Creative fatigue: each ad has its own strength and fades over its run.
        strength = weight * rng.lognormal(0, 0.5)
        span = np.arange(end - begin + 1)
        weights[begin : end + 1, index] = strength * np.exp(-span / rng.uniform(60, 240))
    return Ads(
        platform=[row[0] for row in rows],
        campaign=[row[1] for row in rows],
        ad_set=[row[2] for row in rows],
        ad_id=[str(number) for number in ad_numbers],
        term=[row[3] for row in rows],
        daily_weight=weights,
    )


def choose_ads(rng: np.random.Generator, ads: Ads, platform: str, day: IntArray) -> IntArray:
    """An ad running on `platform` that day for each paid session, by the ads' weights."""
    candidates = ads.of_platform(platform)
    weights = ads.daily_weight[:, candidates][day]
    cumulative = np.cumsum(weights, axis=1)
    draw = rng.random(day.size) * cumulative[:, -1]
    picked = (cumulative < draw[:, None]).sum(axis=1)
    chosen: IntArray = candidates[np.minimum(picked, candidates.size - 1)]
    return chosen


def spend_table(
    rng: np.random.Generator,
    workspace_id: str,
    ads: Ads,
    sessions_by_ad_day: IntArray,
    orders_by_ad_day: IntArray,
    revenue_by_ad_day: IntArray,
    locale: DemoLocale = ENGLISH,
) -> pa.Table:
    """Daily spend per running ad; clicks ≥ sessions because some clicks never land."""
    day, ad = np.nonzero(ads.daily_weight > 0)
    sessions = sessions_by_ad_day[day, ad]
    clicks = sessions + rng.poisson(sessions * 0.22 + 0.4)
    cpm = np.array([PRICING[ads.platform[i]][0] for i in ad], dtype=np.float64)
    ctr = np.array([PRICING[ads.platform[i]][1] for i in ad]) * rng.lognormal(0, 0.15, ad.size)
    impressions = np.round(np.maximum(clicks, 1) / ctr).astype(np.int64)
    spend_cents = np.round(impressions * cpm / 1000 * rng.lognormal(0, 0.1, ad.size))
    # Platforms over-report: view-through conversions come on top of the click-through ones.
    extra = rng.poisson(orders_by_ad_day[day, ad] * 0.3)
    average = np.where(orders_by_ad_day[day, ad] > 0, revenue_by_ad_day[day, ad], 0) / np.maximum(
        orders_by_ad_day[day, ad], 1
    )
    conversions = orders_by_ad_day[day, ad] + extra
    value = revenue_by_ad_day[day, ad] + np.round(extra * average)
    return pa.table(
        {
            "workspace_id": pa.array([workspace_id] * ad.size, pa.string()),
            "day": arrow.dates((START_EPOCH // SECONDS_PER_DAY) + day.astype(np.int64)),
            "platform": arrow.take_strings(ads.platform, ad),
            "campaign": arrow.take_strings(ads.campaign, ad),
            "ad_set": arrow.take_strings(ads.ad_set, ad),
            "ad": arrow.take_strings(ads.ad_id, ad),
            "currency": pa.array([locale.currency] * ad.size, pa.string()),
            "spend": arrow.money(spend_cents.astype(np.int64), locale.money_divisor),
            "impressions": pa.array(impressions),
            "clicks": pa.array(clicks.astype(np.int64)),
            "conversions": pa.array(conversions.astype(np.int64)),
            "conversion_value": arrow.money(value.astype(np.int64), locale.money_divisor),
            "source_system": pa.array(["demo"] * ad.size, pa.string()),
        }
    )
