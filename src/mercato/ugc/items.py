"""Adding items to the library (every intake path ends here) and reviewing them."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from mercato.catalog.models import (
    Creator,
    Product,
    ProductTag,
    TagStatus,
    UgcItem,
    UgcMedia,
    UgcSettings,
)
from mercato.catalog.owned import get_owned
from mercato.core import textsearch
from mercato.core.errors import ValidationFailed
from mercato.core.timeutil import utcnow
from mercato.core.urls import checked_link
from mercato.ugc.fetch import FetchError, SafeFetcher
from mercato.ugc.filters import SOURCES, STATUSES
from mercato.ugc.media import (
    DUPLICATE_DISTANCE,
    MediaError,
    StoredMedia,
    quality_score,
    store_media,
)
from mercato.ugc.moderation import moderate

MENTION = re.compile(r"@([\w.]{1,60})", re.UNICODE)
ENGAGEMENT_METRICS = {"likes": 1.0, "comments": 2.0, "shares": 3.0, "saves": 3.0}


def hashtags_of(text: str) -> list[str]:
    """Hashtags in any script, NFKC-normalised and case-folded (a full-width `#` too)."""
    return textsearch.hashtags(text)


def engagement_of(metrics: dict[str, Any]) -> float:
    """Weighted interactions; comments and shares cost the poster more than a like."""
    total = 0.0
    for name, weight in ENGAGEMENT_METRICS.items():
        value = metrics.get(name)
        if isinstance(value, int | float) and value > 0:
            total += weight * float(value)
    return total


@dataclass
class NewItem:
    source: str
    platform: str
    external_id: str
    caption: str = ""
    alt_text: str = ""
    title: str = ""
    content_type: str = "photo"
    permalink: str | None = None
    posted_at: datetime | None = None
    metrics: dict[str, Any] = field(default_factory=dict)
    rating: int | None = None
    creator_handle: str | None = None
    creator_email: str | None = None
    media_urls: list[str] = field(default_factory=list)
    media_files: list[bytes] = field(default_factory=list)


@dataclass
class IntakeContext:
    """What adding items needs besides the session: where media go and how to fetch them."""

    workspace_id: str
    media_dir: Path
    fetcher: SafeFetcher = field(default_factory=SafeFetcher)
    settings: UgcSettings | None = None
    _hashes: dict[int, str] | None = field(default=None, repr=False)

    def known_hashes(self, session: Session) -> dict[int, str]:
        """Perceptual hashes of the workspace's photos, loaded once per intake run."""
        if self._hashes is None:
            rows = session.execute(
                select(UgcMedia.phash, UgcMedia.item_id)
                .join(UgcItem, UgcItem.id == UgcMedia.item_id)
                .where(UgcItem.workspace_id == self.workspace_id, UgcMedia.phash.is_not(None))
            )
            self._hashes = {int(str(h), 16): item for h, item in rows}
        return self._hashes


def ugc_settings(session: Session, workspace_id: str) -> UgcSettings:
    found = session.get(UgcSettings, workspace_id)
    if found is None:
        found = UgcSettings(workspace_id=workspace_id)
        session.add(found)
        session.flush()
    return found


def creator_for(
    session: Session, workspace_id: str, platform: str, handle: str, email: str | None = None
) -> Creator:
    handle = handle.strip().lstrip("@")[:200] or "anonymous"
    platform = platform_key(platform)
    found = session.scalar(
        select(Creator).where(
            Creator.workspace_id == workspace_id,
            Creator.platform == platform,
            Creator.handle == handle,
        )
    )
    if found is None:
        found = Creator(workspace_id=workspace_id, platform=platform, handle=handle, email=email)
        session.add(found)
        session.flush()
    elif email and not found.email:
        found.email = email
    return found


def _duplicate_of(context: IntakeContext, session: Session, phash: str) -> str | None:
    known = context.known_hashes(session)
    if not known:
        return None
    keys = np.fromiter(known.keys(), dtype=np.uint64, count=len(known))
    distances = np.bitwise_count(keys ^ np.uint64(int(phash, 16)))
    best = int(np.argmin(distances))
    if int(distances[best]) <= DUPLICATE_DISTANCE:
        return known[int(keys[best])]
    return None


def _attach_media(session: Session, context: IntakeContext, item: UgcItem, new: NewItem) -> None:
    sources: list[tuple[str | None, bytes | None]] = [(url, None) for url in new.media_urls]
    sources += [(None, content) for content in new.media_files]
    errors: list[str] = []
    kinds: list[str] = []
    for position, (url, content) in enumerate(sources):
        media = UgcMedia(item_id=item.id, position=position, source_url=url)
        try:
            body = content if content is not None else context.fetcher.fetch(str(url)).content
            stored = store_media(body, context.media_dir, f"{item.id}_{position}")
            _fill_media(media, stored)
            kinds.append(stored.kind)
        except (FetchError, MediaError) as exc:
            media.error = exc.message
            errors.append(f"media {position + 1}: {exc.message}")
        session.add(media)
        if media.phash and item.duplicate_of is None:
            item.duplicate_of = _duplicate_of(context, session, media.phash)
            context.known_hashes(session)[int(media.phash, 16)] = item.id
        if position == 0 and media.width and media.height:
            item.quality_score = quality_score(
                media.width, media.height, media.sharpness or 0.0, media.brightness or 0.0
            )
    if len(sources) > 1:
        item.content_type = "carousel"
    elif kinds == ["video"]:
        item.content_type = "video"
    item.media_error = "; ".join(errors) or None


def _fill_media(media: UgcMedia, stored: StoredMedia) -> None:
    media.kind = stored.kind
    media.mime_type = stored.mime_type
    media.path = stored.path
    media.thumb_path = stored.thumb_path
    media.byte_size = stored.byte_size
    media.width, media.height = stored.width, stored.height
    media.phash, media.sharpness, media.brightness = (
        stored.phash,
        stored.sharpness,
        stored.brightness,
    )


def platform_key(raw: str) -> str:
    """A platform as the library stores it: trimmed, lower case."""
    return raw.strip().lower()


def add_item(session: Session, context: IntakeContext, new: NewItem) -> UgcItem | None:
    """Add one item; None when (platform, external_id) is already in the library."""
    if new.source not in SOURCES:
        raise ValidationFailed(f"unknown source {new.source!r}", location="source")
    # One key per platform whatever case an export uses ("Instagram", "TIKTOK"): the library's
    # filters and indexes compare stored values as they are.
    platform = platform_key(new.platform)
    if not platform:
        raise ValidationFailed("the platform is empty", location="platform")
    permalink = checked_link(new.permalink, "permalink") or None  # shown as a link
    exists = session.scalar(
        select(UgcItem.id).where(
            UgcItem.workspace_id == context.workspace_id,
            UgcItem.platform == platform,
            UgcItem.external_id == new.external_id,
        )
    )
    if exists:
        return None
    settings = context.settings or ugc_settings(session, context.workspace_id)
    creator = None
    if new.creator_handle or new.creator_email:
        handle = new.creator_handle or str(new.creator_email).split("@")[0]
        creator = creator_for(session, context.workspace_id, platform, handle, new.creator_email)
    text = "\n".join(part for part in (new.title, new.caption) if part)
    hashtags = hashtags_of(text)
    item = UgcItem(
        workspace_id=context.workspace_id,
        source=new.source,
        platform=platform,
        external_id=new.external_id,
        permalink=permalink,
        creator_id=creator.id if creator else None,
        caption=text,
        alt_text=new.alt_text,
        hashtags=hashtags,
        content_type=new.content_type,
        posted_at=new.posted_at,
        metrics=dict(new.metrics),
        rating=new.rating,
        moderation_flags=[f.as_dict() for f in moderate(text, hashtags, settings)],
        engagement=engagement_of(new.metrics),
    )
    item.search_text = search_text_of(item, creator, [])
    session.add(item)
    session.flush()
    _attach_media(session, context, item, new)
    return item


def search_text_of(item: UgcItem, creator: Creator | None, products: Sequence[Product]) -> str:
    parts = [item.caption, item.alt_text, " ".join(item.hashtags)]
    if creator is not None:
        parts.append(creator.handle)
    parts += [f"{p.title} {p.sku} {p.product_line} {p.product_type}" for p in products]
    return textsearch.index_form("\n".join(part for part in parts if part))


def refresh_search_text(session: Session, item: UgcItem) -> None:
    creator = session.get(Creator, item.creator_id) if item.creator_id else None
    products = session.scalars(
        select(Product)
        .join(ProductTag, ProductTag.product_id == Product.id)
        .where(ProductTag.item_id == item.id, ProductTag.status == TagStatus.ACCEPTED.value)
    ).all()
    item.search_text = search_text_of(item, creator, products)


def get_item(session: Session, workspace_id: str, item_id: str) -> UgcItem:
    return get_owned(session, UgcItem, workspace_id, item_id, "UGC item")


def set_status(session: Session, workspace_id: str, item_ids: Sequence[str], status: str) -> int:
    """Approve or reject items (bulk); returns how many changed."""
    if status not in STATUSES:
        raise ValidationFailed(f"status must be one of {', '.join(STATUSES)}", location="status")
    changed = 0
    for item_id in item_ids:
        item = get_item(session, workspace_id, item_id)
        if item.status != status:
            item.status = status
            item.reviewed_at = utcnow()
            changed += 1
    return changed
