"""Public Meta webhook endpoint for Instagram `mentions`: verify-token handshake (GET) and
signed deliveries (POST, X-Hub-Signature-256), read only up to their limit, rate-limited per
client, refused outside the replay window and applied once (`connectors.webhook_deliveries`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from mercato.catalog import workspaces
from mercato.connectors import meta_webhooks, webhook_deliveries
from mercato.core import strict_json
from mercato.core.errors import NotFoundError, ValidationFailed
from mercato.core.security import constant_time_equal
from mercato.core.timeutil import utcnow
from mercato.web.auth import ServicesDep
from mercato.web.public_limits import hook_body, limiter, rate_limited

router = APIRouter(tags=["public"])
MAX_BODY_BYTES = 1024 * 1024
PROVIDER = "meta"


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
    per_minute = services.settings.hooks_rate_limit_per_minute
    busy = rate_limited(limiter(request, "hooks", per_minute), request)
    if busy is not None:  # the verify token must not be guessable at full speed either
        return busy
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


def _unsigned() -> JSONResponse:
    return JSONResponse(
        {"error": {"code": "invalid_signature", "message": "bad or missing X-Hub-Signature-256"}},
        status_code=401,
    )


def _entry_time(payload: dict[str, Any]) -> datetime | None:
    """The oldest `entry[].time` (Unix seconds; milliseconds in some Meta products)."""
    entries = payload.get("entry") or []
    times = []
    for position, entry in enumerate(entries if isinstance(entries, list) else []):
        raw = entry.get("time") if isinstance(entry, dict) else None
        if isinstance(raw, int | float) and not isinstance(raw, bool) and raw > 0:
            seconds = raw / 1000 if raw > 10**11 else raw
            try:
                times.append(datetime.fromtimestamp(seconds, UTC).replace(tzinfo=None))
            except (OverflowError, OSError, ValueError):  # past year 9999, or inf
                raise ValidationFailed(
                    f"entry time {raw!r} is not a Unix time", location=f"entry[{position}].time"
                ) from None
    return min(times, default=None)


@router.post("/hooks/meta/{workspace}", operation_id="meta_webhook")
async def meta_webhook(workspace: str, request: Request, services: ServicesDep) -> JSONResponse:
    settings = services.settings
    body = await hook_body(request, settings.hooks_rate_limit_per_minute, MAX_BODY_BYTES)
    if isinstance(body, JSONResponse):
        return body
    found = _secrets(services, workspace)
    signature = request.headers.get("x-hub-signature-256")
    if found is None or not meta_webhooks.verify(found[1], body, signature):
        return _unsigned()
    try:
        payload = strict_json.loads(body)
    except (ValueError, RecursionError):
        payload = None
    if not isinstance(payload, dict):
        return JSONResponse(
            {"error": {"code": "invalid_input", "message": "body is not a JSON object"}},
            status_code=400,
        )
    window = timedelta(minutes=settings.webhook_replay_window_minutes)
    webhook_deliveries.check_window(_entry_time(payload), utcnow(), window, "entry time")
    # Meta sends no delivery id; the signature of the body identifies a delivery.
    delivery_id = meta_webhooks.signature(found[1], body)
    with services.catalog.session() as session:
        if webhook_deliveries.already_applied(session, found[0], PROVIDER, delivery_id):
            return JSONResponse({"ok": True, "duplicate": True})
    summary = meta_webhooks.handle_mentions(services.catalog, services.warehouse, found[0], payload)
    with services.catalog.session() as session:
        webhook_deliveries.remember(
            session, found[0], PROVIDER, delivery_id, "mentions", now=utcnow(), window=window
        )
    return JSONResponse(
        {"ok": True, "inserted": dict(summary.inserted), "skipped": dict(summary.skipped)}
    )
