"""Server-side intake in the Segment / RudderStack HTTP spec, for CDPs forwarding events."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ValidationError

from mercato.catalog.models import Site, Workspace
from mercato.collect import cdp
from mercato.collect.channels import host_of
from mercato.collect.enrich import Hit, SiteConfig
from mercato.collect.payload import TrackerEvent, error_location, inline_schema
from mercato.collect.wal import WalUnavailable
from mercato.core.errors import ValidationFailed
from mercato.core.scopes import Scope
from mercato.web.auth import Principal, Requires
from mercato.web.routes.collect import collector_of

router = APIRouter(prefix="/api/v1/cdp", tags=["cdp"])


def _body(model: type[BaseModel]) -> dict[str, Any]:
    content = {"application/json": {"schema": inline_schema(model)}}
    return {"requestBody": {"required": True, "content": content}}


EventsWriter = Annotated[Principal, Depends(Requires(Scope.EVENTS_WRITE))]
MAX_CDP_BODY = 512 * 1024


def _sites(request: Request, workspace_id: str) -> list[SiteConfig]:
    services = request.app.state.services
    with services.catalog.session() as session:
        workspace = session.get(Workspace, workspace_id)
        sites = (
            session.query(Site)
            .filter(Site.workspace_id == workspace_id)
            .order_by(Site.created_at)
            .all()
        )
        return [
            SiteConfig(
                site_id=s.id,
                workspace_id=s.workspace_id,
                domain=s.domain,
                identity_mode=s.identity_mode,
                respect_do_not_track=False,
                page_type_patterns=dict(s.page_type_patterns or {}),
                currency=workspace.currency if workspace else "USD",
            )
            for s in sites
        ]


def _site_for(message: cdp.Message, sites: list[SiteConfig]) -> SiteConfig:
    """The site whose domain serves the message's page; the workspace's first site otherwise."""
    if not sites:
        raise ValidationFailed("this workspace has no site to record events for", location="site")
    host = host_of(message.context.page.url if message.context.page else None) or ""
    bare = host.removeprefix("www.")
    return next((s for s in sites if s.domain.removeprefix("www.") == bare), sites[0])


async def _document(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if len(raw) > MAX_CDP_BODY:
        raise ValidationFailed(f"body over {MAX_CDP_BODY} bytes", location="body")
    try:
        document = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise ValidationFailed("body is not valid JSON", location="body") from None
    if not isinstance(document, dict):
        raise ValidationFailed("expected a JSON object", location="body")
    return document


async def _intake(request: Request, principal: Principal, kind: str | None) -> Response:
    try:
        document = await _document(request)
        if kind is None:
            try:
                messages = cdp.BatchRequest.model_validate(document).batch
            except ValidationError as error:
                first = error.errors(include_url=False)[0]
                raise ValidationFailed(
                    first["msg"], location=error_location(tuple(first["loc"]))
                ) from None
        else:
            messages = [{**document, "type": kind}]
        sites = _sites(request, principal.workspace_id)
        converted: list[tuple[TrackerEvent, SiteConfig, Hit]] = []
        for index, raw in enumerate(messages):
            where = index if kind is None else None
            message = cdp.parse_message(raw, where)
            converted.append(cdp.convert(message, _site_for(message, sites), where))
        result = await collector_of(request).collect(converted)
    except ValidationFailed as exc:
        return JSONResponse(
            {"error": {"code": exc.code, "message": exc.message, "location": exc.location}},
            status_code=422,
        )
    except WalUnavailable as exc:
        return JSONResponse(
            {"error": {"code": "unavailable", "message": str(exc)}},
            status_code=503,
            headers={"Retry-After": "5"},
        )
    return JSONResponse({"success": True, "accepted": result.accepted, "filtered": result.filtered})


@router.post("/track", operation_id="cdp_track", openapi_extra=_body(cdp.Message))
async def cdp_track(request: Request, principal: EventsWriter) -> Response:
    """A Segment `track` call: `{userId|anonymousId, event, properties, context, timestamp}`."""
    return await _intake(request, principal, "track")


@router.post("/page", operation_id="cdp_page", openapi_extra=_body(cdp.Message))
async def cdp_page(request: Request, principal: EventsWriter) -> Response:
    """A Segment `page` call: a pageview of `context.page.url`."""
    return await _intake(request, principal, "page")


@router.post("/identify", operation_id="cdp_identify", openapi_extra=_body(cdp.Message))
async def cdp_identify(request: Request, principal: EventsWriter) -> Response:
    """A Segment `identify` call: ties `anonymousId` to the customer `userId`."""
    return await _intake(request, principal, "identify")


@router.post("/batch", operation_id="cdp_batch", openapi_extra=_body(cdp.BatchRequest))
async def cdp_batch(request: Request, principal: EventsWriter) -> Response:
    """A Segment `batch` call: `{batch: [message, ...]}`, each with its own `type`."""
    return await _intake(request, principal, None)
