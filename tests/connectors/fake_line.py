"""A fake LINE Messaging API (insight endpoints) over real loopback HTTP, in the documented
shapes: `yyyyMMdd` dates in Japan time, `status` ready / unready / out_of_service, counts
withheld as null under 20 users, paged aggregation-unit lists, 401 and 429 answers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

LINE_TOKEN = "line-channel-token"


@dataclass
class FakeLine:
    followers: dict[str, dict[str, Any]] = field(default_factory=dict)  # yyyyMMdd -> body
    delivery: dict[str, dict[str, Any]] = field(default_factory=dict)
    units: dict[str, dict[str, Any]] = field(default_factory=dict)  # unit -> statistics
    unit_page_size: int = 2
    throttle_calls: set[int] = field(default_factory=set)
    calls: list[str] = field(default_factory=list)


def _gate(state: FakeLine, request: Request) -> JSONResponse | None:
    state.calls.append(f"{request.url.path}?{request.url.query}")
    if request.headers.get("authorization") != f"Bearer {LINE_TOKEN}":
        return JSONResponse({"message": "Authentication failed"}, status_code=401)
    if len(state.calls) in state.throttle_calls:
        return JSONResponse(
            {"message": "The API rate limit has been exceeded. Try again later."},
            status_code=429,
        )
    return None


def _dated(request: Request) -> str | JSONResponse:
    day = request.query_params.get("date", "")
    if len(day) != 8 or not day.isdigit():
        return JSONResponse(
            {"message": "The request body has 1 error(s)", "details": [{"property": "date"}]},
            status_code=400,
        )
    return day


def build_line_app(state: FakeLine) -> FastAPI:
    app = FastAPI()

    @app.get("/v2/bot/insight/followers")
    def followers(request: Request) -> JSONResponse:
        day = _gate(state, request) or _dated(request)
        if isinstance(day, JSONResponse):
            return day
        return JSONResponse(state.followers.get(day, {"status": "unready"}))

    @app.get("/v2/bot/insight/message/delivery")
    def delivery(request: Request) -> JSONResponse:
        day = _gate(state, request) or _dated(request)
        if isinstance(day, JSONResponse):
            return day
        return JSONResponse(state.delivery.get(day, {"status": "unready"}))

    @app.get("/v2/bot/message/aggregation/list")
    def unit_list(request: Request) -> JSONResponse:
        blocked = _gate(state, request)
        if blocked:
            return blocked
        names = sorted(state.units)
        start = int(request.query_params.get("start") or 0)
        size = min(int(request.query_params.get("limit") or 30), state.unit_page_size)
        body: dict[str, Any] = {"customAggregationUnits": names[start : start + size]}
        if start + size < len(names):
            body["next"] = str(start + size)
        return JSONResponse(body)

    @app.get("/v2/bot/insight/message/event/aggregation")
    def unit_statistics(request: Request) -> JSONResponse:
        blocked = _gate(state, request)
        if blocked:
            return blocked
        unit = request.query_params.get("customAggregationUnit", "")
        if unit not in state.units:
            return JSONResponse({"message": "Not found"}, status_code=404)
        return JSONResponse(state.units[unit])

    return app
