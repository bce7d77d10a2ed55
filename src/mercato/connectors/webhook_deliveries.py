"""Replayed and late webhook deliveries: a signed body stays valid forever, so a signature
alone does not make a delivery new.

- **Replay window**: a delivery whose signed time (the order's `updated_at`, a refund's
  `created_at`, Meta's `entry[].time`) is older than `webhook_replay_window_minutes` is refused.
  An unsigned `X-Shopify-Triggered-At` header may only make a delivery look older, never newer.
- **Dedupe**: each applied delivery id (`X-Shopify-Webhook-Id`; for Meta, which sends none, the
  body's signature) is remembered for the window; a second delivery answers "duplicate" and
  changes nothing. Ids older than the window are purged: the window refuses those anyway.
- **Staleness** (orders): see `shopify_webhooks.handle_webhook`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mercato.catalog.models import WebhookDelivery
from mercato.core.errors import ConflictError, ValidationFailed

MAX_ID_CHARS = 200


class OutsideReplayWindow(ConflictError):
    code = "outside_replay_window"


def json_objects(value: Any, location: str) -> list[Mapping[str, Any]]:
    """A list of JSON objects (absent = empty), or a 422 naming the field: a signed payload
    can still be malformed, and must not become a 500."""
    if value in (None, ""):
        return []
    if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
        raise ValidationFailed("expected a list of objects", location=location)
    return value


def check_window(signed_at: datetime | None, now: datetime, window: timedelta, what: str) -> None:
    """Refuse a delivery whose (naive UTC) time is older than the window."""
    if signed_at is not None and signed_at < now - window:
        minutes = int(window.total_seconds() // 60)
        raise OutsideReplayWindow(
            f"{what} {signed_at.isoformat(sep=' ')} UTC is older than the "
            f"{minutes}-minute replay window; the delivery is refused"
        )


def already_applied(session: Session, workspace_id: str, provider: str, delivery_id: str) -> bool:
    found = session.scalar(
        select(WebhookDelivery.id).where(
            WebhookDelivery.workspace_id == workspace_id,
            WebhookDelivery.provider == provider,
            WebhookDelivery.delivery_id == delivery_id[:MAX_ID_CHARS],
        )
    )
    return found is not None


def remember(
    session: Session,
    workspace_id: str,
    provider: str,
    delivery_id: str,
    topic: str,
    *,
    now: datetime,
    window: timedelta,
) -> None:
    """Record an applied delivery and forget those past the window (the table stays bounded
    by the deliveries of one window)."""
    session.execute(delete(WebhookDelivery).where(WebhookDelivery.received_at < now - window))
    try:
        with session.begin_nested():
            session.add(
                WebhookDelivery(
                    workspace_id=workspace_id,
                    provider=provider,
                    delivery_id=delivery_id[:MAX_ID_CHARS],
                    topic=topic[:64],
                    received_at=now,
                )
            )
    except IntegrityError:
        pass  # a concurrent copy of the same delivery was recorded first
