"""The generator's ground truth, computed from its own arrays (never from a warehouse query).

Later analyses (KPIs, attribution, experiments) are checked against it. Saved as JSON in
`<data_dir>/demo/ground_truth.json`; money as decimal strings, months in UTC.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from mercato.demo.arrow import cents_to_decimal
from mercato.demo.channels import BASE_HAZARD, CHANNELS, DEVICE_CONVERSION, TOUCH_EFFECT
from mercato.demo.outcomes import purchase_probability
from mercato.demo.platforms import PLATFORM_NAMES
from mercato.demo.site import Site
from mercato.demo.social import PlatformPosts, snapshot_values
from mercato.demo.timeline import END_DAY, SECONDS_PER_DAY, START_DAY, START_EPOCH
from mercato.demo.traffic import Sessions

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

MONTH_FIELDS = ("sessions", "engaged_sessions", "leads", "carts", "checkouts", "orders")
MONEY_FIELDS = ("gross", "discounts", "refunds", "net", "paid")


@dataclass
class EngagementTruth:
    platform: str
    numerator: list[str]
    posts: int
    posts_used: int  # posts whose numerator has no NULL (docs/metrics.md, Conventions)
    median_engagement_rate_by_followers: float
    benchmark: float


@dataclass
class AttributionTruth:
    model: str
    base_hazard: float
    touch_effect: dict[str, float]
    device_multiplier: dict[str, float]
    expected_conversions: float
    incremental_conversions: dict[str, float]
    channel_ranking: list[str]
    incremental_conversions_by_platform: dict[str, float]
    platform_ranking: list[str]
    realised_conversions: int


@dataclass
class GroundTruth:
    seed: int
    visitors: int
    window_start: str
    window_end: str
    definitions: dict[str, str]
    months: dict[str, dict[str, Any]]
    totals: dict[str, Any]
    rates: dict[str, float]
    engagement: dict[str, EngagementTruth]
    attribution: AttributionTruth
    rows: dict[str, int] = field(default_factory=dict)
    currency: str = "USD"
    time_zone: str = "America/New_York"
    line: dict[str, Any] = field(default_factory=dict)  # LINE account totals (Japanese demo)
    # The finished A/B test and holdout: their ids and true effects (demo/experiments.py).
    experiments: dict[str, Any] = field(default_factory=dict)
    # Segments, the per-segment gallery and the adaptive gallery's true CTRs (audiences.py).
    audiences: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True)

    def save(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.to_json() + "\n", encoding="utf-8")
        return path


DEFINITIONS = {
    "months": "calendar months in UTC: sessions, leads, carts and checkouts by session start; "
    "orders and money by order placed_at",
    "gross": "items + shipping + tax, before discounts and refunds",
    "paid": "gross - discounts (the purchase event's revenue and sessions.revenue)",
    "net": "gross - discounts - refunds",
    "carts": "sessions with at least one add_to_cart",
    "conversion_rate": "orders ÷ sessions",
    "cart_abandonment": "1 - orders ÷ carts",
    "engagement_rate_by_followers": "per post: platform numerator at the latest snapshot ÷ "
    "followers on the UTC day of posting; median over posts without NULL inputs",
}


def month_keys(epoch_seconds: IntArray) -> npt.NDArray[np.str_]:
    return epoch_seconds.astype("datetime64[s]").astype("datetime64[M]").astype(str)


def _sum_by(keys: npt.NDArray[np.str_], values: IntArray, months: list[str]) -> list[int]:
    index = np.searchsorted(months, keys)
    return [int(v) for v in np.bincount(index, values, len(months)).round()]


def site_months(site: Site, engaged: npt.NDArray[np.bool_]) -> dict[str, dict[str, Any]]:
    s, o, orders = site.sessions, site.outcomes, site.orders
    unit = site.products.locale.money_divisor
    session_month = month_keys(s.start)
    order_month = month_keys(orders.placed_ms // 1000)
    months = sorted(set(session_month.tolist()) | set(order_month.tolist()))
    counts = {
        "sessions": np.ones(len(s), np.int64),
        "engaged_sessions": engaged.astype(np.int64),
        "leads": o.lead.astype(np.int64),
        "carts": o.cart.astype(np.int64),
        "checkouts": o.checkout.astype(np.int64),
    }
    table: dict[str, list[int]] = {k: _sum_by(session_month, v, months) for k, v in counts.items()}
    table["orders"] = _sum_by(order_month, np.ones(len(orders), np.int64), months)
    money = {
        "gross": orders.gross,
        "discounts": orders.discount,
        "refunds": orders.refunds,
        "net": orders.net,
        "paid": orders.paid,
    }
    for name, cents in money.items():
        table[name] = _sum_by(order_month, cents, months)
    return {
        month: {
            name: str(cents_to_decimal(values[i], unit)) if name in MONEY_FIELDS else values[i]
            for name, values in table.items()
        }
        for i, month in enumerate(months)
    }


def totals_of(months: dict[str, dict[str, Any]], unit: int = 100) -> dict[str, Any]:
    totals: dict[str, Any] = {name: sum(m[name] for m in months.values()) for name in MONTH_FIELDS}
    for name in MONEY_FIELDS:
        zero = cents_to_decimal(0, unit)
        totals[name] = str(sum((_dec(m[name]) for m in months.values()), zero))
    return totals


def _dec(text: str) -> Any:
    from decimal import Decimal

    return Decimal(text)


def rates_of(totals: dict[str, Any]) -> dict[str, float]:
    sessions, orders = totals["sessions"], totals["orders"]
    return {
        "conversion_rate": orders / sessions,
        "cart_abandonment": 1 - orders / totals["carts"],
        "checkout_abandonment": 1 - orders / totals["checkouts"],
        "lead_capture_rate": totals["leads"] / sessions,
        "engagement_rate_sessions": totals["engaged_sessions"] / sessions,
    }


def engagement_truth(platform: PlatformPosts) -> EngagementTruth:
    profile = platform.profile
    post_index, _, values = snapshot_values(platform)
    latest = np.r_[post_index[1:] != post_index[:-1], True]  # last snapshot of each post
    posts = post_index[latest]
    parts = np.stack([values[m][latest] for m in profile.engagement_numerator])
    complete = (parts >= 0).all(axis=0)
    day = (platform.posted_epoch[posts] - START_EPOCH) // SECONDS_PER_DAY
    rate = parts.sum(axis=0) / platform.followers_daily[day]
    return EngagementTruth(
        platform=profile.name,
        numerator=list(profile.engagement_numerator),
        posts=len(platform.post_ids),
        posts_used=int(complete.sum()),
        median_engagement_rate_by_followers=float(np.median(rate[complete])),
        benchmark=profile.engagement_rate_median,
    )


def attribution_truth(journeys: Sessions, realised: int, lift: FloatArray) -> AttributionTruth:
    """Expected and incremental conversions in the window under the causal journey model."""
    in_window = journeys.day >= 0
    expected = float(purchase_probability(journeys, lift)[in_window].sum())

    def without(removed: npt.NDArray[np.bool_]) -> float:
        remaining = purchase_probability(journeys, lift, removed)
        return expected - float(remaining[in_window & ~removed].sum())

    by_channel = {name: without(journeys.channel == c) for c, name in enumerate(CHANNELS)}
    by_platform = {name: without(journeys.platform == p) for p, name in enumerate(PLATFORM_NAMES)}
    return AttributionTruth(
        model="per-session purchase hazard: lift(day) * device * (base + Σ touch effects of "
        "the visitor's sessions so far); P = 1 - exp(-hazard); incremental = expected "
        "conversions lost when a channel's sessions are removed",
        base_hazard=BASE_HAZARD,
        touch_effect={name: float(TOUCH_EFFECT[c]) for c, name in enumerate(CHANNELS)},
        device_multiplier={
            d: float(m)
            for d, m in zip(("mobile", "desktop", "tablet"), DEVICE_CONVERSION, strict=True)
        },
        expected_conversions=expected,
        incremental_conversions=by_channel,
        channel_ranking=sorted(by_channel, key=lambda name: -by_channel[name]),
        incremental_conversions_by_platform=by_platform,
        platform_ranking=sorted(by_platform, key=lambda name: -by_platform[name]),
        realised_conversions=realised,
    )


def build_truth(
    *,
    seed: int,
    visitors: int,
    site: Site,
    engaged: npt.NDArray[np.bool_],
    social: list[PlatformPosts],
    lift: FloatArray,
) -> GroundTruth:
    months = site_months(site, engaged)
    totals = totals_of(months, site.products.locale.money_divisor)
    return GroundTruth(
        seed=seed,
        visitors=visitors,
        window_start=START_DAY.isoformat(),
        window_end=END_DAY.isoformat(),
        definitions=DEFINITIONS,
        months=months,
        totals=totals,
        rates=rates_of(totals),
        engagement={p.profile.name: engagement_truth(p) for p in social},
        attribution=attribution_truth(site.journeys, int(site.outcomes.purchase.sum()), lift),
    )
