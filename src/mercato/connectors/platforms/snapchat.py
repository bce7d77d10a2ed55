"""Snapchat Marketing API: daily campaign stats → ad spend.

Money is micro-currency (spend 153420000 = 153.42), divided by 10^6 exactly. Swipes are
the clicks. Days follow the ad account's time zone, as Snapchat aligns them."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import httpx

from mercato.catalog.models import AccountStatus
from mercato.connectors.adspend import AdSpendDay, from_micros, store_ad_spend
from mercato.connectors.platforms.client import ApiClient
from mercato.connectors.platforms.context import SyncContext
from mercato.connectors.platforms.errors import PlatformError, RateLimited, TokenRejected

PLATFORM = "snapchat"
BASE_URL = "https://adsapi.snapchat.com"
FIELDS = "impressions,swipes,spend,conversion_purchases,conversion_purchases_value"


def classify(response: httpx.Response, body: Any) -> PlatformError | None:
    status = str(body.get("request_status", "")) if isinstance(body, dict) else ""
    if response.status_code < 400 and status.upper() in ("SUCCESS", ""):
        return None
    message = str(
        body.get("debug_message") or body.get("display_message") or status
        if isinstance(body, dict)
        else response.text[:200]
    )
    if response.status_code == 401:
        return TokenRejected(message, account_status=AccountStatus.TOKEN_EXPIRED, status=401)
    if response.status_code == 403:
        return TokenRejected(message, account_status=AccountStatus.MISSING_PERMISSION, status=403)
    if response.status_code == 429:
        return RateLimited(
            message, retry_after_s=float(response.headers.get("retry-after") or 60), status=429
        )
    return PlatformError(message, status=response.status_code)


def sync(ctx: SyncContext) -> None:
    client = ctx.bearer_client(BASE_URL, classify)
    try:
        sync_spend(ctx, client)
    finally:
        client.close()


def _campaigns(client: ApiClient, ad_account: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    path: str | None = f"/v1/adaccounts/{ad_account}/campaigns"
    while path:
        body = client.request("GET", path)
        found += [c["campaign"] for c in body.get("campaigns") or []]
        path = (body.get("paging") or {}).get("next_link")
    return found


def sync_spend(ctx: SyncContext, client: ApiClient) -> None:
    ad_account = ctx.account.external_id
    info = client.request("GET", f"/v1/adaccounts/{ad_account}")
    account = (info.get("adaccounts") or [{}])[0].get("adaccount") or {}
    currency = str(account.get("currency") or "USD")
    cursor, _ = ctx.load_cursor("spend")
    end = ctx.now.date()
    # Stats keep settling for a few days: re-read the last 3 each sync (upserts, no doubles).
    start = (
        date.fromisoformat(cursor) - timedelta(days=3)
        if cursor
        else end - timedelta(days=int(ctx.option("backfill_days", 28)))
    )
    rows: list[AdSpendDay] = []
    for campaign in _campaigns(client, ad_account):
        body = client.request(
            "GET",
            f"/v1/campaigns/{campaign['id']}/stats",
            params={
                "granularity": "DAY",
                "fields": FIELDS,
                "start_time": f"{start.isoformat()}T00:00:00",
                "end_time": f"{end.isoformat()}T00:00:00",
            },
        )
        rows += _days(body, str(campaign.get("name") or campaign["id"]), currency)
    ctx.summary.rows_read += len(rows)
    store_ad_spend(ctx.warehouse, ctx.workspace_id, rows, ctx.summary)
    ctx.save_cursor("spend", end.isoformat(), {})


def _days(body: dict[str, Any], campaign: str, currency: str) -> list[AdSpendDay]:
    rows = []
    for entry in body.get("timeseries_stats") or []:
        for point in (entry.get("timeseries_stat") or {}).get("timeseries") or []:
            stats = point.get("stats") or {}
            value = stats.get("conversion_purchases_value")
            rows.append(
                AdSpendDay(
                    day=datetime.fromisoformat(point["start_time"]).date(),
                    platform=PLATFORM,
                    campaign=campaign,
                    ad_set="",
                    ad="",
                    currency=currency,
                    spend=from_micros(int(stats.get("spend") or 0), currency),
                    impressions=stats.get("impressions"),
                    clicks=stats.get("swipes"),
                    conversions=stats.get("conversion_purchases"),
                    conversion_value=from_micros(int(value), currency)
                    if value is not None
                    else None,
                    source_system="snapchat_api",
                )
            )
    return rows
