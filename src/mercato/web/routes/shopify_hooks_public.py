"""Public Shopify webhook endpoint: rate-limited per client, the body read only up to its
limit, HMAC-verified before anything is parsed or stored, then the replay window, the
delivery-id dedupe and (for orders) the staleness check of `connectors.webhook_deliveries`."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from mercato.catalog import workspaces
from mercato.connectors import shopify_webhooks, webhook_deliveries
from mercato.connectors.parsing import parse_timestamp
from mercato.core import strict_json
from mercato.core.errors import NotFoundError
from mercato.core.timeutil import utcnow
from mercato.web.auth import ServicesDep
from mercato.web.public_limits import hook_body

router = APIRouter(tags=["public"])
MAX_BODY_BYTES = 5 * 1024 * 1024


def _refused(message: str, status: int = 401) -> JSONResponse:
    return JSONResponse(
        {
            "error": {
                "code": "invalid_signature" if status == 401 else "invalid_input",
                "message": message,
            }
        },
        status_code=status,
    )


def _secret_of(services: ServicesDep, workspace: str) -> tuple[str, str] | None:
    try:
        with services.catalog.session() as session:
            workspace_id = workspaces.get_workspace(session, workspace).id
            return workspace_id, shopify_webhooks.webhook_secret(session, workspace_id)
    except NotFoundError:
        return None


def _check_window(request: Request, topic: str, payload: dict[str, Any], window: timedelta) -> None:
    now = utcnow()
    signed = shopify_webhooks.signed_time(topic, payload)
    webhook_deliveries.check_window(signed, now, window, "the delivery's change time")
    triggered = request.headers.get("x-shopify-triggered-at", "").strip()
    if triggered:  # unsigned: it may only make a delivery older, never rescue an old one
        try:
            at = parse_timestamp(triggered)
        except ValueError:
            return
        webhook_deliveries.check_window(at, now, window, "X-Shopify-Triggered-At")


@router.post("/hooks/shopify/{workspace}", operation_id="shopify_webhook")
async def shopify_webhook(workspace: str, request: Request, services: ServicesDep) -> JSONResponse:
    settings = services.settings
    body = await hook_body(request, settings.hooks_rate_limit_per_minute, MAX_BODY_BYTES)
    if isinstance(body, JSONResponse):
        return body
    found = _secret_of(services, workspace)
    if found is None:  # same answer for unknown workspace and missing secret: nothing to probe
        return _refused("webhook not accepted")
    workspace_id, secret = found
    if not shopify_webhooks.verify(secret, body, request.headers.get("x-shopify-hmac-sha256")):
        return _refused("bad or missing X-Shopify-Hmac-Sha256 signature")
    try:
        payload = strict_json.loads(body)
    except (ValueError, RecursionError):
        return _refused("body is not JSON", 400)
    if not isinstance(payload, dict):
        return _refused("body is not a JSON object", 400)
    topic = request.headers.get("x-shopify-topic", "")
    window = timedelta(minutes=settings.webhook_replay_window_minutes)
    _check_window(request, topic, payload, window)
    delivery_id = request.headers.get("x-shopify-webhook-id", "").strip()
    delivery_id = delivery_id or "sha256:" + shopify_webhooks.signature(secret, body)
    with services.catalog.session() as session:
        duplicate = webhook_deliveries.already_applied(
            session, workspace_id, shopify_webhooks.PROVIDER, delivery_id
        )
    if duplicate:
        return JSONResponse({"ok": True, "duplicate": True, "delivery_id": delivery_id})
    summary = shopify_webhooks.handle_webhook(
        services.catalog, services.warehouse, workspace_id, topic, payload
    )
    with services.catalog.session() as session:  # after applying: a failed one may be retried
        webhook_deliveries.remember(
            session, workspace_id, shopify_webhooks.PROVIDER, delivery_id, topic,
            now=utcnow(), window=window,
        )  # fmt: skip
    return JSONResponse(
        {
            "ok": True,
            "inserted": dict(summary.inserted),
            "updated": dict(summary.updated),
            "skipped": dict(summary.skipped),
        }
    )
