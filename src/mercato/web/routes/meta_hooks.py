"""Public Meta webhook endpoint for Instagram `mentions`: verify-token handshake (GET) and
signed deliveries (POST, X-Hub-Signature-256)."""

from __future__ import annotations

import json

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from mercato.catalog import workspaces
from mercato.connectors import meta_webhooks
from mercato.core.errors import NotFoundError
from mercato.core.security import constant_time_equal
from mercato.web.auth import ServicesDep

router = APIRouter(tags=["public"])
MAX_BODY_BYTES = 1024 * 1024


def _secrets(services: ServicesDep, workspace: str) -> tuple[str, str, str] | None:
    try:
        with services.catalog.session() as session:
            workspace_id = workspaces.get_workspace(session, workspace).id
            app_secret, verify_token = meta_webhooks.secrets_of(session, workspace_id)
    except NotFoundError:
        return None
    return workspace_id, app_secret, verify_token


@router.get("/hooks/meta/{workspace}", operation_id="meta_webhook_verify")
def meta_webhook_verify(workspace: str, request: Request, services: ServicesDep) -> Response:
    found = _secrets(services, workspace)
    params = request.query_params
    token = params.get("hub.verify_token", "")
    if (
        found is None
        or params.get("hub.mode") != "subscribe"
        or not constant_time_equal(token, found[2])
    ):
        return JSONResponse(
            {"error": {"code": "forbidden", "message": "verify token mismatch"}}, status_code=403
        )
    return PlainTextResponse(params.get("hub.challenge", ""))


@router.post("/hooks/meta/{workspace}", operation_id="meta_webhook")
async def meta_webhook(workspace: str, request: Request, services: ServicesDep) -> JSONResponse:
    body = await request.body()
    found = _secrets(services, workspace)
    if (
        found is None
        or len(body) > MAX_BODY_BYTES
        or not meta_webhooks.verify(found[1], body, request.headers.get("x-hub-signature-256"))
    ):
        return JSONResponse(
            {
                "error": {
                    "code": "invalid_signature",
                    "message": "bad or missing X-Hub-Signature-256",
                }
            },
            status_code=401,
        )
    try:
        payload = json.loads(body)
    except ValueError:
        return JSONResponse(
            {"error": {"code": "invalid_input", "message": "body is not JSON"}}, status_code=400
        )
    summary = meta_webhooks.handle_mentions(services.catalog, services.warehouse, found[0], payload)
    return JSONResponse(
        {"ok": True, "inserted": dict(summary.inserted), "skipped": dict(summary.skipped)}
    )
