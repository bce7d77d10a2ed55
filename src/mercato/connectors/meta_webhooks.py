"""Instagram `mentions` webhooks (Meta): caption and comment @mentions become UGC candidates.

Meta signs each delivery with the app secret: `X-Hub-Signature-256: sha256=<hex HMAC>` of the
raw body. Subscribing is confirmed by echoing `hub.challenge` when `hub.verify_token` matches.
The mention itself carries only ids; the media or comment is fetched with the mentioned
account's token (`mentioned_media` / `mentioned_comment` fields).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mercato.catalog.db import Catalog
from mercato.catalog.models import AccountConnection, ShopWebhookSecret, SocialAccount
from mercato.connectors.platforms.client import ClientPolicy
from mercato.connectors.platforms.context import Candidate, SyncContext
from mercato.connectors.platforms.errors import PlatformError
from mercato.connectors.platforms.graph import DEFAULT_VERSION, graph_client, graph_time
from mercato.connectors.results import ImportSummary
from mercato.connectors.webhook_deliveries import json_objects
from mercato.core.errors import NotFoundError, ValidationFailed
from mercato.warehouse.connection import Warehouse

APP_SECRET = "meta_app_secret"  # noqa: S105 - a provider name, not a secret
VERIFY_TOKEN = "meta_verify_token"  # noqa: S105 - a provider name, not a secret
MEDIA_FIELDS = (
    "id,caption,media_type,media_url,permalink,timestamp,username,like_count,comments_count"
)


def _secret(session: Session, workspace_id: str, provider: str) -> str:
    found = session.scalar(
        select(ShopWebhookSecret).where(
            ShopWebhookSecret.workspace_id == workspace_id, ShopWebhookSecret.provider == provider
        )
    )
    if found is None:
        raise NotFoundError("Meta webhooks are not configured for this workspace")
    return found.secret


def secrets_of(session: Session, workspace_id: str) -> tuple[str, str]:
    return _secret(session, workspace_id, APP_SECRET), _secret(session, workspace_id, VERIFY_TOKEN)


def set_secrets(session: Session, workspace_id: str, app_secret: str, verify_token: str) -> None:
    if len(app_secret) < 16 or len(verify_token) < 8:
        raise ValidationFailed(
            "the app secret needs ≥ 16 characters, the verify token ≥ 8", location="secret"
        )
    for provider, value in ((APP_SECRET, app_secret), (VERIFY_TOKEN, verify_token)):
        found = session.scalar(
            select(ShopWebhookSecret).where(
                ShopWebhookSecret.workspace_id == workspace_id,
                ShopWebhookSecret.provider == provider,
            )
        )
        if found is None:
            session.add(
                ShopWebhookSecret(workspace_id=workspace_id, provider=provider, secret=value)
            )
        else:
            found.secret = value


def signature(app_secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


def verify(app_secret: str, body: bytes, sent: str | None) -> bool:
    return bool(sent) and hmac.compare_digest(signature(app_secret, body), (sent or "").strip())


def _account(
    catalog: Catalog, workspace_id: str, ig_user_id: str
) -> tuple[SocialAccount, AccountConnection] | None:
    with catalog.session() as session:
        account = session.scalar(
            select(SocialAccount).where(
                SocialAccount.workspace_id == workspace_id,
                SocialAccount.platform == "instagram",
                SocialAccount.external_id == ig_user_id,
            )
        )
        if account is None:
            return None
        connection = session.get(AccountConnection, account.id) or AccountConnection(
            social_account_id=account.id, options={}
        )
        session.expunge_all()
        return account, connection


def handle_mentions(
    catalog: Catalog,
    warehouse: Warehouse,
    workspace_id: str,
    payload: Mapping[str, Any],
    policy: ClientPolicy | None = None,
) -> ImportSummary:
    summary = ImportSummary(kind="webhook:instagram_mentions")
    for entry in json_objects(payload.get("entry"), "body.entry"):
        found = _account(catalog, workspace_id, str(entry.get("id")))
        sent = json_objects(entry.get("changes"), "body.entry.changes")
        changes = [c for c in sent if c.get("field") == "mentions"]
        summary.rows_read += len(changes)
        if found is None:
            summary.skip("mention for an Instagram account not configured here", len(changes))
            continue
        ctx = SyncContext(catalog, warehouse, found[0], found[1], summary, policy or ClientPolicy())
        for change in changes:
            value = change.get("value") or {}
            if not isinstance(value, Mapping):
                raise ValidationFailed("expected an object", location="body.entry.changes.value")
            _mention(ctx, dict(value))
    return summary


def _mention(ctx: SyncContext, value: dict[str, Any]) -> None:
    version = ctx.connection.api_version or DEFAULT_VERSION
    client = graph_client(ctx.connection.api_base_url, ctx.account.access_token or "", ctx.policy)
    user = ctx.account.external_id
    try:
        if value.get("comment_id"):
            field = (
                f"mentioned_comment.comment_id({value['comment_id']})"
                "{id,text,timestamp,username,media{id,permalink}}"
            )
            body = client.request("GET", f"/{version}/{user}", params={"fields": field})
            comment = body.get("mentioned_comment") or {}
            ctx.store_candidates(
                [
                    Candidate(
                        external_id=f"comment:{comment.get('id') or value['comment_id']}",
                        kind="mention",
                        caption=str(comment.get("text") or ""),
                        author_handle=comment.get("username"),
                        media_type="comment",
                        permalink=(comment.get("media") or {}).get("permalink"),
                        posted_at=graph_time(comment.get("timestamp")),
                    )
                ]
            )
        elif value.get("media_id"):
            field = f"mentioned_media.media_id({value['media_id']}){{{MEDIA_FIELDS}}}"
            body = client.request("GET", f"/{version}/{user}", params={"fields": field})
            media = body.get("mentioned_media") or {}
            ctx.store_candidates(
                [
                    Candidate(
                        external_id=str(media.get("id") or value["media_id"]),
                        kind="mention",
                        caption=str(media.get("caption") or ""),
                        author_handle=media.get("username"),
                        media_type=str(media.get("media_type") or "IMAGE").lower(),
                        media_url=media.get("media_url"),
                        permalink=media.get("permalink"),
                        posted_at=graph_time(media.get("timestamp")),
                        metrics={
                            k: media[k] for k in ("like_count", "comments_count") if k in media
                        },
                    )
                ]
            )
    except PlatformError as exc:
        ctx.summary.skip(f"mention could not be fetched: {exc.message}")
    finally:
        client.close()
