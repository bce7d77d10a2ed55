"""X analytics exports (2024+): per-post `account_analytics_content_*.csv` and per-day
`account_overview_analytics.csv`. Dates look like `Sat, Sep 12, 2026` with no time; a post's
exact time comes from its Snowflake id."""

from __future__ import annotations

from datetime import date, datetime

from mercato.connectors.csvfile import Table
from mercato.connectors.exports.common import metric_values, snapshot_time
from mercato.connectors.parsing import NumberLocale, from_unix, parse_day, parse_timestamp
from mercato.connectors.social import AccountDay, Post, PostSnapshot

FORMAT = "x_analytics_export"
TWITTER_EPOCH_MS = 1288834974657
POST_METRICS = (
    ("Impressions", "views"),
    ("Likes", "likes"),
    ("Engagements", "engagements"),
    ("Bookmarks", "saves"),
    ("Shares", "shares"),
    ("New follows", "follows"),
    ("Replies", "comments"),
    ("Reposts", "reposts"),
    ("Profile visits", "profile_visits"),
    ("URL Clicks", "link_clicks"),
)
DAY_METRICS = (*POST_METRICS, ("Unfollows", "unfollows"), ("Video views", "video_views"))
# Pre-2024 "Tweet activity" exports: lowercase organic metrics, each with a `promoted …` twin
# (paid delivery) that is left out so the numbers stay organic like the 2024+ export.
LEGACY_REQUIRED = ("Tweet id", "time", "impressions")
LEGACY_METRICS = (
    ("impressions", "views"),
    ("engagements", "engagements"),
    ("retweets", "reposts"),
    ("replies", "comments"),
    ("likes", "likes"),
    ("url clicks", "link_clicks"),
    ("user profile clicks", "profile_visits"),
    ("follows", "follows"),
)
LEGACY_FORMAT = "x_tweet_activity_export"


def snowflake_time(post_id: str) -> datetime:
    """X ids embed their creation time: ms = (id >> 22) + 1288834974657."""
    return from_unix(((int(post_id) >> 22) + TWITTER_EPOCH_MS) / 1000)


def is_x_legacy(table: Table) -> bool:
    return table.has_columns(LEGACY_REQUIRED)


def parse_x_legacy(
    table: Table,
    account_id: str,
    *,
    as_of: date | None = None,
    locale: NumberLocale = NumberLocale.EN,
) -> list[PostSnapshot]:
    table.require_columns(LEGACY_REQUIRED, "X Tweet activity export")
    posts = [
        Post(
            "x",
            account_id,
            row.require("Tweet id"),
            row.parse("time", parse_timestamp),
            "post",
            row.get("Tweet text") or "",
            row.get("Tweet permalink") or "",
        )
        for row in table.rows
    ]
    newest = max((p.posted_at for p in posts if p.posted_at), default=None)
    captured_at = snapshot_time(table.source, as_of, newest)
    present = tuple((c, m) for c, m in LEGACY_METRICS if c in table.header)
    return [
        PostSnapshot(post, captured_at, LEGACY_FORMAT, metric_values(row, present, locale))
        for row, post in zip(table.rows, posts, strict=True)
    ]


def parse_x_content(
    table: Table,
    account_id: str,
    *,
    as_of: date | None = None,
    locale: NumberLocale = NumberLocale.EN,
) -> list[PostSnapshot]:
    table.require_columns(("Post id", "Date", "Impressions"), "X analytics content export")
    posts = []
    for row in table.rows:
        post_id = row.require("Post id")
        # X ids are unsigned 64-bit numbers; a longer one has no creation time to read.
        if not (post_id.isascii() and post_id.isdigit()) or int(post_id) >= 2**64:
            raise row.error("Post id", f"expected a numeric post id, got {post_id[:40]!r}")
        row.parse("Date", parse_day)  # validated; the id gives the exact time
        posts.append(
            Post(
                "x",
                account_id,
                post_id,
                snowflake_time(post_id),
                "post",
                row.get("Post text") or "",
                row.get("Post Link") or "",
            )
        )
    newest = max((p.posted_at for p in posts if p.posted_at), default=None)
    captured_at = snapshot_time(table.source, as_of, newest)
    return [
        PostSnapshot(post, captured_at, FORMAT, metric_values(row, POST_METRICS, locale))
        for row, post in zip(table.rows, posts, strict=True)
    ]


def parse_x_overview(
    table: Table, account_id: str, locale: NumberLocale = NumberLocale.EN
) -> list[AccountDay]:
    table.require_columns(("Date", "Impressions"), "X analytics overview export")
    present = tuple((c, m) for c, m in DAY_METRICS if c in table.header)
    return [
        AccountDay(
            "x",
            account_id,
            row.parse("Date", parse_day),
            FORMAT,
            metric_values(row, present, locale),
        )
        for row in table.rows
    ]
