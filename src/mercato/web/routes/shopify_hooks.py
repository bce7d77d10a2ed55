"""Public Shopify webhook endpoint: HMAC-verified before anything is read or stored."""

from __future__ import annotations

import json

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from mercato.catalog import workspaces
from mercato.connectors import shopify_webhooks
from mercato.core.errors import NotFoundError
from mercato.web.auth import ServicesDep

router = APIRouter(tags=["public"])
MAX_BODY_BYTES = 5 * 1024 * 1024


def _refused(message: str, status: int = 401) -> JSONResponse:
    return JSONResponse(
        {
            "error": {
                "code": "invalid_signature" if status == 401 else "not_found",
                "message": message,
            }
        },
        status_code=status,
    )


@router.post("/hooks/shopify/{workspace}", operation_id="shopify_webhook")
async def shopify_webhook(workspace: str, request: Request, services: ServicesDep) -> JSONResponse:
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        return _refused("body too large", 413)
    try:
        with services.catalog.session() as session:
            workspace_id = workspaces.get_workspace(session, workspace).id
            secret = shopify_webhooks.webhook_secret(session, workspace_id)
    except NotFoundError:
        # Same answer for unknown workspace and missing secret: nothing to probe.
        return _refused("webhook not accepted")
    if not shopify_webhooks.verify(secret, body, request.headers.get("x-shopify-hmac-sha256")):
        return _refused("bad or missing X-Shopify-Hmac-Sha256 signature")
    try:
        payload = json.loads(body)
    except ValueError:
        return JSONResponse(
            {"error": {"code": "invalid_input", "message": "body is not JSON"}}, status_code=400
        )
    topic = request.headers.get("x-shopify-topic", "")
    summary = shopify_webhooks.handle_webhook(
        services.catalog, services.warehouse, workspace_id, topic, payload
    )
    return JSONResponse(
        {
            "ok": True,
            "inserted": dict(summary.inserted),
            "updated": dict(summary.updated),
            "skipped": dict(summary.skipped),
        }
    )
