"""Daily account metrics (long format): followers, follows, unfollows, reach, views, ...

Profile link clicks are tied to the site: they exceed the organic sessions the platform sent
that day (clicks that never became a session are in-app browser and consent losses).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from mercato.demo import arrow
from mercato.demo.platforms import NOT_REPORTED
from mercato.demo.social import PlatformPosts, account_id
from mercato.demo.timeline import DAYS, SECONDS_PER_DAY, START_EPOCH

IntArray = npt.NDArray[np.int64]

DAILY_METRICS = (
    "followers",
    "follows",
    "unfollows",
    "reach",
    "views",
    "profile_visits",
    "link_clicks",
    "reach_from_followers",
)
# metric → platforms that do not report it (stored as NULL with a reason)
NOT_REPORTED_DAILY = {
    "reach": {"x", "pinterest"},
    "reach_from_followers": {"tiktok", "facebook", "x", "pinterest"},
}


def daily_values(
    rng: np.random.Generator, platform: PlatformPosts, organic_sessions: IntArray
) -> dict[str, npt.NDArray[np.int64]]:
    followers = platform.followers_daily
    posting = np.bincount((platform.posted_epoch - START_EPOCH) // SECONDS_PER_DAY, minlength=DAYS)
    profile = platform.profile
    # Reach moves with how much was posted that day and how big the audience is.
    spread = rng.lognormal(0, 0.2, DAYS)
    reach = np.round(followers * profile.reach_rate * (0.35 + 0.45 * posting) * spread).astype(
        np.int64
    )
    from_followers = np.round(reach * rng.uniform(0.45, 0.6, DAYS)).astype(np.int64)
    return {
        "followers": followers,
        "follows": platform.follows_daily,
        "unfollows": platform.unfollows_daily,
        "reach": reach,
        "views": np.round(reach * rng.uniform(1.4, 2.2, DAYS)).astype(np.int64),
        "profile_visits": rng.poisson(reach * 0.015).astype(np.int64),
        "link_clicks": (organic_sessions + rng.poisson(organic_sessions * 0.25 + 1)).astype(
            np.int64
        ),
        "reach_from_followers": from_followers,
    }


def account_daily_table(
    rng: np.random.Generator,
    workspace_id: str,
    platform: PlatformPosts,
    organic_sessions: IntArray,
    prefix: str = "demo",
) -> pa.Table:
    name = platform.profile.name
    values = daily_values(rng, platform, organic_sessions)
    metrics = [m for m in DAILY_METRICS if m != "reach_from_followers" or name == "instagram"]
    day = np.tile(np.arange(DAYS, dtype=np.int64), len(metrics))
    metric = np.repeat(np.arange(len(metrics)), DAYS)
    value = np.concatenate([values[m] for m in metrics]).astype(np.float64)
    missing = np.concatenate(
        [np.full(DAYS, name in NOT_REPORTED_DAILY.get(m, set())) for m in metrics]
    )
    rows = day.size
    return pa.table(
        {
            "workspace_id": pa.array([workspace_id] * rows, pa.string()),
            "platform": pa.array([name] * rows, pa.string()),
            "account_id": pa.array([account_id(name, prefix)] * rows, pa.string()),
            "day": arrow.dates(START_EPOCH // SECONDS_PER_DAY + day),
            "metric": arrow.take_strings(metrics, metric),
            "value": pa.array(value, mask=missing),
            "vendor_metric": arrow.take_strings(metrics, metric),
            "api_version": pa.array([platform.profile.api_version] * rows, pa.string()),
            "missing_reason": pa.array([NOT_REPORTED if m else None for m in missing], pa.string()),
        }
    )
