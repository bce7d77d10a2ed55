"""What the routes and the CLI call: previews, embed snippets, and performance joined to names."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from html import escape
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mercato.catalog.models import (
    Gallery,
    GalleryPlacement,
    GallerySelection,
    ShopPage,
    Site,
    UgcItem,
)
from mercato.core.errors import NotFoundError, ValidationFailed
from mercato.core.timeutil import utcnow
from mercato.galleries.adaptive import PolicyReport, config_of, outcomes, report
from mercato.galleries.definitions import GalleryDraft, create_gallery, get_gallery
from mercato.galleries.render import gallery_payload
from mercato.galleries.segment_rules import rules_of, select_for_segment
from mercato.galleries.selection import PageContext, select_items
from mercato.segments.service import get_segment
from mercato.warehouse.connection import ScopedWarehouse


def preview(
    session: Session,
    workspace_id: str,
    draft: GalleryDraft,
    context: PageContext,
    base_url: str,
    segment: str | None = None,
) -> dict[str, Any]:
    """The payload a draft would serve (to `segment`'s visitors when given), computed inside
    a savepoint that is then rolled back."""
    nested = session.begin_nested()
    try:
        draft.name = draft.name or "preview"
        gallery = create_gallery(session, workspace_id, draft)
        rule = None
        if segment:
            try:
                segment_id = get_segment(session, workspace_id, segment).id
            except NotFoundError:
                raise ValidationFailed(f"no segment {segment!r}", location="segment") from None
            rule = next((r for r in rules_of(gallery) if r.segment_id == segment_id), None)
        chosen = select_for_segment(session, gallery, rule, context, utcnow())
        payload = gallery_payload(session, chosen.selection, base_url)
        if chosen.segment_id is not None:
            payload["segment"] = chosen.segment_id
    finally:
        nested.rollback()
    return payload


def site_key(session: Session, workspace_id: str) -> str:
    found = session.scalar(
        select(Site.public_key).where(Site.workspace_id == workspace_id).order_by(Site.created_at)
    )
    return found or ""


def embed_snippet(gallery: Gallery, base_url: str, key: str) -> str:
    """The two lines a shop pastes; product pages pass their SKU (or the URL is used)."""
    extra = ' data-product="YOUR-SKU"' if gallery.placement == GalleryPlacement.PRODUCT else ""
    extra = (
        ' data-collection="YOUR-COLLECTION"'
        if gallery.placement == GalleryPlacement.COLLECTION
        else extra
    )
    return (
        f'<div data-mercato-gallery="{escape(gallery.id)}"{extra}></div>\n'
        f'<script async src="{escape(base_url)}/gallery.js" data-key="{escape(key)}"></script>'
    )


@dataclass(frozen=True)
class Labels:
    galleries: dict[str, str]
    items: dict[str, str]


def labels(session: Session, workspace_id: str, ugc_ids: list[str]) -> Labels:
    """Readable names for performance rows: gallery and shop page names, item captions."""
    names = {
        g.id: g.name
        for g in session.scalars(select(Gallery).where(Gallery.workspace_id == workspace_id))
    }
    for page in session.scalars(select(ShopPage).where(ShopPage.workspace_id == workspace_id)):
        names[page.id] = f"link-in-bio /shop/{page.handle}"
    captions = {
        item_id: caption[:80]
        for item_id, caption in session.execute(
            select(UgcItem.id, UgcItem.caption).where(
                UgcItem.workspace_id == workspace_id, UgcItem.id.in_(ugc_ids)
            )
        )
    }
    return Labels(names, captions)


def parse_day(raw: str | None, location: str) -> datetime | None:
    from mercato.core.errors import ValidationFailed

    if not raw:
        return None
    try:
        return datetime.fromisoformat(raw)
    except ValueError:
        raise ValidationFailed("expected a date like 2026-05-01", location=location) from None


def policy(
    session: Session, warehouse: ScopedWarehouse, workspace_id: str, gallery_id: str
) -> PolicyReport:
    """An adaptive gallery's policy now: its state, each item's allocation, and the
    off-policy estimate of its default order from the logged decisions.

    The items are the gallery's default order as a page without context gets it; a
    product or collection gallery (no items without a page) reports the items its log
    names, the most logged default lead first. A gallery that is not adaptive reports
    `order: default` and nothing else."""
    gallery = get_gallery(session, workspace_id, gallery_id)
    config = config_of(gallery.rule) if gallery.selection == GallerySelection.RULE else None
    now = utcnow()
    if config is None:
        return PolicyReport.default_order(now)
    frame = outcomes(warehouse, gallery.id, config.reward)
    items = [item.id for item in select_items(session, gallery, PageContext(), now).items]
    if not items and len(frame):
        default = frame["default_lead"].mode()
        first = [str(default.iloc[0])] if len(default) else []
        items = list(dict.fromkeys([*first, *frame["lead"].astype(str)]))
    return report(frame, items, config, now)
