"""Intake paths into the library: connector candidates, the public upload form, a post URL.
Each adds items through `items.add_item`, then `enrich` embeds them and suggests products."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from mercato.catalog.models import RightsChannel, UgcCandidate, UgcEmbedding, UgcItem
from mercato.core.errors import ValidationFailed
from mercato.core.ids import new_id
from mercato.core.timeutil import utcnow
from mercato.core.urls import checked_link, safe_link
from mercato.ugc import rights, vectors
from mercato.ugc.embedding import Embedder, item_text, to_bytes
from mercato.ugc.fetch import FetchError
from mercato.ugc.items import IntakeContext, NewItem, add_item
from mercato.ugc.tagging import product_text, store_suggestions, suggest, workspace_products

CANDIDATE_SOURCES = {"mention": "mention", "tag": "tag", "hashtag": "hashtag"}
# Platform media types (any case: Instagram sends "VIDEO", "REELS", "CAROUSEL_ALBUM").
CONTENT_TYPES = {
    "image": "photo",
    "photo": "photo",
    "video": "video",
    "reels": "video",
    "reel": "video",
    "clip": "video",
    "short": "video",
    "carousel": "carousel",
    "carousel_album": "carousel",
    "album": "carousel",
    "text": "text",
}
PLATFORM_HOSTS = {
    "instagram.com": "instagram",
    "tiktok.com": "tiktok",
    "facebook.com": "facebook",
    "x.com": "x",
    "twitter.com": "x",
    "youtube.com": "youtube",
    "pinterest.com": "pinterest",
}
META = re.compile(
    r"<meta\s+[^>]*?(?:property|name)=[\"'](og:[a-z:]+)[\"'][^>]*?content=[\"']([^\"']*)[\"']",
    re.IGNORECASE,
)


@dataclass
class IntakeSummary:
    added: int = 0
    skipped: int = 0
    media_errors: int = 0
    item_ids: list[str] = field(default_factory=list)


def _record(summary: IntakeSummary, item: UgcItem | None) -> None:
    if item is None:
        summary.skipped += 1
        return
    summary.added += 1
    summary.item_ids.append(item.id)
    if item.media_error:
        summary.media_errors += 1


def intake_candidates(
    session: Session,
    context: IntakeContext,
    limit: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> IntakeSummary:
    """Turn unconsumed connector candidates into library items (idempotent)."""
    query = (
        select(UgcCandidate)
        .where(
            UgcCandidate.workspace_id == context.workspace_id, UgcCandidate.consumed_at.is_(None)
        )
        .order_by(UgcCandidate.discovered_at)
    )
    summary = IntakeSummary()
    for candidate in session.scalars(query.limit(limit) if limit else query).all():
        new = NewItem(
            source=CANDIDATE_SOURCES.get(candidate.kind, "hashtag"),
            platform=candidate.platform,
            external_id=candidate.external_id,
            caption=candidate.caption,
            content_type=CONTENT_TYPES.get(candidate.media_type.strip().lower(), "photo"),
            # A platform's odd permalink must not stop the intake: it is dropped, not shown.
            permalink=safe_link(candidate.permalink),
            posted_at=candidate.posted_at,
            metrics=dict(candidate.metrics or {}),
            creator_handle=candidate.author_handle,
            media_urls=[candidate.media_url] if candidate.media_url else [],
        )
        _record(summary, add_item(session, context, new))
        candidate.consumed_at = utcnow()
        if progress:
            progress(1)
    return summary


def intake_upload(
    session: Session,
    context: IntakeContext,
    *,
    slug: str,
    files: Sequence[bytes],
    caption: str,
    email: str,
    handle: str,
    consent: bool,
) -> UgcItem:
    """An upload-form submission; consent grants rights with the form's wording as evidence."""
    if not consent:
        raise ValidationFailed("you must agree to the terms to upload", location="consent")
    if not files:
        raise ValidationFailed("choose a photo or video to upload", location="file")
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email.strip()):
        raise ValidationFailed("enter a valid e-mail address for your reward", location="email")
    new = NewItem(
        source="upload",
        platform="upload",
        external_id=new_id("upl"),
        caption=caption[:5000],
        posted_at=utcnow(),
        creator_handle=handle.strip() or email.split("@")[0],
        creator_email=email.strip(),
        media_files=list(files),
    )
    item = add_item(session, context, new)
    if item is None:  # a fresh id cannot collide; kept for the type checker
        raise ValidationFailed("upload already received", location="file")
    evidence = f"Upload form consent checkbox ticked by {email.strip()}"
    rights.grant(
        session, item, channel=RightsChannel.UPLOAD_FORM, evidence=evidence, actor=email.strip()
    )
    return item


def platform_of(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower().removeprefix("www.").removeprefix("m.")
    return PLATFORM_HOSTS.get(host, "web")


def _open_graph(page: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for name, content in META.findall(page):
        found.setdefault(name.lower(), html.unescape(content))
    return found


def intake_url(session: Session, context: IntakeContext, url: str) -> UgcItem | None:
    """Add a post by its URL: its Open Graph image and description, or the image itself."""
    url = checked_link(url, "url")
    if not url:
        raise ValidationFailed("a post URL is required", location="url")
    new = NewItem(source="url", platform=platform_of(url), external_id=url[:200], permalink=url)
    try:
        fetched = context.fetcher.fetch(url)
    except FetchError as exc:
        item = add_item(session, context, new)
        if item is not None:
            item.media_error = exc.message
        return item
    if fetched.content_type.startswith("text/html"):
        meta = _open_graph(fetched.content.decode("utf-8", errors="replace"))
        new.caption = meta.get("og:description", meta.get("og:title", ""))
        image = meta.get("og:image")
        new.media_urls = [urljoin(fetched.url, image)] if image else []
        new.content_type = "video" if meta.get("og:type", "").startswith("video") else "photo"
        item = add_item(session, context, new)
        if item is not None and not new.media_urls:
            item.media_error = "the page has no og:image; add the media by upload"
        return item
    new.media_files = [fetched.content]
    return add_item(session, context, new)


def enrich(
    session: Session, workspace_id: str, item_ids: Sequence[str], embedder: Embedder | None
) -> int:
    """Embed items (batched) and store product suggestions; returns how many were embedded."""
    items = [session.get(UgcItem, i) for i in item_ids]
    present = [item for item in items if item is not None]
    products = workspace_products(session, workspace_id)
    product_vectors = None
    vectors_of: dict[str, np.ndarray] = {}
    if embedder is not None:
        if products:
            product_vectors = embedder.embed([product_text(p) for p in products])
        for start in range(0, len(present), 256):
            batch = present[start : start + 256]
            vectors = embedder.embed([item_text(i.caption, i.hashtags, i.alt_text) for i in batch])
            for item, vector in zip(batch, vectors, strict=True):
                session.merge(
                    UgcEmbedding(
                        item_id=item.id,
                        workspace_id=workspace_id,
                        vector=to_bytes(vector),
                        model=embedder.model,
                    )
                )
                vectors_of[item.id] = vector
    for item in present:
        found = suggest(
            item, products, embedder, product_vectors, item_vector=vectors_of.get(item.id)
        )
        store_suggestions(session, item, found)
    return len(present) if embedder is not None else 0


def unembedded(session: Session, workspace_id: str, model: str) -> list[str]:
    """Items with no vector of `model`: never embedded, or embedded by another model."""
    current = (
        select(UgcEmbedding.item_id)
        .where(UgcEmbedding.item_id == UgcItem.id, UgcEmbedding.model == model)
        .exists()
    )
    return list(
        session.scalars(
            select(UgcItem.id)
            .where(UgcItem.workspace_id == workspace_id, ~current)
            .order_by(UgcItem.id)
        )
    )


def reembed(
    session: Session,
    workspace_id: str,
    embedder: Embedder,
    batch: int = 512,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Embed with `embedder` every item that has no vector of its model (after a model change,
    or items added while the model was missing), adding product suggestions the new vectors
    find (tags a person accepted or rejected stay as they are). Returns how many."""
    item_ids = unembedded(session, workspace_id, embedder.model)
    for start in range(0, len(item_ids), batch):
        enrich(session, workspace_id, item_ids[start : start + batch], embedder)
        session.flush()
        if progress is not None:
            progress(min(start + batch, len(item_ids)), len(item_ids))
    vectors.forget(workspace_id)
    return len(item_ids)
