"""The stated rates land where docs/demo.md says, measured on the warehouse."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.demo.conftest import Seeded

# Rival IQ 2023 medians by follower (docs/demo.md), and each platform's numerator.
BENCHMARKS = {"instagram": 0.0047, "tiktok": 0.0569, "facebook": 0.0006, "x": 0.00035}
NUMERATORS = {
    "instagram": ("likes", "comments", "saves", "shares"),
    "tiktok": ("likes", "comments", "shares"),
    "facebook": ("likes", "comments", "shares"),
    "x": ("likes", "comments", "shares"),
    "pinterest": ("likes", "comments", "saves", "link_clicks"),
}


def test_conversion_rate_is_between_two_and_three_percent(seeded: Seeded) -> None:
    row = seeded.sql(
        "SELECT count(*) AS sessions, sum(orders) AS orders FROM sessions WHERE workspace_id = ?",
        seeded.workspace_id,
    ).iloc[0]
    assert 0.02 <= row.orders / row.sessions <= 0.03


def test_cart_abandonment_is_near_seventy_percent(seeded: Seeded) -> None:
    row = seeded.sql(
        "SELECT count(*) FILTER (WHERE add_to_carts > 0) AS carts, sum(orders) AS orders "
        "FROM sessions WHERE workspace_id = ?",
        seeded.workspace_id,
    ).iloc[0]
    assert 0.65 <= 1 - row.orders / row.carts <= 0.75


def _engagement_rates(seeded: Seeded) -> pd.DataFrame:
    """Median per-post engagements ÷ followers on the posting day, latest snapshot, no NULLs."""
    metrics = seeded.sql(
        "SELECT m.platform, m.post_id, m.metric, m.value, m.captured_at, p.posted_at "
        "FROM social_post_metrics m JOIN social_posts p USING (workspace_id, platform, post_id) "
        "WHERE m.workspace_id = ?",
        seeded.workspace_id,
    )
    latest = metrics[metrics.captured_at == metrics.groupby("post_id").captured_at.transform("max")]
    followers = seeded.sql(
        "SELECT platform, day, value AS followers FROM social_account_daily "
        "WHERE workspace_id = ? AND metric = 'followers'",
        seeded.workspace_id,
    )
    rows = []
    for (platform, post_id), post in latest.groupby(["platform", "post_id"]):
        values = post.set_index("metric").value
        numerator = [values[m] for m in NUMERATORS[platform]]
        if any(pd.isna(v) for v in numerator):
            continue  # docs/metrics.md, Conventions: a NULL input leaves the post out
        day = post.posted_at.iloc[0].normalize()
        match = followers[(followers.platform == platform) & (pd.to_datetime(followers.day) == day)]
        rows.append((platform, post_id, sum(numerator) / match.followers.iloc[0]))
    return pd.DataFrame(rows, columns=["platform", "post_id", "rate"])


def test_median_engagement_rates_are_near_rival_iq_2023(seeded: Seeded) -> None:
    medians = _engagement_rates(seeded).groupby("platform").rate.median()
    for platform, benchmark in BENCHMARKS.items():
        assert medians[platform] == pytest.approx(benchmark, rel=0.15), platform
    truth = seeded.summary.truth.engagement
    for platform, median in medians.items():
        assert truth[platform].median_engagement_rate_by_followers == pytest.approx(median)


def test_instagram_reels_have_no_follows_and_stories_no_likes(seeded: Seeded) -> None:
    rows = seeded.sql(
        "SELECT p.content_type, m.metric, m.value, m.missing_reason FROM social_post_metrics m "
        "JOIN social_posts p USING (workspace_id, platform, post_id) "
        "WHERE m.workspace_id = ? AND m.platform = 'instagram'",
        seeded.workspace_id,
    )
    reel_follows = rows[(rows.content_type == "reel") & (rows.metric == "follows")]
    assert len(reel_follows) > 0
    assert reel_follows.value.isna().all()
    assert (reel_follows.missing_reason == "not_available_for_media_type").all()
    story_likes = rows[(rows.content_type == "story") & (rows.metric == "likes")]
    assert story_likes.value.isna().all()
    image_likes = rows[(rows.content_type == "image") & (rows.metric == "likes")]
    assert image_likes.value.notna().all()
    assert image_likes.missing_reason.isna().all()


def test_follower_totals_add_up_from_daily_follows_and_unfollows(seeded: Seeded) -> None:
    daily = seeded.sql(
        "SELECT platform, day, metric, value FROM social_account_daily WHERE workspace_id = ? "
        "AND metric IN ('followers', 'follows', 'unfollows')",
        seeded.workspace_id,
    ).pivot_table(index=["platform", "day"], columns="metric", values="value")
    for _, frame in daily.groupby(level="platform"):
        change = frame.followers.diff().dropna()
        net = (frame.follows - frame.unfollows).iloc[1:]
        assert (change.to_numpy() == net.to_numpy()).all()


def test_year_over_year_october_grows_and_december_peaks(seeded: Seeded) -> None:
    monthly = (
        seeded.sql(
            "SELECT strftime(started_at, '%Y-%m') AS month, count(*) AS sessions FROM sessions "
            "WHERE workspace_id = ? GROUP BY month ORDER BY month",
            seeded.workspace_id,
        )
        .set_index("month")
        .sessions
    )
    assert len(monthly) == 13
    assert 1.1 < monthly["2026-10"] / monthly["2025-10"] < 1.7
    assert monthly["2025-12"] == monthly.max()
