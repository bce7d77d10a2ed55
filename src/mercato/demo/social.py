"""Social accounts, their follower curves, posts and per-post metric snapshots."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa
from sqlalchemy.orm import Session

from mercato.catalog.models import SocialAccount
from mercato.demo import arrow
from mercato.demo.accounts import DEMO_TIME_ZONE
from mercato.demo.platforms import CAMPAIGN_THEMES, PLATFORMS, POST_METRICS, PlatformProfile
from mercato.demo.timeline import (
    DAYS,
    END_EPOCH,
    SECONDS_PER_DAY,
    START_EPOCH,
    sample_local_seconds_of_day,
    utc_offset_seconds,
)

SNAPSHOT_AGES_DAYS = np.array([1, 7, 28])
# Share of a post's lifetime metrics already counted at each snapshot age.
SNAPSHOT_SHARE = np.array([0.72, 0.94, 1.0])
ENGAGEMENT_SIGMA = 0.55  # log-normal spread of per-post engagement rates

IntArray = npt.NDArray[np.int64]


def account_id(platform: str, prefix: str = "demo") -> str:
    """Deterministic catalog id of a demo brand's account on `platform`."""
    return f"acc_{prefix}_{platform}"


@dataclass(frozen=True)
class PlatformPosts:
    profile: PlatformProfile
    post_ids: list[str]
    posted_epoch: IntArray  # seconds, naive UTC, sorted
    content_types: list[str]
    campaigns: list[str]
    followers_daily: IntArray  # end-of-day follower total per window day
    follows_daily: IntArray
    unfollows_daily: IntArray
    # final (lifetime) value per metric per post; -1 where structurally missing
    lifetime: dict[str, IntArray]


def follower_curve(
    rng: np.random.Generator, profile: PlatformProfile, traffic: npt.NDArray[np.float64]
) -> tuple[IntArray, IntArray, IntArray]:
    """Daily follows and unfollows; followers(t) = followers(t-1) + follows - unfollows."""
    base = profile.followers_at_start
    unfollow_rate = 0.0006  # of followers per day
    wanted_net = base * profile.yearly_growth / 365.0
    gross = max(wanted_net + base * unfollow_rate, base * unfollow_rate * 0.5)
    season = traffic / traffic.mean()
    follows = rng.poisson(gross * season).astype(np.int64)
    unfollows = rng.poisson(np.full(DAYS, base * unfollow_rate)).astype(np.int64)
    followers = base + np.cumsum(follows - unfollows)
    return followers, follows, unfollows


def campaign_for(epoch: IntArray) -> list[str]:
    starts = np.array([start for start, _ in CAMPAIGN_THEMES])
    names = [name for _, name in CAMPAIGN_THEMES]
    positions = np.searchsorted(starts, epoch, side="right") - 1
    return [names[max(position, 0)] for position in positions]


def _post_times(rng: np.random.Generator, profile: PlatformProfile, time_zone: str) -> IntArray:
    per_day = rng.poisson(profile.posts_per_week / 7.0, size=DAYS)
    day_index = np.repeat(np.arange(DAYS, dtype=np.int64), per_day)
    local = sample_local_seconds_of_day(rng, day_index.size)
    local = np.clip(local, 7 * 3600, 22 * 3600)  # the social team posts in the daytime
    offset = utc_offset_seconds(0, time_zone)[day_index]
    epoch = START_EPOCH + day_index * SECONDS_PER_DAY + local - offset
    return np.sort(np.clip(epoch, START_EPOCH, END_EPOCH - 1))


def _lifetime_metrics(
    rng: np.random.Generator, profile: PlatformProfile, followers: IntArray, types: list[str]
) -> dict[str, IntArray]:
    count = followers.size
    rate = profile.engagement_rate_median * np.exp(rng.normal(0, ENGAGEMENT_SIGMA, count))
    engagements = rng.poisson(rate * followers)
    split = np.array(list(profile.engagement_split.values()))
    parts = rng.multinomial(engagements, split / split.sum()) if count else np.zeros((0, 0))
    values: dict[str, IntArray] = {}
    for column, metric in enumerate(profile.engagement_split):
        values[metric] = parts[:, column].astype(np.int64)
    reach = np.maximum(
        engagements, followers * profile.reach_rate * np.exp(rng.normal(0, 0.4, count))
    )
    values["reach"] = np.round(reach).astype(np.int64)
    values["views"] = np.round(reach * rng.uniform(1.1, 1.7, count)).astype(np.int64)
    values.setdefault("saves", rng.poisson(engagements * 0.04).astype(np.int64))
    values.setdefault("shares", rng.poisson(engagements * 0.03).astype(np.int64))
    values.setdefault("link_clicks", rng.poisson(reach * profile.link_click_rate).astype(np.int64))
    values["profile_visits"] = rng.poisson(reach * 0.012).astype(np.int64)
    values["follows"] = rng.poisson(reach * 0.0015).astype(np.int64)
    for metric in POST_METRICS:
        for index, content_type in enumerate(types):
            if profile.missing_reason(content_type, metric):
                values[metric][index] = -1
    return values


def generate_platform(
    rng: np.random.Generator,
    profile: PlatformProfile,
    traffic: npt.NDArray[np.float64],
    time_zone: str = DEMO_TIME_ZONE,
) -> PlatformPosts:
    followers, follows, unfollows = follower_curve(rng, profile, traffic)
    posted = _post_times(rng, profile, time_zone)
    mix = list(profile.content_mix)
    weights = np.array(list(profile.content_mix.values()))
    type_codes = rng.choice(len(mix), size=posted.size, p=weights / weights.sum())
    types = [mix[code] for code in type_codes]
    post_day = (posted - START_EPOCH) // SECONDS_PER_DAY
    numbers = profile.post_id_base + np.cumsum(rng.integers(1_000, 90_000, size=posted.size))
    return PlatformPosts(
        profile=profile,
        post_ids=[str(number) for number in numbers],
        posted_epoch=posted,
        content_types=types,
        campaigns=campaign_for(posted),
        followers_daily=followers,
        follows_daily=follows,
        unfollows_daily=unfollows,
        lifetime=_lifetime_metrics(rng, profile, followers[post_day], types),
    )


def generate_social(
    rng: np.random.Generator, traffic: npt.NDArray[np.float64], time_zone: str = DEMO_TIME_ZONE
) -> list[PlatformPosts]:
    return [generate_platform(rng, profile, traffic, time_zone) for profile in PLATFORMS]


def write_accounts(
    session: Session, workspace_id: str, prefix: str = "demo", handle: str | None = None
) -> None:
    for profile in PLATFORMS:
        session.add(
            SocialAccount(
                id=account_id(profile.name, prefix),
                workspace_id=workspace_id,
                platform=profile.name,
                handle=handle or profile.handle,
                external_id=f"{profile.name}-{profile.post_id_base % 1_000_000}",
                display_name=profile.display_name,
                status="demo",
            )
        )


def posts_table(workspace_id: str, platform: PlatformPosts, prefix: str = "demo") -> pa.Table:
    profile = platform.profile
    count = len(platform.post_ids)
    return pa.table(
        {
            "workspace_id": pa.array([workspace_id] * count, pa.string()),
            "platform": pa.array([profile.name] * count, pa.string()),
            "account_id": pa.array([account_id(profile.name, prefix)] * count, pa.string()),
            "post_id": pa.array(platform.post_ids, pa.string()),
            "posted_at": arrow.timestamps(platform.posted_epoch * 1000),
            "content_type": pa.array(platform.content_types, pa.string()),
            "caption": pa.array(
                [
                    f"{kind.title()} — #{camp}"
                    for kind, camp in zip(platform.content_types, platform.campaigns, strict=True)
                ],
                pa.string(),
            ),
            "permalink": pa.array(
                [profile.permalink.format(post_id=post_id) for post_id in platform.post_ids]
            ),
            "campaign": pa.array(platform.campaigns, pa.string()),
            "is_paid": pa.array(np.zeros(count, dtype=bool)),
        }
    )


def snapshot_values(platform: PlatformPosts) -> tuple[IntArray, IntArray, dict[str, IntArray]]:
    """(post index, captured_at epoch, metric → value) for every snapshot already taken."""
    count = len(platform.post_ids)
    post_index = np.repeat(np.arange(count), SNAPSHOT_AGES_DAYS.size)
    age = np.tile(np.arange(SNAPSHOT_AGES_DAYS.size), count)
    captured = platform.posted_epoch[post_index] + SNAPSHOT_AGES_DAYS[age] * SECONDS_PER_DAY
    taken = captured < END_EPOCH
    post_index, age, captured = post_index[taken], age[taken], captured[taken]
    values = {}
    for metric, lifetime in platform.lifetime.items():
        final = lifetime[post_index]
        grown = np.floor(final * SNAPSHOT_SHARE[age]).astype(np.int64)
        values[metric] = np.where(final < 0, -1, grown)
    return post_index, captured, values


def post_metrics_table(
    workspace_id: str, platform: PlatformPosts, prefix: str = "demo"
) -> pa.Table:
    profile = platform.profile
    post_index, captured, values = snapshot_values(platform)
    snapshots = post_index.size
    metrics = list(POST_METRICS)
    rows = snapshots * len(metrics)
    row_post = np.repeat(post_index, len(metrics))
    value = np.concatenate([values[m][:, None] for m in metrics], axis=1).reshape(-1)
    metric_names = metrics * snapshots
    post_ids: list[str] = [platform.post_ids[i] for i in row_post]
    types: list[str] = [platform.content_types[i] for i in row_post]
    reasons = [
        profile.missing_reason(kind, metric)
        for kind, metric in zip(types, metric_names, strict=True)
    ]
    return pa.table(
        {
            "workspace_id": pa.array([workspace_id] * rows, pa.string()),
            "platform": pa.array([profile.name] * rows, pa.string()),
            "account_id": pa.array([account_id(profile.name, prefix)] * rows, pa.string()),
            "post_id": pa.array(post_ids, pa.string()),
            "captured_at": arrow.timestamps(np.repeat(captured, len(metrics)) * 1000),
            "metric": pa.array(metric_names, pa.string()),
            "value": pa.array(value.astype(np.float64), mask=value < 0),
            "vendor_metric": pa.array([profile.vendor_names.get(m, m) for m in metric_names]),
            "api_version": pa.array([profile.api_version] * rows, pa.string()),
            "missing_reason": pa.array(reasons, pa.string()),
        }
    )
