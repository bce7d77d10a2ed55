"""LINE Official Account (Messaging API insight endpoints): followers, targeted reach and
blocks per day, messages delivered per day, and impressions and clicks per aggregation unit.

LINE counts days in Japan time (UTC+9) and dates them `yyyyMMdd`; a day is ready from the
next day on (`status` "unready" until then, "out_of_service" before LINE kept statistics).
Counts under 20 users are withheld as `null` for privacy (stored NULL, `not_enough_viewers`).
The account's external id is the bot's channel id; its token is the channel access token.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import httpx

from mercato.catalog.models import AccountStatus
from mercato.connectors.platforms.client import ApiClient
from mercato.connectors.platforms.context import SyncContext
from mercato.connectors.platforms.errors import PlatformError, RateLimited, TokenRejected
from mercato.connectors.social import AccountDay, MetricValue, Missing, Post, PostSnapshot

PLATFORM = "line"
BASE_URL = "https://api.line.me"
VERSION = "v2"
JAPAN = timezone(timedelta(hours=9), "JST")
FOLLOWER_FIELDS = {
    "followers": "followers",
    "targeted_reaches": "targetedReaches",
    "blocks": "blocks",
}
# Every kind of delivery the endpoint counts; their sum is the day's messages delivered.
DELIVERY_KINDS = (
    "broadcast",
    "targeting",
    "autoResponse",
    "welcomeResponse",
    "chat",
    "apiBroadcast",
    "apiPush",
    "apiMulticast",
    "apiNarrowcast",
    "apiReply",
)
STATUS_REASONS = {"unready": Missing.NOT_READY, "out_of_service": Missing.TOO_OLD}
# The aggregation endpoint covers at most 30 days at a time.
UNIT_WINDOW_DAYS = 30


def classify(response: httpx.Response, body: Any) -> PlatformError | None:
    if response.status_code < 400:
        return None
    message = str(body.get("message") if isinstance(body, dict) else response.text[:200])
    if response.status_code == 401:
        return TokenRejected(message, account_status=AccountStatus.TOKEN_INVALID, status=401)
    if response.status_code == 403:
        return TokenRejected(message, account_status=AccountStatus.MISSING_PERMISSION, status=403)
    if response.status_code == 429:
        wait = float(response.headers.get("retry-after") or 60)
        return RateLimited(message, retry_after_s=wait, status=429)
    return PlatformError(message, status=response.status_code)


def sync(ctx: SyncContext) -> None:
    client = ctx.bearer_client(BASE_URL, classify)
    try:
        sync_days(ctx, client)
        sync_units(ctx, client)
    finally:
        client.close()


def _yesterday_in_japan(now: datetime) -> date:
    aware = now if now.tzinfo else now.replace(tzinfo=UTC)
    return aware.astimezone(JAPAN).date() - timedelta(days=1)


def _days_to_read(ctx: SyncContext) -> list[date]:
    end = _yesterday_in_japan(ctx.now)
    cursor, _ = ctx.load_cursor("days")
    # Yesterday may still be unready at the last sync: re-read the last 2 stored days.
    start = (
        date.fromisoformat(cursor) - timedelta(days=1)
        if cursor
        else end - timedelta(days=int(ctx.option("backfill_days", 28)) - 1)
    )
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


def _reason(body: dict[str, Any]) -> str:
    return STATUS_REASONS.get(str(body.get("status")), Missing.EMPTY)


def _follower_metrics(body: dict[str, Any]) -> list[MetricValue]:
    reason = _reason(body)
    return [
        MetricValue.reported(
            name,
            body.get(field) if body.get("status") == "ready" else None,
            f"insight/followers.{field}",
            reason,
        )
        for name, field in FOLLOWER_FIELDS.items()
    ]


def _delivered(body: dict[str, Any]) -> MetricValue:
    """The day's deliveries of every kind; a kind LINE leaves out sent nothing that day."""
    vendor = "insight/message/delivery.sum"
    if body.get("status") != "ready":
        return MetricValue.missing("messages_delivered", vendor, _reason(body))
    counts = [body.get(kind) for kind in DELIVERY_KINDS]
    return MetricValue(
        "messages_delivered", float(sum(c for c in counts if isinstance(c, int | float))), vendor
    )


def sync_days(ctx: SyncContext, client: ApiClient) -> None:
    for day in _days_to_read(ctx):
        stamp = day.strftime("%Y%m%d")
        followers = client.request("GET", "/v2/bot/insight/followers", params={"date": stamp})
        delivery = client.request("GET", "/v2/bot/insight/message/delivery", params={"date": stamp})
        metrics = (*_follower_metrics(followers), _delivered(delivery))
        ctx.store(days=[AccountDay(PLATFORM, ctx.account.id, day, VERSION, metrics)])
        # Only a ready day moves the cursor: an unready one is asked again next time.
        if followers.get("status") == "ready":
            ctx.save_cursor("days", day.isoformat(), {})


def _units(client: ApiClient) -> list[str]:
    names: list[str] = []
    start: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 100}
        if start:
            params["start"] = start
        body = client.request("GET", "/v2/bot/message/aggregation/list", params=params)
        names += [str(name) for name in body.get("customAggregationUnits") or []]
        start = body.get("next")
        if not start:
            return names


def _summed(rows: list[dict[str, Any]], field: str) -> float | None:
    """A total over messages or links, or None when LINE withheld every one of them."""
    values = [r.get(field) for r in rows]
    known = [c for c in map(_count, values) if c is not None]
    return sum(known) if known else None


def _count(value: Any) -> float | None:
    """A count, or None where LINE withheld it (null, or -1 in older answers)."""
    return float(value) if isinstance(value, int | float) and value >= 0 else None


def _unit_metrics(body: dict[str, Any]) -> list[MetricValue]:
    overview = body.get("overview") or {}
    messages = body.get("messages") or []
    clicks = body.get("clicks") or []
    withheld = Missing.NOT_ENOUGH_VIEWERS
    return [
        MetricValue.reported(
            "views", _summed(messages, "impression"), "messages.impression", withheld
        ),
        MetricValue.reported(
            "unique_views",
            _count(overview.get("uniqueImpression")),
            "overview.uniqueImpression",
            withheld,
        ),
        MetricValue.reported("link_clicks", _summed(clicks, "click"), "clicks.click", withheld),
        MetricValue.reported(
            "unique_link_clicks",
            _count(overview.get("uniqueClick")),
            "overview.uniqueClick",
            withheld,
        ),
    ]


def sync_units(ctx: SyncContext, client: ApiClient) -> None:
    """Each aggregation unit (a named campaign of messages) as a post with its totals over
    the last 30 Japan days; re-read every sync, so late impressions are counted."""
    end = _yesterday_in_japan(ctx.now)
    start = end - timedelta(days=UNIT_WINDOW_DAYS - 1)
    snapshots = []
    for unit in _units(client):
        body = client.request(
            "GET",
            "/v2/bot/insight/message/event/aggregation",
            params={
                "customAggregationUnit": unit,
                "from": start.strftime("%Y%m%d"),
                "to": end.strftime("%Y%m%d"),
            },
        )
        post = Post(PLATFORM, ctx.account.id, unit, None, content_type="message", caption=unit)
        snapshots.append(PostSnapshot(post, ctx.now, VERSION, _unit_metrics(body)))
    ctx.store(snapshots=snapshots)
