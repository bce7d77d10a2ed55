"""The one rule for what may be shown publicly: approved, with rights granted and not expired.

Every public surface (galleries, link-in-bio, public media delivery, share links) selects
items through `publishable_items` or checks one with `is_publishable`. Nothing else decides.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, Select, and_, or_, select
from sqlalchemy.orm import Session

from mercato.catalog.models import RightsStatus, UgcItem, UgcMedia, UgcStatus
from mercato.core.timeutil import utcnow


def publishable_condition(now: datetime | ColumnElement[datetime]) -> object:
    """The gate as a condition; `now` is a moment or a bound parameter that will hold one."""
    return and_(
        UgcItem.status == UgcStatus.APPROVED.value,
        UgcItem.rights_status == RightsStatus.GRANTED.value,
        UgcItem.rights_granted_at.is_not(None),
        UgcItem.rights_granted_at <= now,
        or_(UgcItem.rights_expires_at.is_(None), UgcItem.rights_expires_at > now),
    )


def publishable_items(workspace_id: str, now: datetime | None = None) -> Select[UgcItem]:
    """A select of the workspace's publishable items; callers may add filters and order."""
    moment = now or utcnow()
    return select(UgcItem).where(
        UgcItem.workspace_id == workspace_id,
        publishable_condition(moment),  # type: ignore[arg-type]
    )


def is_publishable(item: UgcItem, now: datetime | None = None) -> bool:
    moment = now or utcnow()
    return (
        item.status == UgcStatus.APPROVED
        and item.rights_status == RightsStatus.GRANTED
        and item.rights_granted_at is not None
        and item.rights_granted_at <= moment
        and (item.rights_expires_at is None or item.rights_expires_at > moment)
    )


def publishable_item(session: Session, item_id: str, now: datetime | None = None) -> UgcItem | None:
    """The item if it may be shown publicly, else None (callers answer 404, never 403)."""
    item = session.get(UgcItem, item_id)
    if item is None or not is_publishable(item, now):
        return None
    return item


def public_media(session: Session, media_id: str, now: datetime | None = None) -> UgcMedia | None:
    """A media row of a publishable item, else None: its id alone opens it (public pages)."""
    media = session.get(UgcMedia, media_id)
    if media is None or publishable_item(session, media.item_id, now) is None:
        return None
    return media
