"""X API v2: the user's posts with public and (under 30 days) non-public metrics, the
follower count, and mentions as UGC candidates.

Non-public metrics exist only for the account's own posts younger than 30 days; for older
posts they are stored as NULL with `outside_platform_window`, never as 0.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any

import httpx

from mercato.catalog.models import AccountStatus
from mercato.connectors.parsing import parse_timestamp
from mercato.connectors.platforms.client import ApiClient
from mercato.connectors.platforms.context import Candidate, SyncContext
from mercato.connectors.platforms.errors import PlatformError, RateLimited, TokenRejected
from mercato.connectors.platforms.paging import Page, sync_pages
from mercato.connectors.social import AccountDay, MetricValue, Missing, Post, PostSnapshot

PLATFORM = "x"
BASE_URL = "https://api.x.com"
VERSION = "x-v2"
PUBLIC = {
    "impression_count": "views",
    "like_count": "likes",
    "reply_count": "comments",
    "retweet_count": "reposts",
    "quote_count": "quotes",
    "bookmark_count": "saves",
}
NON_PUBLIC = {"url_link_clicks": "link_clicks", "user_profile_clicks": "profile_visits"}
PRIVATE_WINDOW = timedelta(days=30)
TWEET_FIELDS = "created_at,public_metrics,non_public_metrics,author_id"


def classify(response: httpx.Response, body: Any) -> PlatformError | None:
    if response.status_code < 400:
        return None
    detail = body if isinstance(body, dict) else {}
    kind = str(detail.get("type") or "")
    message = str(detail.get("detail") or detail.get("title") or response.text[:200])
    if response.status_code == 401:
        return TokenRejected(
            message, account_status=AccountStatus.TOKEN_INVALID, status=401, code=kind
        )
    if response.status_code == 403 or kind.endswith("not-authorized-for-field"):
        return TokenRejected(
            message,
            account_status=AccountStatus.MISSING_PERMISSION,
            status=response.status_code,
            code=kind,
        )
    if response.status_code == 429:
        if kind.endswith("usage-capped"):
            return RateLimited(message, retry_after_s=24 * 3600.0, status=429, code=kind)
        reset = float(response.headers.get("x-rate-limit-reset") or 0)
        wait = max(0.0, reset - time.time()) if reset else 900.0  # windows are mostly 15 min
        return RateLimited(message, retry_after_s=wait, status=429, code=kind)
    return PlatformError(message, status=response.status_code, code=kind)


def sync(ctx: SyncContext) -> None:
    client = ctx.bearer_client(BASE_URL, classify)
    try:
        me = client.request("GET", "/2/users/me", params={"user.fields": "public_metrics"})
        user = me.get("data") or {}
        followers = (user.get("public_metrics") or {}).get("followers_count")
        ctx.store(
            days=[
                AccountDay(
                    PLATFORM,
                    ctx.account.id,
                    ctx.now.date(),
                    VERSION,
                    (
                        MetricValue.reported(
                            "followers", followers, "followers_count", Missing.EMPTY
                        ),
                    ),
                )
            ]
        )
        user_id = ctx.account.external_id or str(user.get("id"))
        sync_posts(ctx, client, user_id)
        sync_mentions(ctx, client, user_id)
        sync_search(ctx, client)
    finally:
        client.close()


def sync_posts(ctx: SyncContext, client: ApiClient, user_id: str) -> None:
    def fetch(token: str | None) -> Page:
        params = {
            "max_results": 100,
            "tweet.fields": TWEET_FIELDS,
            **({"pagination_token": token} if token else {}),
        }
        body = client.request("GET", f"/2/users/{user_id}/tweets", params=params)
        return list(body.get("data") or []), (body.get("meta") or {}).get("next_token")

    sync_pages(ctx, "posts", fetch, lambda t, at: snapshot(ctx, t, at), _created)


def _created(tweet: dict[str, Any]) -> datetime | None:
    raw = tweet.get("created_at")
    return parse_timestamp(str(raw)) if raw else None


def snapshot(ctx: SyncContext, tweet: dict[str, Any], captured_at: datetime) -> PostSnapshot:
    created = _created(tweet)
    public = tweet.get("public_metrics") or {}
    private = tweet.get("non_public_metrics")
    values = [MetricValue.reported(n, public.get(v), v, Missing.EMPTY) for v, n in PUBLIC.items()]
    too_old = created is not None and ctx.now - created > PRIVATE_WINDOW
    for vendor, neutral in NON_PUBLIC.items():
        if private and private.get(vendor) is not None:
            values.append(MetricValue(neutral, float(private[vendor]), vendor))
        else:
            reason = Missing.TOO_OLD if too_old else Missing.NO_PERMISSION
            values.append(MetricValue.missing(neutral, vendor, reason))
    post = Post(
        PLATFORM,
        ctx.account.id,
        str(tweet["id"]),
        created,
        "post",
        str(tweet.get("text") or ""),
        f"https://x.com/{ctx.account.handle}/status/{tweet['id']}",
    )
    return PostSnapshot(post, captured_at, VERSION, values)


def sync_mentions(ctx: SyncContext, client: ApiClient, user_id: str) -> None:
    token, _ = ctx.load_cursor("mentions")
    params = {
        "max_results": 100,
        "tweet.fields": "created_at,public_metrics,author_id",
        "expansions": "author_id",
        "user.fields": "username",
        **({"pagination_token": token} if token else {}),
    }
    body = client.request("GET", f"/2/users/{user_id}/mentions", params=params)
    users = {u["id"]: u.get("username") for u in (body.get("includes") or {}).get("users", [])}
    ctx.store_candidates(
        [
            Candidate(
                external_id=str(t["id"]),
                kind="mention",
                caption=str(t.get("text") or ""),
                author_handle=users.get(t.get("author_id")),
                media_type="text",
                permalink=f"https://x.com/i/status/{t['id']}",
                posted_at=_created(t),
                metrics=dict(t.get("public_metrics") or {}),
            )
            for t in body.get("data") or []
        ]
    )
    ctx.save_cursor("mentions", (body.get("meta") or {}).get("next_token"), {})


SEARCH_QUERY_MAX = 512  # recent search query length on the self-serve tiers


def search_query(hashtags: list[str], mentions: list[str]) -> str | None:
    """One recent-search query for every watched term that fits, retweets left out."""
    terms = [f"#{t}" for t in hashtags] + [f"@{m}" for m in mentions]
    suffix = ") -is:retweet"
    query = ""
    for term in terms:
        candidate = f"{query} OR {term}" if query else f"({term}"
        if len(candidate) + len(suffix) > SEARCH_QUERY_MAX:
            break
        query = candidate
    return query + suffix if query else None


def sync_search(ctx: SyncContext, client: ApiClient) -> None:
    """Recent search (the last 7 days) for the workspace's watched hashtags and mentions;
    `since_id` from the newest post of the last search, so each post is read once."""
    hashtags, mentions = ctx.watched("hashtag"), ctx.watched("mention")
    query = search_query(hashtags, mentions)
    if query is None:
        return
    _, state = ctx.load_cursor("search")
    since = state.get("newest_id") if state.get("query") == query else None
    token: str | None = None
    newest = since
    while True:
        params = {
            "query": query,
            "max_results": 100,
            "tweet.fields": "created_at,public_metrics,author_id,entities",
            "expansions": "author_id",
            "user.fields": "username",
            **({"since_id": since} if since else {}),
            **({"next_token": token} if token else {}),
        }
        body = client.request("GET", "/2/tweets/search/recent", params=params)
        newest = max(
            filter(None, [newest, (body.get("meta") or {}).get("newest_id")]), key=int, default=None
        )
        users = {u["id"]: u.get("username") for u in (body.get("includes") or {}).get("users", [])}
        ctx.store_candidates([_found(t, users, hashtags) for t in body.get("data") or []])
        token = (body.get("meta") or {}).get("next_token")
        if not token:
            break
    ctx.save_cursor("search", None, {"query": query, "newest_id": newest})


def _found(tweet: dict[str, Any], users: dict[str, Any], hashtags: list[str]) -> Candidate:
    text = str(tweet.get("text") or "")
    tags = {
        str(h.get("tag", "")).lower() for h in (tweet.get("entities") or {}).get("hashtags", [])
    }
    hit = next((t for t in hashtags if t in tags or f"#{t}" in text.lower()), None)
    return Candidate(
        external_id=str(tweet["id"]),
        kind="hashtag" if hit else "mention",
        caption=text,
        author_handle=users.get(str(tweet.get("author_id") or "")),
        hashtag=hit,
        media_type="text",
        permalink=f"https://x.com/i/status/{tweet['id']}",
        posted_at=_created(tweet),
        metrics=dict(tweet.get("public_metrics") or {}),
    )
