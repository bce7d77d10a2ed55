"""A fake Meta Graph / TikTok API over real loopback HTTP, replaying the documented shapes
(platforms.md): cursor paging, throttling with BUC headers, token errors, the v22
`impressions` deprecation, "not enough viewers", empty insight sets, and crashes mid-sync."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

IG_USER = "17841400000000001"
FB_PAGE = "1234567890"
GOOD_TOKEN = "good-token"


def ig_media(count: int, newest: datetime) -> list[dict[str, Any]]:
    """`count` media, newest first, every third one a Reel."""
    media = []
    for index in range(count):
        reel = index % 3 == 2
        media.append(
            {
                "id": f"1790000000000{index:04d}",
                "caption": f"post {index} #acme",
                "media_type": "VIDEO" if reel else "IMAGE",
                "media_product_type": "REELS" if reel else "FEED",
                "permalink": f"https://www.instagram.com/p/P{index}/",
                "timestamp": (newest - timedelta(hours=index)).strftime("%Y-%m-%dT%H:%M:%S+0000"),
                "like_count": 10 + index,
                "comments_count": index,
            }
        )
    return media


@dataclass
class FakePlatforms:
    ig_media: list[dict[str, Any]] = field(default_factory=list)
    insights: dict[str, dict[str, int]] = field(default_factory=dict)
    not_enough_viewers: set[str] = field(default_factory=set)
    account_days: dict[str, dict[str, int]] = field(default_factory=dict)
    fb_posts: list[dict[str, Any]] = field(default_factory=list)
    page_days: dict[str, dict[str, int]] = field(default_factory=dict)
    tagged: list[dict[str, Any]] = field(default_factory=list)
    hashtag_media: list[dict[str, Any]] = field(default_factory=list)
    tiktok_videos: list[dict[str, Any]] = field(default_factory=list)
    tweets: list[dict[str, Any]] = field(default_factory=list)
    mentioned: dict[str, dict[str, Any]] = field(default_factory=dict)
    mentions: list[dict[str, Any]] = field(default_factory=list)
    search_results: list[dict[str, Any]] = field(default_factory=list)
    search_queries: list[str] = field(default_factory=list)
    pins: list[dict[str, Any]] = field(default_factory=list)
    pin_days: list[dict[str, Any]] = field(default_factory=list)
    snap_campaigns: list[dict[str, Any]] = field(default_factory=list)
    snap_stats: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    business_days: dict[str, dict[str, int]] = field(default_factory=dict)
    page_size: int = 2
    graph_version_served: str = "v23.0"
    tokens: dict[str, str] = field(default_factory=lambda: {GOOD_TOKEN: "ok"})
    throttle_calls: set[int] = field(default_factory=set)
    throttle_minutes: float = 0.0
    crash_at_call: int | None = None
    calls: list[str] = field(default_factory=list)

    def reset_calls(self) -> None:
        self.calls.clear()


def _graph_error(
    code: int,
    message: str,
    status: int = 400,
    subcode: int | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    error: dict[str, Any] = {
        "message": message,
        "type": "OAuthException",
        "code": code,
        "fbtrace_id": "AbC123xYz",
    }
    if subcode:
        error["error_subcode"] = subcode
    return JSONResponse({"error": error}, status_code=status, headers=headers)


def _page(items: list[dict[str, Any]], after: str | None, size: int) -> dict[str, Any]:
    start = int(after) if after else 0
    chunk = items[start : start + size]
    body: dict[str, Any] = {"data": chunk}
    if start + size < len(items):
        nxt = str(start + size)
        body["paging"] = {
            "cursors": {"before": str(start), "after": nxt},
            "next": f"https://graph.example/next?after={nxt}",
        }
    else:
        body["paging"] = {"cursors": {"before": str(start), "after": str(start + len(chunk))}}
    return body


def _gate(state: FakePlatforms, request: Request, tiktok: bool = False) -> JSONResponse | None:
    """Token, throttle and crash behaviour shared by every route."""
    state.calls.append(f"{request.method} {request.url.path}?{request.url.query}")
    number = len(state.calls)
    if state.crash_at_call is not None and number >= state.crash_at_call:  # down from then on
        return (
            JSONResponse(
                {"data": {}, "error": {"code": "internal_error", "message": "boom", "log_id": "x"}},
                status_code=500,
            )
            if tiktok
            else _graph_error(2, "An unexpected error has occurred.", status=500)
        )
    header = request.headers.get("authorization", "") or request.headers.get("access-token", "")
    token = header.removeprefix("Bearer ").strip()
    verdict = state.tokens.get(token, "invalid")
    if verdict != "ok":
        if tiktok:
            return JSONResponse(
                {
                    "data": {},
                    "error": {
                        "code": "access_token_invalid",
                        "log_id": "x",
                        "message": "The access token is invalid or not found in the request.",
                    },
                },
                status_code=401,
            )
        if verdict == "expired":
            return _graph_error(
                190,
                "Error validating access token: Session has expired on "
                "Monday, 23-Nov-26 10:00:00 PST.",
                subcode=463,
            )
        return _graph_error(190, "The access token could not be decrypted", subcode=467)
    if number in state.throttle_calls:
        if tiktok:
            return JSONResponse(
                {
                    "data": {},
                    "error": {
                        "code": "rate_limit_exceeded",
                        "log_id": "x",
                        "message": "The API rate limit was exceeded. Please try again later.",
                    },
                },
                status_code=429,
                headers={"Retry-After": str(int(state.throttle_minutes * 60))},
            )
        usage = {
            IG_USER: [
                {
                    "type": "instagram",
                    "call_count": 100,
                    "total_cputime": 20,
                    "total_time": 30,
                    "estimated_time_to_regain_access": state.throttle_minutes,
                }
            ]
        }
        return _graph_error(
            80002,
            "(#80002) There have been too many calls to this Instagram "
            "account. Wait a bit and try again.",
            headers={"X-Business-Use-Case-Usage": json.dumps(usage)},
        )
    return None


def build_app(state: FakePlatforms) -> FastAPI:
    app = FastAPI()
    add_x_routes(app, state)
    add_pinterest_routes(app, state)
    add_snapchat_routes(app, state)
    add_graph_routes(app, state)
    add_tiktok_routes(app, state)
    return app


def _ok(state: FakePlatforms, body: dict[str, Any]) -> JSONResponse:
    return JSONResponse(body, headers={"facebook-api-version": state.graph_version_served})


def add_graph_routes(app: FastAPI, state: FakePlatforms) -> None:
    @app.get("/{version}/ig_hashtag_search")
    def hashtag_search(version: str, request: Request, q: str) -> JSONResponse:
        return _gate(state, request) or _ok(state, {"data": [{"id": f"tag-{q}"}]})

    @app.get("/{version}/{node}/{edge}")
    def edge(version: str, node: str, edge: str, request: Request) -> JSONResponse:
        blocked = _gate(state, request)
        if blocked:
            return blocked
        after = request.query_params.get("after")
        if edge == "insights":
            return insights(state, version, node, request)
        lists = {
            "media": state.ig_media,
            "published_posts": state.fb_posts,
            "tags": state.tagged,
            "recent_media": state.hashtag_media,
        }
        if edge not in lists:
            return _graph_error(100, f"(#100) Tried accessing nonexisting field ({edge})")
        return _ok(state, _page(lists[edge], after, state.page_size))

    @app.get("/{version}/{node}")
    def profile(version: str, node: str, request: Request) -> JSONResponse:
        fields = request.query_params.get("fields", "")
        for kind in ("mentioned_media", "mentioned_comment"):
            if fields.startswith(kind):
                wanted = fields.split("(", 1)[1].split(")", 1)[0]
                found = state.mentioned.get(wanted, {})
                return _gate(state, request) or _ok(state, {kind: found, "id": node})
        return _gate(state, request) or _ok(
            state,
            {
                "id": node,
                "username": "acme",
                "followers_count": 48210,
                "follows_count": 12,
                "media_count": len(state.ig_media),
            },
        )


def insights(state: FakePlatforms, version: str, node: str, request: Request) -> JSONResponse:
    metrics = request.query_params.get("metric", "").split(",")
    if "impressions" in metrics and int(version.strip("v").split(".")[0]) >= 22:
        return _graph_error(
            100,
            "(#100) Starting from version 22 and above, the impressions "
            "metric is no longer supported for the queried user.",
        )
    if node in state.not_enough_viewers:
        return _graph_error(10, "(#10) Not enough viewers for the media to show insights")
    if node in (IG_USER, FB_PAGE):
        return account_insights(state, node, metrics, request)
    values = state.insights.get(node, {})
    data = [
        {
            "name": m,
            "period": "lifetime",
            "values": [{"value": values[m]}],
            "title": m.title(),
            "id": f"{node}/insights/{m}/lifetime",
        }
        for m in metrics
        if m in values
    ]
    return _ok(state, {"data": data})


def account_insights(
    state: FakePlatforms, node: str, metrics: list[str], request: Request
) -> JSONResponse:
    if node == IG_USER:
        since = datetime.fromtimestamp(int(request.query_params["since"]), UTC).date()
        stored = state.account_days.get(since.isoformat(), {})
        totals = [
            {
                "name": m,
                "period": "day",
                "total_value": {"value": stored[m]},
                "id": f"{node}/insights/{m}/day",
            }
            for m in metrics
            if m in stored
        ]
        return _ok(state, {"data": totals})
    start = date.fromisoformat(request.query_params["since"])
    until = date.fromisoformat(request.query_params["until"])
    data = []
    for metric in metrics:
        points = []
        day = start
        while day < until:
            value = state.page_days.get(day.isoformat(), {}).get(metric)
            if value is not None:
                end_time = datetime.combine(day + timedelta(days=1), datetime.min.time())
                points.append(
                    {
                        "value": value,
                        "end_time": (end_time + timedelta(hours=8)).strftime(
                            "%Y-%m-%dT%H:%M:%S+0000"
                        ),
                    }
                )
            day += timedelta(days=1)
        if points:
            data.append(
                {
                    "name": metric,
                    "period": "day",
                    "values": points,
                    "id": f"{node}/insights/{metric}/day",
                }
            )
    return _ok(state, {"data": data})


def add_tiktok_routes(app: FastAPI, state: FakePlatforms) -> None:
    ok = {"code": "ok", "message": "", "log_id": "202506011234560A1B2C3D4E5F"}

    @app.get("/v2/user/info/")
    def user_info(request: Request) -> JSONResponse:
        return _gate(state, request, tiktok=True) or JSONResponse(
            {
                "data": {"user": {"open_id": "o1", "display_name": "Acme", "follower_count": 9120}},
                "error": ok,
            }
        )

    @app.post("/v2/video/list/")
    async def video_list(request: Request) -> JSONResponse:
        blocked = _gate(state, request, tiktok=True)
        if blocked:
            return blocked
        body = await request.json()
        cursor = body.get("cursor")
        older = [
            v for v in state.tiktok_videos if cursor is None or v["create_time"] * 1000 < cursor
        ]
        chunk = older[: min(int(body.get("max_count", 20)), state.page_size)]
        more = len(older) > len(chunk)
        next_cursor = chunk[-1]["create_time"] * 1000 if chunk else cursor
        return JSONResponse(
            {"data": {"videos": chunk, "cursor": next_cursor, "has_more": more}, "error": ok}
        )

    @app.get("/open_api/v1.3/business/get/")
    def business(request: Request) -> JSONResponse:
        state.calls.append(f"GET {request.url.path}")
        if state.tokens.get(request.headers.get("access-token", "")) != "ok":
            return JSONResponse(
                {
                    "code": 40105,
                    "message": "Access token is incorrect or has been revoked.",
                    "request_id": "r",
                    "data": {},
                }
            )
        start = date.fromisoformat(request.query_params["start_date"])
        end = date.fromisoformat(request.query_params["end_date"])
        rows = [
            {"date": d, **v}
            for d, v in sorted(state.business_days.items())
            if start <= date.fromisoformat(d) <= end
        ]
        return JSONResponse(
            {"code": 0, "message": "OK", "request_id": "r", "data": {"metrics": rows}}
        )


def tiktok_videos(count: int, newest: datetime) -> list[dict[str, Any]]:
    newest_s = int(newest.replace(tzinfo=UTC).timestamp())
    return [
        {
            "id": f"73000000000000{index:05d}",
            "create_time": newest_s - index * 3600,
            "title": f"video {index}",
            "duration": 23,
            "share_url": f"https://www.tiktok.com/@acme/video/{index}",
            "view_count": 1000 * (index + 1),
            "like_count": 10 * index,
            "comment_count": index,
            "share_count": index // 2,
        }
        for index in range(count)
    ]


def _plain_gate(state: FakePlatforms, request: Request, kind: str) -> JSONResponse | None:
    """Token and throttle answers in X / Pinterest / Snapchat shapes."""
    state.calls.append(f"{request.method} {request.url.path}?{request.url.query}")
    token = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
    if state.tokens.get(token) != "ok":
        bodies = {
            "x": {
                "title": "Unauthorized",
                "type": "about:blank",
                "status": 401,
                "detail": "Unauthorized",
            },
            "pinterest": {"code": 2, "message": "Authentication failed."},
            "snapchat": {"request_status": "ERROR", "debug_message": "Unauthorized"},
        }
        return JSONResponse(bodies[kind], status_code=401)
    if len(state.calls) in state.throttle_calls:
        reset = int(datetime.now(UTC).timestamp() + state.throttle_minutes * 60)
        return JSONResponse(
            {
                "title": "Too Many Requests",
                "detail": "Too Many Requests",
                "type": "about:blank",
                "status": 429,
            },
            status_code=429,
            headers={
                "x-rate-limit-remaining": "0",
                "x-rate-limit-reset": str(reset),
                "retry-after": str(int(state.throttle_minutes * 60)),
            },
        )
    return None


def _token_page(items: list[dict[str, Any]], token: str | None, size: int) -> dict[str, Any]:
    start = int(token) if token else 0
    chunk = items[start : start + size]
    meta: dict[str, Any] = {"result_count": len(chunk)}
    if start + size < len(items):
        meta["next_token"] = str(start + size)
    return {"data": chunk, "meta": meta}


def add_x_routes(app: FastAPI, state: FakePlatforms) -> None:
    @app.get("/2/users/me")
    def me(request: Request) -> JSONResponse:
        return _plain_gate(state, request, "x") or JSONResponse(
            {
                "data": {
                    "id": "2244994945",
                    "username": "acme",
                    "public_metrics": {"followers_count": 1500, "following_count": 3},
                }
            }
        )

    @app.get("/2/users/{user_id}/tweets")
    def tweets(user_id: str, request: Request) -> JSONResponse:
        return _plain_gate(state, request, "x") or JSONResponse(
            _token_page(state.tweets, request.query_params.get("pagination_token"), state.page_size)
        )

    @app.get("/2/tweets/search/recent")
    def search_recent(request: Request) -> JSONResponse:
        blocked = _plain_gate(state, request, "x")
        if blocked:
            return blocked
        query = request.query_params.get("query", "")
        if len(query) > 512:
            return JSONResponse(
                {
                    "title": "Invalid Request",
                    "detail": "query too long",
                    "type": "https://api.twitter.com/2/problems/invalid-request",
                },
                status_code=400,
            )
        since = int(request.query_params.get("since_id") or 0)
        state.search_queries.append(query)
        found = [t for t in state.search_results if int(t["id"]) > since]
        body = _token_page(found, request.query_params.get("next_token"), state.page_size)
        if found:
            body["meta"]["newest_id"] = max((t["id"] for t in found), key=int)
        body["includes"] = {"users": [{"id": "u7", "username": "fan7"}]}
        return JSONResponse(body)

    @app.get("/2/users/{user_id}/mentions")
    def mentions(user_id: str, request: Request) -> JSONResponse:
        blocked = _plain_gate(state, request, "x")
        if blocked:
            return blocked
        body = _token_page(state.mentions, request.query_params.get("pagination_token"), 100)
        body["includes"] = {"users": [{"id": "u9", "username": "fan9"}]}
        return JSONResponse(body)


def add_pinterest_routes(app: FastAPI, state: FakePlatforms) -> None:
    @app.get("/v5/user_account")
    def user_account(request: Request) -> JSONResponse:
        return _plain_gate(state, request, "pinterest") or JSONResponse(
            {"username": "acme", "follower_count": 777, "monthly_views": 12000}
        )

    @app.get("/v5/user_account/analytics")
    def account_analytics(request: Request) -> JSONResponse:
        return _plain_gate(state, request, "pinterest") or JSONResponse(
            {"all": {"daily_metrics": state.pin_days}}
        )

    @app.get("/v5/pins")
    def pins(request: Request) -> JSONResponse:
        blocked = _plain_gate(state, request, "pinterest")
        if blocked:
            return blocked
        start = int(request.query_params.get("bookmark") or 0)
        chunk = state.pins[start : start + state.page_size]
        more = start + state.page_size < len(state.pins)
        return JSONResponse(
            {"items": chunk, "bookmark": str(start + state.page_size) if more else None}
        )

    @app.get("/v5/pins/{pin_id}/analytics")
    def pin_analytics(pin_id: str, request: Request) -> JSONResponse:
        blocked = _plain_gate(state, request, "pinterest")
        if blocked:
            return blocked
        summary = state.insights.get(pin_id, {})
        return JSONResponse(
            {"all": {"lifetime_metrics": summary, "daily_metrics": [], "summary_metrics": summary}}
        )


def add_snapchat_routes(app: FastAPI, state: FakePlatforms) -> None:
    @app.get("/v1/adaccounts/{account_id}")
    def ad_account(account_id: str, request: Request) -> JSONResponse:
        return _plain_gate(state, request, "snapchat") or JSONResponse(
            {
                "request_status": "SUCCESS",
                "request_id": "r",
                "adaccounts": [
                    {
                        "sub_request_status": "SUCCESS",
                        "adaccount": {
                            "id": account_id,
                            "currency": "EUR",
                            "timezone": "America/Los_Angeles",
                        },
                    }
                ],
            }
        )

    @app.get("/v1/adaccounts/{account_id}/campaigns")
    def campaigns(account_id: str, request: Request) -> JSONResponse:
        blocked = _plain_gate(state, request, "snapchat")
        if blocked:
            return blocked
        offset = int(request.query_params.get("offset") or 0)
        chunk = state.snap_campaigns[offset : offset + 1]
        body: dict[str, Any] = {
            "request_status": "SUCCESS",
            "request_id": "r",
            "campaigns": [{"sub_request_status": "SUCCESS", "campaign": c} for c in chunk],
        }
        if offset + 1 < len(state.snap_campaigns):
            body["paging"] = {
                "next_link": f"/v1/adaccounts/{account_id}/campaigns?offset={offset + 1}"
            }
        return JSONResponse(body)

    @app.get("/v1/campaigns/{campaign_id}/stats")
    def stats(campaign_id: str, request: Request) -> JSONResponse:
        return _plain_gate(state, request, "snapchat") or JSONResponse(
            {
                "request_status": "SUCCESS",
                "request_id": "r",
                "timeseries_stats": [
                    {
                        "sub_request_status": "SUCCESS",
                        "timeseries_stat": {
                            "id": campaign_id,
                            "type": "CAMPAIGN",
                            "granularity": "DAY",
                            "timeseries": state.snap_stats.get(campaign_id, []),
                        },
                    }
                ],
            }
        )
