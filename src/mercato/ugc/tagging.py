"""Product tags: manual tags, and suggestions ranked by confidence from keyword rules
(SKU, product-title hashtag, title words) and sentence-embedding similarity."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from mercato.catalog.models import Product, ProductTag, TagStatus, UgcItem
from mercato.core.errors import NotFoundError, ValidationFailed
from mercato.ugc.embedding import Embedder, item_text
from mercato.ugc.items import refresh_search_text

WORD = re.compile(r"[a-z0-9]+")
STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "the",
        "of",
        "in",
        "on",
        "for",
        "with",
        "my",
        "our",
        "your",
        "this",
        "that",
        "is",
        "it",
        "to",
        "by",
    ]
)
MIN_CONFIDENCE = 0.35


@dataclass(frozen=True)
class Suggestion:
    product_id: str
    sku: str
    title: str
    confidence: float
    method: str  # keyword|embedding


def product_text(product: Product) -> str:
    return " ".join(
        part
        for part in (product.title, product.product_type, product.product_line, product.category)
        if part
    )


def _words(text: str) -> set[str]:
    return {w for w in WORD.findall(text.lower()) if w not in STOPWORDS and len(w) > 1}


def keyword_confidence(text: str, hashtags: Sequence[str], product: Product) -> float:
    """Rules a merchandiser would write: SKU named, title as a hashtag, title words present."""
    lowered = text.lower()
    if product.sku and re.search(rf"(?<![\w-]){re.escape(product.sku.lower())}(?![\w-])", lowered):
        return 0.99
    squashed = re.sub(r"[^a-z0-9]", "", product.title.lower())
    if squashed and squashed in {re.sub(r"[^a-z0-9]", "", h.lower()) for h in hashtags}:
        return 0.95
    title_words = _words(product.title)
    if not title_words:
        return 0.0
    overlap = len(title_words & (_words(text) | {h.lower() for h in hashtags}))
    return 0.85 * overlap / len(title_words)


def suggest(
    item: UgcItem,
    products: Sequence[Product],
    embedder: Embedder | None,
    product_vectors: np.ndarray | None = None,
    limit: int = 5,
    item_vector: np.ndarray | None = None,
) -> list[Suggestion]:
    """Products ranked by confidence; embedding similarity is used when the model is there."""
    text = item_text(item.caption, item.hashtags, item.alt_text)
    if not products or not text.strip():
        return []
    keyword = np.array([keyword_confidence(text, item.hashtags, p) for p in products])
    semantic = np.zeros(len(products))
    if embedder is not None:
        vectors = product_vectors
        if vectors is None:
            vectors = embedder.embed([product_text(p) for p in products])
        own = item_vector if item_vector is not None else embedder.embed([text])[0]
        semantic = vectors @ own
    # Keywords are precise when they fire; embeddings rank what keywords cannot see.
    combined = np.maximum(keyword, semantic) + 0.1 * np.minimum(keyword, semantic)
    order = np.argsort(-combined)[:limit]
    return [
        Suggestion(
            product_id=products[i].id,
            sku=products[i].sku,
            title=products[i].title,
            confidence=round(float(min(combined[i], 1.0)), 4),
            method="keyword" if keyword[i] >= semantic[i] else "embedding",
        )
        for i in order
        if combined[i] >= MIN_CONFIDENCE
    ]


def workspace_products(session: Session, workspace_id: str) -> list[Product]:
    return list(
        session.scalars(
            select(Product).where(Product.workspace_id == workspace_id).order_by(Product.sku)
        )
    )


def store_suggestions(session: Session, item: UgcItem, suggestions: Sequence[Suggestion]) -> int:
    """Save suggestions; an existing tag (accepted or rejected by a person) is never overwritten."""
    existing = set(
        session.scalars(select(ProductTag.product_id).where(ProductTag.item_id == item.id))
    )
    added = 0
    for suggestion in suggestions:
        if suggestion.product_id in existing:
            continue
        session.add(
            ProductTag(
                item_id=item.id,
                product_id=suggestion.product_id,
                status=TagStatus.SUGGESTED.value,
                confidence=suggestion.confidence,
                method=suggestion.method,
            )
        )
        added += 1
    return added


def set_tag(session: Session, item: UgcItem, product_id: str, status: str) -> ProductTag:
    """Tag by hand, or accept/reject a suggestion."""
    if status not in (TagStatus.ACCEPTED, TagStatus.REJECTED):
        raise ValidationFailed("status must be accepted or rejected", location="status")
    product = session.get(Product, product_id)
    if product is None or product.workspace_id != item.workspace_id:
        raise NotFoundError(f"no product {product_id!r} in this workspace")
    tag = session.get(ProductTag, (item.id, product_id))
    if tag is None:
        tag = ProductTag(item_id=item.id, product_id=product_id, status=status, method="manual")
        session.add(tag)
    tag.status = status
    session.flush()
    refresh_search_text(session, item)
    return tag


def product_by_sku(session: Session, workspace_id: str, sku: str) -> Product:
    found = session.scalar(
        select(Product).where(Product.workspace_id == workspace_id, Product.sku == sku)
    )
    if found is None:
        raise NotFoundError(f"no product with SKU {sku!r}")
    return found


def tags_of(session: Session, item_id: str) -> list[tuple[ProductTag, Product]]:
    rows = session.execute(
        select(ProductTag, Product)
        .join(Product, Product.id == ProductTag.product_id)
        .where(ProductTag.item_id == item_id)
        .order_by(ProductTag.confidence.desc())
    ).all()
    return [(tag, product) for tag, product in rows]
