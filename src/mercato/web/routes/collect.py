"""Public event collection: the tracker script and `POST /api/collect` (CORS per site)."""

from __future__ import annotations

import time
from importlib import resources
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from mercato.catalog.models import Site, Workspace
from mercato.catalog.site_activity import ACCEPTED, REFUSED, ActivityRecorder
from mercato.collect.enrich import Hit, SiteConfig
from mercato.collect.payload import MAX_BODY_BYTES, Batch, SingleHit, inline_schema, parse_body
from mercato.collect.pipeline import Collector
from mercato.collect.wal import WalUnavailable
from mercato.core.errors import MercatoError, PermissionDenied, ValidationFailed
from mercato.core.timeutil import utcnow
from mercato.web.collect_sites import site_for_domain, sites_with_domain
from mercato.web.services import Services
from mercato.web.urls import app_origin

router = APIRouter(tags=["public"])
SITE_CACHE_S = 30.0
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
        site = session.query(Site).filter(Site.public_key == key).one_or_none()
        config = None
        if site is not None:
            workspace = session.get(Workspace, site.workspace_id)
            config = SiteConfig(
                site_id=site.id,
                workspace_id=site.workspace_id,
                domain=site.domain,
                identity_mode=site.identity_mode,
                respect_do_not_track=site.respect_do_not_track,
                page_type_patterns=dict(site.page_type_patterns or {}),
                allowed_origins=tuple(site.allowed_origins or ()),
                currency=workspace.currency if workspace else "USD",
            )
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


def _error(error: MercatoError, status: int, headers: dict[str, str]) -> JSONResponse:
    body: dict[str, Any] = {"code": error.code, "message": error.message}
    if isinstance(error, ValidationFailed) and error.location:
        body["location"] = error.location
    return JSONResponse({"error": body}, status_code=status, headers=headers)


async def _site_of(request: Request, batch: Batch, origin: str | None) -> tuple[SiteConfig, bool]:
    """The site by its key or, for `data-domain` snippets, by domain and allowed Origin."""
    if batch.key is None and batch.domain is not None:
        candidates = sites_with_domain(request, batch.domain.lower())
        try:
            return site_for_domain(candidates, batch.domain.lower(), origin), True
        except PermissionDenied:
            if origin and candidates:  # shown by the install check, as for keyed hits
                await _note_activity(request, candidates[0], origin, REFUSED)
            raise
    site = site_config(request.app.state.services, request.app.state.collect_sites, batch.key or "")
    if site is None:
        raise ValidationFailed("unknown site key", location="key")
    return site, _origin_allowed(request, origin, site)


async def _read_body(request: Request) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise ValidationFailed(f"body over {MAX_BODY_BYTES} bytes", location="body")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            raise ValidationFailed(f"body over {MAX_BODY_BYTES} bytes", location="body")
    return bytes(body)


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


@router.options("/api/collect", operation_id="collect_preflight")
def collect_preflight(request: Request) -> Response:
    """Preflight for JSON posts; the real request is then checked against the site's origins."""
    return Response(
        status_code=204,
        headers={
            "Access-Control-Allow-Origin": request.headers.get("origin", "*"),
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
        batch = parse_body(await _read_body(request))
        site, allowed = await _site_of(request, batch, origin)
        if not allowed:
            await _note_activity(request, site, origin, REFUSED)
            raise PermissionDenied(f"origin {origin} is not allowed for this site")
        hit = _hit(request, batch.sent_at)
        result = await collector_of(request).collect([(e, site, hit) for e in batch.events])
        if result.accepted:  # bots and Do-Not-Track drops do not prove an install
            await _note_activity(request, site, origin, ACCEPTED)
    except PermissionDenied as exc:
        return _error(exc, 403, _cors(origin, site, allowed))
    except ValidationFailed as exc:
        status = 413 if exc.location == "body" and "bytes" in exc.message else 422
        return _error(exc, status, _cors(origin, site, allowed))
    except WalUnavailable as exc:
        return JSONResponse(
            {"error": {"code": "unavailable", "message": str(exc)}},
            status_code=503,
            headers={"Retry-After": "5", **_cors(origin, site, allowed)},
        )
    return JSONResponse(
        {"accepted": result.accepted, "filtered": result.filtered},
        status_code=202,
        headers=_cors(origin, site, allowed),
    )
