"""Gallery definitions: what a gallery may say, validated with errors naming the field."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from mercato.catalog.models import (
    Gallery,
    GalleryItem,
    GalleryLayout,
    GalleryPlacement,
    GallerySelection,
    UgcItem,
)
from mercato.catalog.owned import get_owned
from mercato.core.errors import ConflictError, NotFoundError, ValidationFailed
from mercato.galleries import adaptive, segment_rules
from mercato.segments.service import get_segment

LAYOUTS = tuple(layout.value for layout in GalleryLayout)
PLACEMENTS = tuple(placement.value for placement in GalleryPlacement)
SELECTIONS = tuple(selection.value for selection in GallerySelection)
SORTS = ("curation", "recent", "engagement", "rating")
# Rule keys and the type each takes; anything else is a mistake worth naming.
RULE_KEYS: dict[str, type] = {
    "product_line": str,
    "product_type": str,
    "category": str,
    "product_skus": list,
    "platform": str,
    "content_type": str,
    "source": str,
    "collection_id": str,
    "min_rating": int,
    "sort": str,
    "order": str,  # "adaptive": a bandit picks the lead item (galleries/adaptive.py)
    "reward": str,
    "burn_in": int,
    "floor": float,
    segment_rules.KEY: list,  # per-segment overrides of the keys above (segment_rules.py)
}
MAX_ITEMS = 60


@dataclass
class GalleryDraft:
    name: str
    layout: str = "grid"
    placement: str = "home"
    selection: str = "rule"
    rule: dict[str, Any] = field(default_factory=dict)
    max_items: int = 12
    min_items: int = 1
    fallback_id: str | None = None
    item_ids: list[str] = field(default_factory=list)


def _one_of(value: str, allowed: Sequence[str], location: str) -> None:
    if value not in allowed:
        raise ValidationFailed(f"must be one of {', '.join(allowed)}", location=location)


def validate_rule(rule: dict[str, Any], location: str = "rule") -> dict[str, Any]:
    clean: dict[str, Any] = {}
    for key, value in rule.items():
        expected = RULE_KEYS.get(key)
        if expected is None:
            raise ValidationFailed(
                f"unknown rule key; use {', '.join(RULE_KEYS)}", location=f"{location}.{key}"
            )
        if value in (None, "", []):
            continue
        if key == segment_rules.KEY:
            clean[key] = segment_rules.validate(value, validate_rule, f"{location}.{key}")
            continue
        if expected is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, expected) or isinstance(value, bool):
            raise ValidationFailed(f"must be a {expected.__name__}", location=f"{location}.{key}")
        if isinstance(value, list) and not all(isinstance(sku, str) for sku in value):
            raise ValidationFailed("must be a list of SKUs", location=f"{location}.{key}")
        clean[key] = value
    _one_of(clean.get("sort", "curation"), SORTS, f"{location}.sort")
    adaptive.validate(clean, location)
    return clean


def validate(draft: GalleryDraft) -> GalleryDraft:
    if not draft.name.strip() or len(draft.name) > 200:
        raise ValidationFailed("needs 1 to 200 characters", location="name")
    _one_of(draft.layout, LAYOUTS, "layout")
    _one_of(draft.placement, PLACEMENTS, "placement")
    _one_of(draft.selection, SELECTIONS, "selection")
    if not 1 <= draft.max_items <= MAX_ITEMS:
        raise ValidationFailed(f"must be between 1 and {MAX_ITEMS}", location="max_items")
    if not 0 <= draft.min_items <= draft.max_items:
        raise ValidationFailed("must be between 0 and max_items", location="min_items")
    draft.rule = validate_rule(draft.rule)
    if draft.rule.get(segment_rules.KEY) and draft.selection != GallerySelection.RULE:
        raise ValidationFailed(
            "segment rules need selection rule", location=f"rule.{segment_rules.KEY}"
        )
    if (
        draft.rule.get("order") == adaptive.Order.ADAPTIVE
        and draft.selection != GallerySelection.RULE
    ):
        raise ValidationFailed("adaptive order needs selection rule", location="rule.order")
    for index, entry in enumerate(draft.rule.get(segment_rules.KEY) or []):
        for key in adaptive.ORDER_KEYS:
            if key in entry["rule"]:
                raise ValidationFailed(
                    "the order is the gallery's, not a segment's",
                    location=f"rule.{segment_rules.KEY}[{index}].rule.{key}",
                )
    draft.name = draft.name.strip()
    return draft


def get_gallery(session: Session, workspace_id: str, gallery_id: str) -> Gallery:
    return get_owned(session, Gallery, workspace_id, gallery_id, "gallery")


def list_galleries(session: Session, workspace_id: str) -> list[Gallery]:
    statement = select(Gallery).where(Gallery.workspace_id == workspace_id).order_by(Gallery.name)
    return list(session.scalars(statement))


def manual_item_ids(session: Session, gallery_id: str) -> list[str]:
    statement = (
        select(GalleryItem.item_id)
        .where(GalleryItem.gallery_id == gallery_id)
        .order_by(GalleryItem.position)
    )
    return list(session.scalars(statement))


def _check_fallback(session: Session, workspace_id: str, gallery_id: str | None, to: str) -> None:
    """The fallback must exist in the workspace and must not lead back to this gallery."""
    seen = {gallery_id}
    current: str | None = to
    while current is not None:
        if current in seen:
            raise ValidationFailed(
                "fallback would loop back to this gallery", location="fallback_id"
            )
        seen.add(current)
        current = get_gallery(session, workspace_id, current).fallback_id


def _set_items(session: Session, gallery: Gallery, item_ids: Sequence[str]) -> None:
    owned = set(
        session.scalars(
            select(UgcItem.id).where(
                UgcItem.workspace_id == gallery.workspace_id, UgcItem.id.in_(list(item_ids))
            )
        )
    )
    for position, item_id in enumerate(item_ids):
        if item_id not in owned:
            raise ValidationFailed(f"no UGC item {item_id!r}", location=f"item_ids[{position}]")
    session.execute(delete(GalleryItem).where(GalleryItem.gallery_id == gallery.id))
    session.add_all(
        GalleryItem(gallery_id=gallery.id, item_id=item_id, position=position)
        for position, item_id in enumerate(dict.fromkeys(item_ids))
    )


def _check_name(session: Session, workspace_id: str, gallery_id: str | None, name: str) -> None:
    clash = session.scalar(
        select(Gallery.id).where(
            Gallery.workspace_id == workspace_id,
            Gallery.name == name.strip(),
            Gallery.id != (gallery_id or ""),
        )
    )
    if clash is not None:
        raise ConflictError(f"a gallery named {name.strip()!r} already exists")


def _check_segments(session: Session, workspace_id: str, rule: dict[str, Any]) -> None:
    """Every segment rule names a segment of the workspace (by id or name; the id is kept)."""
    seen: set[str] = set()
    for index, entry in enumerate(rule.get(segment_rules.KEY) or []):
        location = f"rule.{segment_rules.KEY}[{index}].segment_id"
        try:
            entry["segment_id"] = get_segment(session, workspace_id, entry["segment_id"]).id
        except NotFoundError:
            raise ValidationFailed(
                f"no segment {entry['segment_id']!r}", location=location
            ) from None
        if entry["segment_id"] in seen:
            raise ValidationFailed("this segment already has a rule above", location=location)
        seen.add(entry["segment_id"])


def _apply(session: Session, gallery: Gallery, draft: GalleryDraft) -> None:
    draft = validate(draft)
    _check_segments(session, gallery.workspace_id, draft.rule)
    if draft.fallback_id:
        _check_fallback(session, gallery.workspace_id, gallery.id, draft.fallback_id)
    _check_name(session, gallery.workspace_id, gallery.id, draft.name)
    gallery.name, gallery.layout, gallery.placement = draft.name, draft.layout, draft.placement
    gallery.selection, gallery.rule = draft.selection, draft.rule
    gallery.max_items, gallery.min_items = draft.max_items, draft.min_items
    gallery.fallback_id = draft.fallback_id or None
    session.flush()
    _set_items(session, gallery, draft.item_ids)


def create_gallery(session: Session, workspace_id: str, draft: GalleryDraft) -> Gallery:
    draft = validate(draft)
    _check_name(session, workspace_id, None, draft.name)
    gallery = Gallery(workspace_id=workspace_id, name=draft.name, version=1)
    session.add(gallery)
    session.flush()
    _apply(session, gallery, draft)
    return gallery


def update_gallery(
    session: Session, workspace_id: str, gallery_id: str, draft: GalleryDraft
) -> Gallery:
    gallery = get_gallery(session, workspace_id, gallery_id)
    _apply(session, gallery, draft)
    gallery.version += 1
    return gallery


def delete_gallery(session: Session, workspace_id: str, gallery_id: str) -> None:
    session.delete(get_gallery(session, workspace_id, gallery_id))


def draft_of(session: Session, gallery: Gallery) -> GalleryDraft:
    return GalleryDraft(
        name=gallery.name,
        layout=gallery.layout,
        placement=gallery.placement,
        selection=gallery.selection,
        rule=dict(gallery.rule),
        max_items=gallery.max_items,
        min_items=gallery.min_items,
        fallback_id=gallery.fallback_id,
        item_ids=manual_item_ids(session, gallery.id),
    )
