"""Server-side intake in the Segment / RudderStack HTTP spec, for CDPs forwarding events.

The same intake serves `/api/v1/cdp/*` (Bearer token) and `/v1/*` (HTTP Basic write key,
routes/cdp_segment_api.py). Bodies are streamed under a limit, may be gzip-compressed, and are
parsed with a depth limit; each message of a batch is accepted, skipped or rejected on its own.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ValidationError

from mercato.catalog.models import Site
from mercato.collect import cdp
from mercato.collect.body import decoded, parse_json
from mercato.collect.channels import host_of
from mercato.collect.enrich import SiteConfig
from mercato.collect.payload import error_location, inline_schema
from mercato.collect.wal import WalUnavailable
from mercato.core.errors import ValidationFailed
from mercato.core.scopes import Scope
from mercato.web.auth import Principal, Requires
from mercato.web.routes.collect_public import collector_of, error_response, read_body, unavailable

router = APIRouter(prefix="/api/v1/cdp", tags=["cdp"])


def request_body(model: type[BaseModel]) -> dict[str, Any]:
    content = {"application/json": {"schema": inline_schema(model)}}
    return {"requestBody": {"required": True, "content": content}}


MAX_CDP_BODY = 512 * 1024  # after gzip is undone; Segment's own batch limit is 500 KB


def _sites(request: Request, workspace_id: str) -> list[SiteConfig]:
    services = request.app.state.services
    with services.catalog.for_workspace(workspace_id).session() as scoped:
        workspace = scoped.workspace()
        sites = scoped.scalars(scoped.select(Site).order_by(Site.created_at))
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


def _document(raw: bytes) -> dict[str, Any]:
    document = parse_json(raw)
    if not isinstance(document, dict):
        raise ValidationFailed("expected a JSON object", location="body")
    return document


def _messages(document: dict[str, Any], kind: str | None) -> tuple[list[Any], datetime | None]:
    """The messages of a call (a single call is a batch of one) and the batch's `sentAt`."""
    if kind is not None:
        return [{**document, "type": kind}], None
    try:
        envelope = cdp.BatchRequest.model_validate(document)
    except ValidationError as error:
        first = error.errors(include_url=False)[0]
        raise ValidationFailed(first["msg"], location=error_location(tuple(first["loc"]))) from None
    return envelope.batch, envelope.sentAt


async def intake(request: Request, principal: Principal, kind: str | None) -> Response:
    """Store what can be stored; 200 with per-message reasons, 4xx when nothing could be."""
    try:
        raw = await read_body(request, MAX_CDP_BODY)
        document = _document(decoded(raw, request.headers.get("content-encoding"), MAX_CDP_BODY))
        messages, sent_at = _messages(document, kind)
        sites = _sites(request, principal.workspace_id)
        outcomes = [
            cdp.read_message(raw_message, index, lambda m: _site_for(m, sites), sent_at)
            for index, raw_message in enumerate(messages)
        ]
        rejected = [o for o in outcomes if o.rejected is not None]
        if rejected and len(rejected) == len(outcomes):
            raise _located(rejected[0], kind)
        converted = [o.converted for o in outcomes if o.converted is not None]
        result = await collector_of(request).collect(converted)
    except ValidationFailed as exc:
        return error_response(exc)
    except WalUnavailable as exc:
        return unavailable(exc)
    return JSONResponse(
        {
            "success": True,
            "accepted": result.accepted,
            "filtered": result.filtered,
            "skipped": [o.report() for o in outcomes if o.skipped is not None],
            "rejected": [o.report() for o in rejected],
        }
    )


def _located(outcome: cdp.Outcome, kind: str | None) -> ValidationFailed:
    error = outcome.rejected
    assert error is not None
    if kind is not None:
        return error
    where = f"batch[{outcome.index}]" + (f".{error.location}" if error.location else "")
    return ValidationFailed(error.reason, location=where)


# Every Segment spec call, with what Mercato does with it (the routes' OpenAPI summaries).
CALLS: tuple[tuple[str | None, str], ...] = (
    ("track", "A Segment `track` call: `{userId|anonymousId, event, properties, context}`."),
    ("page", "A Segment `page` call: a pageview of `context.page.url`."),
    ("screen", "A Segment `screen` call: an app screen view, stored as a pageview."),
    ("identify", "A Segment `identify` call: ties `anonymousId` to the customer `userId`."),
    ("alias", "A Segment `alias` call: `previousId` (the earlier visitor id) is `userId`."),
    ("group", "A Segment `group` call: answered and skipped with its reason (no accounts)."),
    (None, "A Segment `batch` call: `{batch: [message, ...]}`, each with its own `type`."),
)


def add_calls(target: APIRouter, writer: Requires, operation_prefix: str) -> None:
    """Register every Segment call on `target` (`/track` … `/batch`), guarded by `writer`."""
    for kind, summary in CALLS:
        name = kind or "batch"
        target.add_api_route(
            f"/{name}",
            _endpoint(kind, writer, summary),
            methods=["POST"],
            operation_id=f"{operation_prefix}_{name}",
            openapi_extra=request_body(cdp.BatchRequest if kind is None else cdp.Message),
        )


def _endpoint(kind: str | None, writer: Requires, summary: str) -> Any:
    async def call(request: Request, principal: Principal = Depends(writer)) -> Response:
        return await intake(request, principal, kind)

    call.__doc__ = summary
    return call


add_calls(router, Requires(Scope.EVENTS_WRITE), "cdp")
