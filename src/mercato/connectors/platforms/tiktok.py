"""TikTok: Display API (user stats, video list with public counts) and, when the account is
configured with a `business_id`, API for Business daily account metrics.

The Display API pages with a millisecond `cursor` and `has_more`; it has no reach, saves
or watch time, so those are not stored for TikTok API posts (not stored as 0 either)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

from mercato.catalog.models import AccountStatus
from mercato.connectors.parsing import from_unix
from mercato.connectors.platforms.client import ApiClient
from mercato.connectors.platforms.context import SETTLE_DAYS, SyncContext
from mercato.connectors.platforms.errors import PlatformError, RateLimited, TokenRejected
from mercato.connectors.platforms.paging import Page, sync_pages
from mercato.connectors.social import AccountDay, MetricValue, Missing, Post, PostSnapshot

PLATFORM = "tiktok"
DISPLAY_BASE_URL = "https://open.tiktokapis.com"
BUSINESS_BASE_URL = "https://business-api.tiktok.com"
DISPLAY_VERSION = "display-v2"
BUSINESS_VERSION = "business-v1.3"
VIDEO_FIELDS = (
    "id,create_time,title,duration,share_url,view_count,like_count,comment_count,share_count"
)
VIDEO_METRICS = {
    "view_count": "views",
    "like_count": "likes",
    "comment_count": "comments",
    "share_count": "shares",
}
BUSINESS_METRICS = {
    "video_views": "views",
    "profile_views": "profile_visits",
    "likes": "likes",
    "comments": "comments",
    "shares": "shares",
    "daily_total_followers": "followers",
    "daily_new_followers": "follows",
    "daily_lost_followers": "unfollows",
    "bio_link_clicks": "link_clicks",
    "engaged_audience": "accounts_engaged",
}
TOKEN_CODES = {
    "access_token_invalid": AccountStatus.TOKEN_INVALID,
    "scope_not_authorized": AccountStatus.MISSING_PERMISSION,
    "scope_permission_missed": AccountStatus.MISSING_PERMISSION,
}
BUSINESS_TOKEN_CODES = {
    40102: AccountStatus.TOKEN_EXPIRED,
    40105: AccountStatus.TOKEN_INVALID,
    40001: AccountStatus.TOKEN_INVALID,
}
BUSINESS_THROTTLE_CODES = frozenset({40100, 40133})


def classify_display(response: httpx.Response, body: Any) -> PlatformError | None:
    error = (body.get("error") if isinstance(body, dict) else None) or {}
    code = str(error.get("code") or ("ok" if response.status_code < 400 else "http_error"))
    if code == "ok" and response.status_code < 400:
        return None
    message = f"{code}: {error.get('message') or response.text[:200]}"
    if code in TOKEN_CODES:
        return TokenRejected(
            message, account_status=TOKEN_CODES[code], status=response.status_code, code=code
        )
    if code == "rate_limit_exceeded" or response.status_code == 429:
        wait = float(response.headers.get("retry-after") or 60)  # sliding one-minute window
        return RateLimited(message, retry_after_s=wait, status=response.status_code, code=code)
    return PlatformError(message, status=response.status_code, code=code)


def classify_business(response: httpx.Response, body: Any) -> PlatformError | None:
    code = int(body.get("code", -1)) if isinstance(body, dict) else -1
    if code == 0 and response.status_code < 400:
        return None
    message = f"{code}: {body.get('message') if isinstance(body, dict) else response.text[:200]}"
    if code in BUSINESS_TOKEN_CODES:
        return TokenRejected(
            message,
            account_status=BUSINESS_TOKEN_CODES[code],
            status=response.status_code,
            code=str(code),
        )
    if code in BUSINESS_THROTTLE_CODES or response.status_code == 429:
        return RateLimited(message, retry_after_s=60.0, status=response.status_code, code=str(code))
    return PlatformError(message, status=response.status_code, code=str(code))


def sync(ctx: SyncContext) -> None:
    client = ctx.bearer_client(DISPLAY_BASE_URL, classify_display)
    try:
        sync_user(ctx, client)
        sync_videos(ctx, client)
    finally:
        client.close()
    if ctx.option("business_id"):
        business = ApiClient(
            ctx.option("business_base_url") or ctx.connection.api_base_url or BUSINESS_BASE_URL,
            {"Access-Token": ctx.option("business_token") or ctx.account.access_token or ""},
            classify_business,
            ctx.policy,
        )
        try:
            sync_business_days(ctx, business)
        finally:
            business.close()


def sync_user(ctx: SyncContext, client: ApiClient) -> None:
    body = client.request(
        "GET",
        "/v2/user/info/",
        params={
            "fields": "open_id,display_name,follower_count,following_count,likes_count,video_count"
        },
    )
    user = (body.get("data") or {}).get("user") or {}
    value = user.get("follower_count")
    metric = MetricValue.reported("followers", value, "follower_count", "scope_user_info_stats")
    ctx.store(
        days=[AccountDay(PLATFORM, ctx.account.id, ctx.now.date(), DISPLAY_VERSION, (metric,))]
    )


def sync_videos(ctx: SyncContext, client: ApiClient) -> None:
    """Videos newest first; the state keeps post times as unix seconds, as TikTok sends them."""

    def fetch(cursor: str | None) -> Page:
        body = client.request(
            "POST",
            "/v2/video/list/",
            params={"fields": VIDEO_FIELDS},
            json={"max_count": 20, **({"cursor": int(cursor)} if cursor else {})},
        )
        data = body.get("data") or {}
        more = bool(data.get("has_more"))
        return list(data.get("videos") or []), str(int(data["cursor"])) if more else None

    sync_pages(
        ctx,
        "videos",
        fetch,
        lambda v, captured_at: video_snapshot(ctx, v, captured_at),
        lambda v: from_unix(int(v["create_time"])),
        encode=lambda t: int(t.replace(tzinfo=UTC).timestamp()),
        decode=lambda seconds: from_unix(int(seconds)),
    )


def video_snapshot(ctx: SyncContext, video: dict[str, Any], captured_at: datetime) -> PostSnapshot:
    post = Post(
        PLATFORM,
        ctx.account.id,
        str(video["id"]),
        from_unix(int(video["create_time"])),
        "video",
        video.get("title") or "",
        video.get("share_url") or "",
    )
    values = [
        MetricValue.reported(neutral, video.get(vendor), vendor, Missing.EMPTY)
        for vendor, neutral in VIDEO_METRICS.items()
    ]
    return PostSnapshot(post, captured_at, DISPLAY_VERSION, values)


def sync_business_days(ctx: SyncContext, client: ApiClient) -> None:
    cursor, _ = ctx.load_cursor("business_days")
    yesterday = ctx.now.date() - timedelta(days=1)
    start = (
        date.fromisoformat(cursor) - timedelta(days=SETTLE_DAYS - 1)
        if cursor
        else yesterday - timedelta(days=ctx.option("backfill_days", 28) - 1)
    )
    if start > yesterday:
        return
    body = client.request(
        "GET",
        "/open_api/v1.3/business/get/",
        params={
            "business_id": ctx.option("business_id"),
            "start_date": start.isoformat(),
            "end_date": yesterday.isoformat(),
            "fields": str(list(BUSINESS_METRICS)).replace("'", '"'),
        },
    )
    rows = {row.get("date"): row for row in (body.get("data") or {}).get("metrics") or []}
    days = []
    day = start
    while day <= yesterday:
        row = rows.get(day.isoformat()) or {}
        days.append(
            AccountDay(
                PLATFORM,
                ctx.account.id,
                day,
                BUSINESS_VERSION,
                [
                    MetricValue.reported(neutral, row.get(vendor), vendor, Missing.EMPTY)
                    for vendor, neutral in BUSINESS_METRICS.items()
                ],
            )
        )
        day += timedelta(days=1)
    ctx.store(days=days)
    ctx.save_cursor("business_days", yesterday.isoformat(), {})
