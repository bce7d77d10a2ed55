"""Public event collection: the tracker script and `POST /api/collect` (CORS per site).

The body is read in a stream and refused past its limit (413) before it is all in memory;
each (site, client address) has a request budget (429 with Retry-After); a preflight is
answered only for an origin some site allows.
"""

from __future__ import annotations

import ipaddress
import time
from importlib import resources
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from mercato.catalog import quality, sites
from mercato.catalog.db import Catalog
from mercato.catalog.models import Workspace
from mercato.catalog.site_activity import ACCEPTED, REFUSED, ActivityRecorder
from mercato.collect.body import (
    BodyTooLarge,
    UnsupportedEncoding,
    declared_too_large,
    read_limited,
)
from mercato.collect.enrich import Hit, SiteConfig
from mercato.collect.loader import RejectionListener
from mercato.collect.payload import MAX_BODY_BYTES, Batch, SingleHit, inline_schema, parse_body
from mercato.collect.pipeline import Collector
from mercato.collect.wal import WalUnavailable
from mercato.core.errors import MercatoError, PermissionDenied, ValidationFailed
from mercato.core.timeutil import utcnow
from mercato.runtime import Services
from mercato.web.collect_sites import site_config_of, site_for_domain, sites_with_domain
from mercato.web.fast_json import FastJSONResponse
from mercato.web.public_limits import limiter
from mercato.web.urls import app_origin

router = APIRouter(tags=["public"])
SITE_CACHE_S = 30.0
REJECTED_LOG = "wal/rejected.ndjson"
TRACKER_JS = resources.files("mercato.collect").joinpath("tracker.js").read_bytes()


def collector_of(request: Request) -> Collector:
    collector: Collector = request.app.state.collector
    return collector


def site_config(
    services: Services, cache: dict[str, tuple[float, SiteConfig | None]], key: str
) -> SiteConfig | None:
    """The site behind a public key, cached briefly: no catalog query per event."""
    now = time.monotonic()
    cached = cache.get(key)
    if cached is not None and cached[0] > now:
        return cached[1]
    with services.catalog.session() as session:
        site = sites.site_by_public_key(session, key)
        config = None
        if site is not None:
            config = site_config_of(site, session.get(Workspace, site.workspace_id))
    if len(cache) > 10_000:
        cache.clear()
    cache[key] = (now + SITE_CACHE_S, config)
    return config


def _origin_allowed(request: Request, origin: str | None, site: SiteConfig) -> bool:
    """Requests without an Origin (server-side, some beacons), the site's allowed origins,
    and this app's own origin: its link-in-bio pages track with the workspace's site key."""
    if not origin or origin in site.allowed_origins:
        return True
    return origin == app_origin(request)


def _cors(origin: str | None, site: SiteConfig | None, allowed: bool) -> dict[str, str]:
    if origin and site is not None and allowed:
        return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}
    return {"Vary": "Origin"}


async def _note_activity(
    request: Request, site: SiteConfig, origin: str | None, outcome: str
) -> None:
    """Count the request for the site's install check (a catalog write only when due)."""
    recorder: ActivityRecorder | None = getattr(request.app.state, "site_activity", None)
    if recorder is not None and recorder.note(site.site_id, origin, outcome, utcnow()):
        await run_in_threadpool(recorder.flush)


class RateLimited(MercatoError):
    code = "rate_limited"

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many requests from this client; retry in {retry_after} s")
        self.retry_after = retry_after


def error_response(error: MercatoError, headers: dict[str, str] | None = None) -> JSONResponse:
    """The JSON error of an intake route: 413, 415, 429, 403 or 422 by the error's kind."""
    body: dict[str, Any] = {"code": error.code, "message": error.message}
    if isinstance(error, ValidationFailed) and error.location:
        body["location"] = error.location
    extra = dict(headers or {})
    status = 422
    if isinstance(error, BodyTooLarge):
        status = 413
        if not error.drained:  # the rest of the body is still on the wire
            extra["Connection"] = "close"
    elif isinstance(error, UnsupportedEncoding):
        status = 415
    elif isinstance(error, RateLimited):
        status = 429
        extra["Retry-After"] = str(error.retry_after)
    elif isinstance(error, PermissionDenied):
        status = 403
    return JSONResponse({"error": body}, status_code=status, headers=extra)


def unavailable(exc: WalUnavailable, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(
        {"error": {"code": "unavailable", "message": str(exc)}},
        status_code=503,
        headers={"Retry-After": "5", **(headers or {})},
    )


async def read_body(request: Request, limit: int) -> bytes:
    """The body, read as a stream and refused once it passes `limit` bytes."""
    refused = declared_too_large(request.headers.get("content-length"), limit)
    if refused is not None:
        raise refused
    return await read_limited(request.stream(), limit)


def client_network(address: str) -> str:
    """The client an address stands for: itself for IPv4, its /64 network for IPv6 (one
    host's share of addresses), so rotating addresses in one network buys nothing."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address[:64]
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


def _check_rate(request: Request, site: SiteConfig | None) -> None:
    """One budget per (site, client); unknown keys and unreadable bodies share the client's
    keyless budget, so inventing site keys buys no fresh buckets."""
    per_minute = request.app.state.services.settings.collect_rate_limit_per_minute
    client = client_network(request.client.host if request.client else "")
    limit = limiter(request, "collect", per_minute)
    wait = limit.retry_after(f"{site.site_id if site else ''}|{client}")
    if wait is not None:
        raise RateLimited(wait)


async def _site_of(request: Request, batch: Batch, origin: str | None) -> tuple[SiteConfig, bool]:
    """The site by its key or, for `data-domain` snippets, by domain and allowed Origin."""
    if batch.key is None and batch.domain is not None:
        candidates = sites_with_domain(request, batch.domain.lower())
        _check_rate(request, candidates[0] if candidates else None)
        try:
            return site_for_domain(candidates, batch.domain.lower(), origin), True
        except PermissionDenied:
            if origin and candidates:  # shown by the install check, as for keyed hits
                await _note_activity(request, candidates[0], origin, REFUSED)
            raise
    site = site_config(request.app.state.services, request.app.state.collect_sites, batch.key or "")
    _check_rate(request, site)
    if site is None:
        raise ValidationFailed("unknown site key", location="key")
    return site, _origin_allowed(request, origin, site)


def _hit(request: Request, sent_at: int | None) -> Hit:
    headers = request.headers
    return Hit(
        ip=request.client.host if request.client else "",
        user_agent=headers.get("user-agent", ""),
        received_at=utcnow(),
        sent_at_ms=sent_at,
        do_not_track=headers.get("dnt") == "1" or headers.get("sec-gpc") == "1",
    )


@router.get("/tracker.js", operation_id="tracker_script")
def tracker_script() -> Response:
    return Response(
        TRACKER_JS,
        media_type="application/javascript",
        headers={"Cache-Control": "public, max-age=3600", "Access-Control-Allow-Origin": "*"},
    )


def _allowed_origins(request: Request) -> frozenset[str]:
    """Every origin some site allows, cached briefly: a preflight carries no site key."""
    state = request.app.state
    cached: tuple[float, frozenset[str]] | None = getattr(state, "collect_origins", None)
    now = time.monotonic()
    if cached is not None and cached[0] > now:
        return cached[1]
    with request.app.state.services.catalog.session() as session:
        origins = sites.every_allowed_origin(session)
    state.collect_origins = (now + SITE_CACHE_S, origins)
    return origins


@router.options("/api/collect", operation_id="collect_preflight")
def collect_preflight(request: Request) -> Response:
    """Preflight for JSON posts: granted only to an origin in some site's `allowed_origins`
    (or this app's own, whose link-in-bio pages track too)."""
    origin = request.headers.get("origin")
    if not origin or (origin not in _allowed_origins(request) and origin != app_origin(request)):
        return JSONResponse(
            {"error": {"code": "permission_denied", "message": "origin not allowed"}},
            status_code=403,
            headers={"Vary": "Origin"},
        )
    return Response(
        status_code=204,
        headers={
            "Access-Control-Allow-Origin": origin,
            "Access-Control-Allow-Methods": "POST",
            "Access-Control-Allow-Headers": "Content-Type",
            "Access-Control-Max-Age": "86400",
            "Vary": "Origin",
        },
    )


def _body_schema() -> dict[str, Any]:
    schema = {"oneOf": [inline_schema(SingleHit), inline_schema(Batch)]}
    content = {"application/json": {"schema": schema}, "text/plain": {"schema": schema}}
    return {"requestBody": {"required": True, "content": content}}


@router.post(
    "/api/collect", operation_id="collect_events", status_code=202, openapi_extra=_body_schema()
)
async def collect_events(request: Request) -> Response:
    """Single events or batches (JSON or text/plain); 202 once they are on disk."""
    origin = request.headers.get("origin")
    site: SiteConfig | None = None
    allowed = False
    try:
        try:
            batch = parse_body(await read_body(request, MAX_BODY_BYTES))
        except ValidationFailed:
            _check_rate(request, None)  # garbage spends the client's budget too
            raise
        site, allowed = await _site_of(request, batch, origin)
        if not allowed:
            await _note_activity(request, site, origin, REFUSED)
            raise PermissionDenied(f"origin {origin} is not allowed for this site")
        hit = _hit(request, batch.sent_at)
        result = await collector_of(request).collect([(e, site, hit) for e in batch.events])
        if result.accepted:  # bots and Do-Not-Track drops do not prove an install
            await _note_activity(request, site, origin, ACCEPTED)
    except (ValidationFailed, PermissionDenied, RateLimited) as exc:
        return error_response(exc, _cors(origin, site, allowed))
    except WalUnavailable as exc:
        return unavailable(exc, _cors(origin, site, allowed))
    return FastJSONResponse(
        {"accepted": result.accepted, "filtered": result.filtered, "clamped": result.clamped},
        status_code=202,
        headers=_cors(origin, site, allowed),
    )


def rejection_recorder(catalog: Catalog) -> RejectionListener:
    """The loader's listener that counts rejected events on the data-quality view: one
    `collector` entry per workspace and rejection, each event listed with the reason."""

    def record(rows: list[dict[str, Any]], reason: str) -> None:
        by_workspace: dict[str, list[dict[str, Any]]] = {}
        for row in rows:
            workspace_id = row.get("workspace_id")
            if isinstance(workspace_id, str):  # a record unreadable as rows names none
                by_workspace.setdefault(workspace_id, []).append(row)
        for workspace_id, mine in by_workspace.items():
            report = quality.QualityReport(
                "collector", f"loader: {reason[:200]}", rows_read=len(mine), status="rejected"
            )
            report.add(quality.REJECTED_BATCH, len(mine))
            report.problems.extend(
                quality.Problem(REJECTED_LOG, 0, "event_id", f"{row.get('event_id')}: {reason}")
                for row in mine
            )
            quality.record_quality(catalog, workspace_id, report)

    return record
