"""Pinterest API v5: follower count, daily account analytics and pins with their analytics.

Days whose `data_status` is not `READY` are stored as NULL with `data_not_ready`; a later
sync overwrites them. Pin metrics are the pin's totals over the last 90 days (the furthest
Pinterest reports back), so `vendor_metric` says so.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import httpx

from mercato.catalog.models import AccountStatus
from mercato.connectors.parsing import parse_timestamp
from mercato.connectors.platforms.client import ApiClient
from mercato.connectors.platforms.context import SyncContext
from mercato.connectors.platforms.errors import PlatformError, RateLimited, TokenRejected
from mercato.connectors.platforms.paging import Page, sync_pages
from mercato.connectors.social import AccountDay, MetricValue, Missing, Post, PostSnapshot

PLATFORM = "pinterest"
BASE_URL = "https://api.pinterest.com"
VERSION = "v5"
METRICS = {
    "IMPRESSION": "views",
    "SAVE": "saves",
    "PIN_CLICK": "pin_clicks",
    "OUTBOUND_CLICK": "link_clicks",
    "ENGAGEMENT": "interactions",
}
WINDOW_DAYS = 90


def classify(response: httpx.Response, body: Any) -> PlatformError | None:
    if response.status_code < 400:
        return None
    message = str(body.get("message") if isinstance(body, dict) else response.text[:200])
    code = str(body.get("code") if isinstance(body, dict) else "")
    if response.status_code == 401:
        return TokenRejected(
            message, account_status=AccountStatus.TOKEN_INVALID, status=401, code=code
        )
    if response.status_code == 403:
        return TokenRejected(
            message, account_status=AccountStatus.MISSING_PERMISSION, status=403, code=code
        )
    if response.status_code == 429:
        wait = float(response.headers.get("retry-after") or 60)
        return RateLimited(message, retry_after_s=wait, status=429, code=code)
    return PlatformError(message, status=response.status_code, code=code)


def sync(ctx: SyncContext) -> None:
    client = ctx.bearer_client(BASE_URL, classify)
    try:
        account = client.request("GET", "/v5/user_account")
        followers = account.get("follower_count")
        ctx.store(
            days=[
                AccountDay(
                    PLATFORM,
                    ctx.account.id,
                    ctx.now.date(),
                    VERSION,
                    (
                        MetricValue.reported(
                            "followers", followers, "follower_count", Missing.EMPTY
                        ),
                    ),
                )
            ]
        )
        sync_account_days(ctx, client)
        sync_pins(ctx, client)
    finally:
        client.close()


def _window(ctx: SyncContext) -> tuple[date, date]:
    end = ctx.now.date() - timedelta(days=1)
    return end - timedelta(days=WINDOW_DAYS - 1), end


def sync_account_days(ctx: SyncContext, client: ApiClient) -> None:
    cursor, _ = ctx.load_cursor("account_days")
    first, end = _window(ctx)
    # Re-read the last few days each time: they may still have been PROCESSING.
    start = max(first, date.fromisoformat(cursor) - timedelta(days=3)) if cursor else first
    body = client.request(
        "GET",
        "/v5/user_account/analytics",
        params={
            "start_date": start.isoformat(),
            "end_date": end.isoformat(),
            "metric_types": ",".join(METRICS),
            "from_claimed_content": "BOTH",
            "pin_format": "ALL",
            "app_types": "ALL",
        },
    )
    days = []
    for point in (body.get("all") or {}).get("daily_metrics") or []:
        ready = point.get("data_status") == "READY"
        metrics = point.get("metrics") or {}
        days.append(
            AccountDay(
                PLATFORM,
                ctx.account.id,
                date.fromisoformat(point["date"]),
                VERSION,
                [
                    MetricValue.reported(n, metrics.get(v), v, Missing.EMPTY)
                    if ready
                    else MetricValue.missing(n, v, Missing.NOT_READY)
                    for v, n in METRICS.items()
                ],
            )
        )
    ctx.store(days=days)
    ctx.save_cursor("account_days", end.isoformat(), {})


def sync_pins(ctx: SyncContext, client: ApiClient) -> None:
    """Every pin on each pass: pin totals cover a rolling 90 days, so none settles."""

    def fetch(bookmark: str | None) -> Page:
        body = client.request(
            "GET",
            "/v5/pins",
            params={"page_size": 100, **({"bookmark": bookmark} if bookmark else {})},
        )
        return list(body.get("items") or []), body.get("bookmark") or None

    sync_pages(ctx, "pins", fetch, lambda pin, at: pin_snapshot(ctx, client, pin, at))


def pin_snapshot(
    ctx: SyncContext, client: ApiClient, pin: dict[str, Any], captured_at: datetime
) -> PostSnapshot:
    start, end = _window(ctx)
    body = client.request(
        "GET",
        f"/v5/pins/{pin['id']}/analytics",
        params={
            "start_date": start.isoformat(),
            "end_date": end.isoformat(),
            "metric_types": ",".join(METRICS),
            "app_types": "ALL",
            "split_field": "NO_SPLIT",
        },
    )
    summary = (body.get("all") or {}).get("summary_metrics") or {}
    values = [
        MetricValue.reported(n, summary.get(v), f"{v} (90d)", Missing.EMPTY_INSIGHT_SET)
        for v, n in METRICS.items()
    ]
    created = pin.get("created_at")
    post = Post(
        PLATFORM,
        ctx.account.id,
        str(pin["id"]),
        parse_timestamp(str(created)) if created else None,
        "pin",
        str(pin.get("title") or pin.get("description") or ""),
        str(pin.get("link") or ""),
    )
    return PostSnapshot(post, captured_at, VERSION, values)
