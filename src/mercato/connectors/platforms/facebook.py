"""Facebook Pages (Graph API): published posts with post insights, and daily Page insights
under the post-2025 metric names (views and viewers, not impressions)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from mercato.connectors.platforms.client import ApiClient
from mercato.connectors.platforms.context import SETTLE_DAYS, SyncContext
from mercato.connectors.platforms.graph import (
    DEFAULT_VERSION,
    api_version,
    graph_client,
    graph_time,
    read_page,
)
from mercato.connectors.platforms.instagram import media_insights
from mercato.connectors.platforms.paging import sync_pages
from mercato.connectors.social import AccountDay, MetricValue, Missing, Post, PostSnapshot

PLATFORM = "facebook"
POST_FIELDS = (
    "id,message,created_time,permalink_url,shares,reactions.summary(total_count),"
    "comments.summary(total_count)"
)
POST_METRICS = {
    "post_media_view": "views",
    "post_total_media_view_unique": "reach",
    "post_clicks": "clicks",
}
PAGE_METRICS = {
    "page_media_view": "views",
    "page_total_media_view_unique": "reach",
    "page_follows": "followers",
    "page_daily_follows_unique": "follows",
    "page_daily_unfollows_unique": "unfollows",
    "page_views_total": "profile_visits",
    "page_post_engagements": "interactions",
    "page_total_actions": "link_clicks",
}
WINDOW_DAYS = 90  # Page insights answer about 90 days per call


def sync(ctx: SyncContext) -> None:
    version = ctx.connection.api_version or DEFAULT_VERSION
    client = graph_client(ctx.connection.api_base_url, ctx.account.access_token or "", ctx.policy)
    try:
        sync_posts(ctx, client, version)
        sync_page_days(ctx, client, version)
    finally:
        client.close()


def sync_posts(ctx: SyncContext, client: ApiClient, version: str) -> None:
    path = f"/{version}/{ctx.account.external_id}/published_posts"
    params = {"fields": POST_FIELDS, "limit": 50}
    sync_pages(
        ctx,
        "posts",
        lambda cursor: read_page(client, path, params, cursor),
        lambda p, captured_at: post_snapshot(ctx, client, version, p, captured_at),
        lambda p: graph_time(p.get("created_time")),
    )


def _summary_count(post: dict[str, Any], edge: str) -> float | None:
    total = ((post.get(edge) or {}).get("summary") or {}).get("total_count")
    return float(total) if total is not None else None


def post_snapshot(
    ctx: SyncContext, client: ApiClient, version: str, post: dict[str, Any], captured_at: datetime
) -> PostSnapshot:
    record = Post(
        PLATFORM,
        ctx.account.id,
        str(post["id"]),
        graph_time(post.get("created_time")),
        "post",
        post.get("message") or "",
        post.get("permalink_url") or "",
    )
    values = [
        MetricValue.reported(neutral, count, vendor, "not_returned")
        for vendor, neutral, count in (
            ("reactions", "reactions", _summary_count(post, "reactions")),
            ("comments", "comments", _summary_count(post, "comments")),
            ("shares", "shares", (post.get("shares") or {}).get("count")),
        )
    ]
    insights = media_insights(client, f"/{version}/{post['id']}/insights", list(POST_METRICS))
    values += [
        MetricValue(
            POST_METRICS.get(v.vendor_metric, v.metric), v.value, v.vendor_metric, v.missing_reason
        )
        for v in insights
    ]
    return PostSnapshot(record, captured_at, api_version(client, version), values)


def sync_page_days(ctx: SyncContext, client: ApiClient, version: str) -> None:
    cursor, _ = ctx.load_cursor("page_days")
    yesterday = ctx.now.date() - timedelta(days=1)
    start = (
        date.fromisoformat(cursor) - timedelta(days=SETTLE_DAYS - 1)
        if cursor
        else yesterday - timedelta(days=ctx.option("backfill_days", 28) - 1)
    )
    while start <= yesterday:
        end = min(yesterday, start + timedelta(days=WINDOW_DAYS - 1))
        ctx.store(days=page_days(ctx, client, version, start, end))
        ctx.save_cursor("page_days", end.isoformat(), {})
        start = end + timedelta(days=1)


def page_days(
    ctx: SyncContext, client: ApiClient, version: str, start: date, end: date
) -> list[AccountDay]:
    body = client.request(
        "GET",
        f"/{version}/{ctx.account.external_id}/insights",
        params={
            "metric": ",".join(PAGE_METRICS),
            "period": "day",
            "since": start.isoformat(),
            "until": (end + timedelta(days=1)).isoformat(),
        },
    )
    found: dict[tuple[date, str], float] = {}
    for row in body.get("data") or []:
        for point in row.get("values") or []:
            ended = graph_time(point.get("end_time"))
            if ended is not None and point.get("value") is not None:
                # end_time is the end of the Page's day, so the day is the one before.
                found[((ended - timedelta(days=1)).date(), row["name"])] = float(point["value"])
    version_seen = api_version(client, version)
    days = []
    day = start
    while day <= end:
        values = [
            MetricValue(neutral, found[(day, vendor)], vendor)
            if (day, vendor) in found
            else MetricValue.missing(neutral, vendor, Missing.EMPTY_INSIGHT_SET)
            for vendor, neutral in PAGE_METRICS.items()
        ]
        days.append(AccountDay(PLATFORM, ctx.account.id, day, version_seen, values))
        day += timedelta(days=1)
    return days
