"""UGC discovery: the hashtags and mentions a workspace watches. Each sync of a connected
account searches them where its platform allows — Instagram hashtag search + recent media
(30 unique hashtags per account per rolling 7 days), X recent search (the last 7 days, one
query of at most 512 characters) — and feeds what it finds to the UGC candidates queue with
the account, platform and hashtag it came from. TikTok offers no hashtag or mention search
outside its Research API (academic access only), so TikTok is not searched."""

from __future__ import annotations

import re
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from mercato.catalog.models import DiscoveryWatch
from mercato.core.errors import ConflictError, NotFoundError, ValidationFailed

VALUE = re.compile(r"^[\w.]{1,100}$", re.UNICODE)
MAX_WATCHES = 30  # Instagram's weekly hashtag budget: more could never all be searched


class WatchKind(StrEnum):
    HASHTAG = "hashtag"
    MENTION = "mention"


def _normalise(kind: str, value: str) -> tuple[WatchKind, str]:
    try:
        parsed = WatchKind(kind)
    except ValueError:
        raise ValidationFailed(
            f"kind must be one of {[k.value for k in WatchKind]}", location="kind"
        ) from None
    cleaned = value.strip().lstrip("#@").lower()
    if not VALUE.match(cleaned):
        raise ValidationFailed(
            "a hashtag or handle is letters, digits, _ and . (at most 100)", location="value"
        )
    return parsed, cleaned


def add_watch(session: Session, workspace_id: str, kind: str, value: str) -> DiscoveryWatch:
    parsed, cleaned = _normalise(kind, value)
    existing = list_watches(session, workspace_id)
    if any(w.kind == parsed and w.value == cleaned for w in existing):
        raise ConflictError(f"already watching {parsed} {cleaned!r}")
    if parsed == WatchKind.HASHTAG and sum(w.kind == parsed for w in existing) >= MAX_WATCHES:
        raise ValidationFailed(
            f"at most {MAX_WATCHES} hashtags: Instagram searches 30 per account per 7 days",
            location="value",
        )
    watch = DiscoveryWatch(workspace_id=workspace_id, kind=parsed, value=cleaned, platform_ids={})
    session.add(watch)
    session.flush()
    return watch


def remove_watch(session: Session, workspace_id: str, kind: str, value: str) -> None:
    parsed, cleaned = _normalise(kind, value)
    found = session.scalar(
        select(DiscoveryWatch).where(
            DiscoveryWatch.workspace_id == workspace_id,
            DiscoveryWatch.kind == parsed,
            DiscoveryWatch.value == cleaned,
        )
    )
    if found is None:
        raise NotFoundError(f"not watching {parsed} {cleaned!r}")
    session.delete(found)


def list_watches(session: Session, workspace_id: str) -> list[DiscoveryWatch]:
    return list(
        session.scalars(
            select(DiscoveryWatch)
            .where(DiscoveryWatch.workspace_id == workspace_id)
            .order_by(DiscoveryWatch.kind, DiscoveryWatch.value)
        )
    )


def watched(session: Session, workspace_id: str, kind: WatchKind) -> list[str]:
    return [w.value for w in list_watches(session, workspace_id) if w.kind == kind]
