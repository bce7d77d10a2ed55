"""Instagram Graph API: profile, media with insights, account insights, tagged media and
hashtag hits (UGC candidates).

Media are listed newest first; a sync walks pages until it reaches posts older than the
last pass's newest post minus `refresh_days` (their metrics have settled), saving the
cursor after each stored page. An interrupted pass resumes at that cursor with the same
snapshot time, so nothing is lost or stored twice.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any

from mercato.connectors.platforms.client import ApiClient
from mercato.connectors.platforms.context import SETTLE_DAYS, Candidate, SyncContext
from mercato.connectors.platforms.errors import MetricUnavailable
from mercato.connectors.platforms.graph import (
    DEFAULT_VERSION,
    api_version,
    graph_client,
    graph_time,
    pages,
    read_page,
)
from mercato.connectors.platforms.paging import sync_pages
from mercato.connectors.social import AccountDay, MetricValue, Missing, Post, PostSnapshot

PLATFORM = "instagram"
MEDIA_FIELDS = (
    "id,caption,media_type,media_product_type,permalink,timestamp,like_count,"
    "comments_count,media_url"
)
MEDIA_METRICS = {
    "views": "views",
    "reach": "reach",
    "likes": "likes",
    "comments": "comments",
    "saved": "saves",
    "shares": "shares",
    "total_interactions": "interactions",
    "follows": "follows",
    "profile_visits": "profile_visits",
    "impressions": "impressions",
}
# Metrics a product type structurally lacks: stored as NULL with this reason, never asked.
STRUCTURALLY_ABSENT = {
    "REELS": {"follows": Missing.NOT_FOR_REELS, "profile_visits": Missing.NOT_FOR_REELS},
    "STORY": {
        "likes": "not_reported_for_stories",
        "comments": "not_reported_for_stories",
        "saved": "not_reported_for_stories",
    },
}
DEFAULT_MEDIA_METRICS = (
    "views",
    "reach",
    "likes",
    "comments",
    "saved",
    "shares",
    "total_interactions",
    "follows",
    "profile_visits",
)
ACCOUNT_METRICS = {
    "reach": "reach",
    "views": "views",
    "accounts_engaged": "accounts_engaged",
    "total_interactions": "interactions",
    "profile_links_taps": "link_clicks",
    "profile_views": "profile_visits",
}
ACCOUNT_DAYS_PER_RUN = 30
HASHTAGS_PER_WEEK = 30
HASHTAG_PAGES_PER_SYNC = 3  # recent_media covers 24 hours; a few pages keep up


def client_for(ctx: SyncContext) -> ApiClient:
    return graph_client(ctx.connection.api_base_url, ctx.account.access_token or "", ctx.policy)


def sync(ctx: SyncContext) -> None:
    client = client_for(ctx)
    version = ctx.connection.api_version or DEFAULT_VERSION
    try:
        sync_profile(ctx, client, version)
        sync_media(ctx, client, version)
        sync_account_days(ctx, client, version)
        sync_tagged(ctx, client, version)
        sync_hashtags(ctx, client, version)
    finally:
        client.close()


def sync_profile(ctx: SyncContext, client: ApiClient, version: str) -> None:
    profile = client.request(
        "GET",
        f"/{version}/{ctx.account.external_id}",
        params={"fields": "id,username,followers_count,follows_count,media_count"},
    )
    value = profile.get("followers_count")
    metric = MetricValue.reported("followers", value, "followers_count", Missing.EMPTY)
    ctx.store(
        days=[
            AccountDay(
                PLATFORM, ctx.account.id, ctx.now.date(), api_version(client, version), (metric,)
            )
        ]
    )


def sync_media(ctx: SyncContext, client: ApiClient, version: str) -> None:
    path = f"/{version}/{ctx.account.external_id}/media"
    params = {"fields": MEDIA_FIELDS, "limit": 50}
    sync_pages(
        ctx,
        "media",
        lambda cursor: read_page(client, path, params, cursor),
        lambda m, captured_at: media_snapshot(ctx, client, version, m, captured_at),
        lambda m: graph_time(m.get("timestamp")),
    )


def media_snapshot(
    ctx: SyncContext, client: ApiClient, version: str, media: dict[str, Any], captured_at: datetime
) -> PostSnapshot:
    product = str(media.get("media_product_type") or "FEED")
    post = Post(
        PLATFORM,
        ctx.account.id,
        str(media["id"]),
        graph_time(media.get("timestamp")),
        product.lower() if product != "FEED" else str(media.get("media_type", "")).lower(),
        media.get("caption") or "",
        media.get("permalink") or "",
    )
    absent = STRUCTURALLY_ABSENT.get(product, {})
    wanted = [m for m in ctx.option("media_metrics", DEFAULT_MEDIA_METRICS) if m not in absent]
    values = [
        MetricValue.missing(MEDIA_METRICS.get(m, m), m, reason) for m, reason in absent.items()
    ]
    values += media_insights(client, f"/{version}/{media['id']}/insights", wanted)
    return PostSnapshot(post, captured_at, api_version(client, version), values)


def media_insights(client: ApiClient, path: str, wanted: list[str]) -> list[MetricValue]:
    """Ask for `wanted`; a deprecated metric is dropped (stored NULL + reason) and the call
    repeated; an empty data set means missing, not zero."""
    missing: list[MetricValue] = []
    while wanted:
        try:
            body = client.request("GET", path, params={"metric": ",".join(wanted)})
        except MetricUnavailable as exc:
            if exc.code == "not_enough_viewers":
                return missing + [
                    MetricValue.missing(MEDIA_METRICS.get(m, m), m, Missing.NOT_ENOUGH_VIEWERS)
                    for m in wanted
                ]
            dropped = _named_metric(exc.message, wanted)
            missing.append(
                MetricValue.missing(
                    MEDIA_METRICS.get(dropped, dropped), dropped, Missing.DEPRECATED
                )
            )
            wanted = [m for m in wanted if m != dropped]
            continue
        found = {row["name"]: _insight_value(row) for row in body.get("data") or []}
        return missing + [
            MetricValue.reported(
                MEDIA_METRICS.get(m, m), found.get(m), m, Missing.EMPTY_INSIGHT_SET
            )
            for m in wanted
        ]
    return missing


def _named_metric(message: str, wanted: list[str]) -> str:
    for metric in wanted:
        if re.search(rf"\b{re.escape(metric)}\b", message):
            return metric
    return wanted[-1]  # unnamed: drop the last one, the rest are retried


def _insight_value(row: dict[str, Any]) -> float | None:
    values = row.get("values") or []
    if values and values[0].get("value") is not None:
        return float(values[0]["value"])
    total = (row.get("total_value") or {}).get("value")
    return float(total) if total is not None else None


def sync_account_days(ctx: SyncContext, client: ApiClient, version: str) -> None:
    """Daily totals, one day per call (`metric_type=total_value`), oldest first."""
    cursor, _state = ctx.load_cursor("account_days")
    yesterday = ctx.now.date() - timedelta(days=1)
    first = (
        date.fromisoformat(cursor) - timedelta(days=SETTLE_DAYS - 1)
        if cursor
        else yesterday - timedelta(days=ctx.option("backfill_days", 7) - 1)
    )
    day = first
    while day <= yesterday and (day - first).days < ACCOUNT_DAYS_PER_RUN:
        ctx.store(days=[account_day(ctx, client, version, day)])
        ctx.save_cursor("account_days", day.isoformat(), {})
        day += timedelta(days=1)


def account_day(ctx: SyncContext, client: ApiClient, version: str, day: date) -> AccountDay:
    since = int(datetime(day.year, day.month, day.day).timestamp())
    body = client.request(
        "GET",
        f"/{version}/{ctx.account.external_id}/insights",
        params={
            "metric": ",".join(ACCOUNT_METRICS),
            "period": "day",
            "metric_type": "total_value",
            "since": since,
            "until": since + 86400,
        },
    )
    found = {row["name"]: _insight_value(row) for row in body.get("data") or []}
    values = [
        MetricValue.reported(neutral, found.get(vendor), vendor, Missing.EMPTY_INSIGHT_SET)
        for vendor, neutral in ACCOUNT_METRICS.items()
    ]
    return AccountDay(PLATFORM, ctx.account.id, day, api_version(client, version), values)


def _candidate(media: dict[str, Any], kind: str, hashtag: str | None = None) -> Candidate:
    return Candidate(
        external_id=str(media["id"]),
        kind=kind,
        caption=media.get("caption") or "",
        author_handle=media.get("username"),
        hashtag=hashtag,
        media_type=str(media.get("media_type") or "IMAGE").lower(),
        media_url=media.get("media_url"),
        permalink=media.get("permalink"),
        posted_at=graph_time(media.get("timestamp")),
        metrics={k: media[k] for k in ("like_count", "comments_count") if k in media},
    )


def sync_tagged(ctx: SyncContext, client: ApiClient, version: str) -> None:
    cursor, _ = ctx.load_cursor("tags")
    path = f"/{version}/{ctx.account.external_id}/tags"
    for items, after in pages(client, path, {"fields": MEDIA_FIELDS + ",username"}, cursor):
        ctx.store_candidates([_candidate(m, "tag") for m in items])
        ctx.save_cursor("tags", after, {})


def sync_hashtags(ctx: SyncContext, client: ApiClient, version: str) -> None:
    """Recent media for each followed hashtag. Meta allows 30 unique hashtags per rolling
    7 days per account, so tags searched this week are remembered and new ones wait."""
    _, state = ctx.load_cursor("hashtags")
    week_ago = ctx.now - timedelta(days=7)
    searched = {
        tag: when
        for tag, when in dict(state.get("searched", {})).items()
        if datetime.fromisoformat(when) > week_ago
    }
    for tag in ctx.watched("hashtag"):
        if tag not in searched and len(searched) >= HASHTAGS_PER_WEEK:
            ctx.summary.skip("hashtag limit (30 unique per 7 days) reached")
            continue
        found = client.request(
            "GET",
            f"/{version}/ig_hashtag_search",
            params={"user_id": ctx.account.external_id, "q": tag},
        )
        searched.setdefault(tag, ctx.now.isoformat())
        for hashtag in found.get("data") or []:
            path = f"/{version}/{hashtag['id']}/recent_media"
            params = {"user_id": ctx.account.external_id, "fields": MEDIA_FIELDS}
            for page, (items, _after) in enumerate(pages(client, path, params, None)):
                ctx.store_candidates([_candidate(m, "hashtag", tag) for m in items])
                if page + 1 >= HASHTAG_PAGES_PER_SYNC:
                    break
        ctx.save_cursor("hashtags", None, {"searched": searched})
