"""Which items a gallery shows on a given page.

Every statement starts from `ugc.publishable.publishable_items`: the rights gate is applied
before any rule, manual pick or placement filter, so no path can serve an unpublishable item.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Select, exists, select
from sqlalchemy.orm import Session

from mercato.catalog.models import (
    CollectionItem,
    Gallery,
    GalleryPlacement,
    GallerySelection,
    Product,
    ProductTag,
    TagStatus,
    UgcItem,
)
from mercato.galleries.definitions import get_gallery, manual_item_ids
from mercato.ugc.publishable import publishable_items

MAX_FALLBACK_DEPTH = 5


@dataclass(frozen=True)
class PageContext:
    """What the embed tells us about the page: a product SKU or URL, a collection name."""

    product: str | None = None
    url: str | None = None
    collection: str | None = None

    def cache_key(self) -> tuple[str, str, str]:
        page = (_path(self.url) or "") if self.url else ""  # unreadable: like no URL
        return (self.product or "", page, self.collection or "")


@dataclass
class Selection:
    gallery: Gallery
    items: list[UgcItem]
    fallback_used: bool
    product: Product | None


def _path(url: str) -> str | None:
    """The URL's path, or None for a URL no browser would load (e.g. "http://[::1")."""
    try:
        return urlsplit(url).path.rstrip("/") or "/"
    except ValueError:
        return None


def page_product(session: Session, workspace_id: str, context: PageContext) -> Product | None:
    """The page's product by SKU, else by the page URL's path matching a product URL's path."""
    products = select(Product).where(Product.workspace_id == workspace_id)
    if context.product:
        return session.scalar(products.where(Product.sku == context.product))
    if context.url:
        wanted = _path(context.url)
        if wanted is None:
            return None
        for product in session.scalars(products.where(Product.url != "")):
            if _path(product.url) == wanted:
                return product
    return None


def _tagged_with(*conditions: Any) -> Any:
    return exists(
        select(ProductTag.item_id)
        .join(Product, Product.id == ProductTag.product_id)
        .where(
            ProductTag.item_id == UgcItem.id,
            ProductTag.status == TagStatus.ACCEPTED.value,
            *conditions,
        )
    )


def _rule_filters(statement: Select[Any], rule: dict[str, Any]) -> Select[Any]:
    for key in ("platform", "content_type", "source"):
        if rule.get(key):
            # Stored in lower case (intake normalises them): "Instagram" in a rule still matches.
            wanted = str(rule[key]).strip().lower()
            statement = statement.where(getattr(UgcItem, key) == wanted)
    if rule.get("min_rating"):
        statement = statement.where(UgcItem.rating >= rule["min_rating"])
    if rule.get("collection_id"):
        statement = statement.where(
            exists(
                select(CollectionItem.item_id).where(
                    CollectionItem.item_id == UgcItem.id,
                    CollectionItem.collection_id == rule["collection_id"],
                )
            )
        )
    for key in ("product_line", "product_type", "category"):
        if rule.get(key):
            statement = statement.where(_tagged_with(getattr(Product, key) == rule[key]))
    if rule.get("product_skus"):
        statement = statement.where(_tagged_with(Product.sku.in_(rule["product_skus"])))
    return statement


def _sorted(statement: Select[Any], sort: str) -> Select[Any]:
    order: dict[str, Any] = {
        "curation": UgcItem.curation_score.desc().nulls_last(),
        "recent": UgcItem.posted_at.desc().nulls_last(),
        "engagement": UgcItem.engagement.desc(),
        "rating": UgcItem.rating.desc().nulls_last(),
    }
    return statement.order_by(order[sort], UgcItem.id)


def _placement_filter(
    statement: Select[Any], gallery: Gallery, product: Product | None, context: PageContext
) -> Select[Any] | None:
    """Product pages show the page's product; collection pages its line or category."""
    if gallery.placement == GalleryPlacement.PRODUCT:
        if product is None:
            return None
        return statement.where(_tagged_with(Product.id == product.id))
    if gallery.placement == GalleryPlacement.COLLECTION:
        if not context.collection:
            return None
        wanted = context.collection
        return statement.where(
            _tagged_with((Product.product_line == wanted) | (Product.category == wanted))
        )
    return statement


def _own_items(
    session: Session,
    gallery: Gallery,
    product: Product | None,
    context: PageContext,
    now: datetime,
    manual_ids: list[str] | None = None,
) -> list[UgcItem]:
    base = publishable_items(gallery.workspace_id, now)
    if gallery.selection == GallerySelection.MANUAL:
        order = manual_ids if manual_ids is not None else manual_item_ids(session, gallery.id)
        picked = _placement_filter(base.where(UgcItem.id.in_(order)), gallery, product, context)
        if picked is None:
            return []
        found = {item.id: item for item in session.scalars(picked)}
        return [found[i] for i in order if i in found][: gallery.max_items]
    ruled = _placement_filter(_rule_filters(base, gallery.rule), gallery, product, context)
    if ruled is None:
        return []
    ranked = _sorted(ruled, str(gallery.rule.get("sort", "curation")))
    return list(session.scalars(ranked.limit(gallery.max_items)))


def select_items(
    session: Session,
    gallery: Gallery,
    context: PageContext,
    now: datetime,
    manual_ids: list[str] | None = None,
) -> Selection:
    """The gallery's items, or its fallback's (followed up to a depth) when too few match.

    `manual_ids` stands in for the stored manual set: an experiment variant's configuration
    is a gallery that is never stored, and its hand-picked items come with it.
    """
    product = page_product(session, gallery.workspace_id, context)
    current, used_fallback = gallery, False
    for _ in range(MAX_FALLBACK_DEPTH):
        own = manual_ids if current is gallery else None
        items = _own_items(session, current, product, context, now, own)
        if len(items) >= max(current.min_items, 1) or current.fallback_id is None:
            return Selection(current, items, used_fallback, product)
        current = get_gallery(session, gallery.workspace_id, current.fallback_id)
        used_fallback = True
    return Selection(current, _own_items(session, current, product, context, now), True, product)
