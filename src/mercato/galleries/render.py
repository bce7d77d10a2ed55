"""A selection as data: the JSON payload, the crawlable HTML fragment and its JSON-LD.

Captions and URLs are hostile. Only http(s) URLs leave this module (`core.urls.safe_link`:
a product URL `javascript:...` stored by an old import is dropped, not served). The JSON
carries captions raw (gallery.js sets them with textContent only),
the fragment escapes them with Jinja's autoescape, and the JSON-LD escapes `<`, `>` and `&`
as \\u escapes so no caption can close the <script> element it lives in.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import select
from sqlalchemy.orm import Session

from mercato.catalog.models import Creator, Product, ProductTag, TagStatus, UgcItem, UgcMedia
from mercato.core.urls import safe_link
from mercato.galleries.selection import Selection

UTM = {"utm_source": "mercato", "utm_medium": "ugc_gallery"}
_JINJA = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
)


def tracked_link(url: str, ugc_id: str, medium: str = "ugc_gallery") -> str:
    """The product URL with our UTM parameters, keeping the shop's own query parameters."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k[:4] != "utm_"]
    query += [("utm_source", "mercato"), ("utm_medium", medium), ("utm_content", ugc_id)]
    return urlunsplit(parts._replace(query=urlencode(query)))


def _media_by_item(session: Session, item_ids: Sequence[str]) -> dict[str, list[UgcMedia]]:
    found: dict[str, list[UgcMedia]] = defaultdict(list)
    statement = (
        select(UgcMedia)
        .where(UgcMedia.item_id.in_(list(item_ids)), UgcMedia.path.is_not(None))
        .order_by(UgcMedia.item_id, UgcMedia.position)
    )
    for media in session.scalars(statement):
        found[media.item_id].append(media)
    return found


def _products_by_item(session: Session, item_ids: Sequence[str]) -> dict[str, list[Product]]:
    found: dict[str, list[Product]] = defaultdict(list)
    statement = (
        select(ProductTag.item_id, Product)
        .join(Product, Product.id == ProductTag.product_id)
        .where(
            ProductTag.item_id.in_(list(item_ids)), ProductTag.status == TagStatus.ACCEPTED.value
        )
        .order_by(ProductTag.item_id, ProductTag.confidence.desc(), Product.sku)
    )
    for item_id, product in session.execute(statement):
        found[item_id].append(product)
    return found


def _creators(session: Session, items: Sequence[UgcItem]) -> dict[str, str]:
    ids = [item.creator_id for item in items if item.creator_id]
    if not ids:
        return {}
    rows = session.execute(select(Creator.id, Creator.handle).where(Creator.id.in_(ids)))
    return {row.id: row.handle for row in rows}


def product_card(product: Product, ugc_id: str, medium: str = "ugc_gallery") -> dict[str, Any]:
    url = safe_link(product.url)
    return {
        "id": product.id,
        "sku": product.sku,
        "title": product.title,
        "price": str(product.price),
        "currency": product.currency,
        "image": safe_link(product.image_url),
        "url": tracked_link(url, ugc_id, medium) if url else None,
    }


def item_cards(
    session: Session, items: Sequence[UgcItem], base_url: str, medium: str = "ugc_gallery"
) -> list[dict[str, Any]]:
    ids = [item.id for item in items]
    media, products, creators = (
        _media_by_item(session, ids),
        _products_by_item(session, ids),
        _creators(session, items),
    )
    return [
        {
            "id": item.id,
            "caption": item.caption,
            "alt": item.alt_text or None,
            "creator": creators.get(item.creator_id or ""),
            "platform": item.platform,
            "permalink": safe_link(item.permalink),
            "content_type": item.content_type,
            "rating": item.rating,
            "posted_at": item.posted_at.isoformat() if item.posted_at else None,
            "media": [
                {
                    "kind": m.kind,
                    "url": f"{base_url}/m/{m.id}",
                    "thumb": f"{base_url}/m/{m.id}?thumb=1" if m.thumb_path else None,
                    "width": m.width,
                    "height": m.height,
                }
                for m in media.get(item.id, [])
            ],
            "products": [product_card(p, item.id, medium) for p in products.get(item.id, [])],
        }
        for item in items
    ]


def gallery_payload(session: Session, selection: Selection, base_url: str) -> dict[str, Any]:
    gallery = selection.gallery
    return {
        "id": gallery.id,
        "name": gallery.name,
        "layout": gallery.layout,
        "placement": gallery.placement,
        "fallback_used": selection.fallback_used,
        "product": selection.product.sku if selection.product else None,
        "items": item_cards(session, selection.items, base_url),
    }


def _review(item: dict[str, Any]) -> dict[str, Any]:
    review: dict[str, Any] = {
        "@type": "Review",
        "reviewBody": item["caption"],
        "author": {"@type": "Person", "name": item["creator"] or "customer"},
    }
    if item["rating"]:
        review["reviewRating"] = {"@type": "Rating", "ratingValue": item["rating"], "bestRating": 5}
    if item["posted_at"]:
        review["datePublished"] = item["posted_at"][:10]
    images = [
        {"@type": "ImageObject", "contentUrl": m["url"], "caption": item["caption"]}
        for m in item["media"]
        if m["kind"] == "photo"
    ]
    if images:
        review["image"] = images
    return review


def json_ld(payload: dict[str, Any]) -> dict[str, Any]:
    """schema.org Products, each with the UGC reviews (and their images) that show it."""
    products: dict[str, dict[str, Any]] = {}
    for item in payload["items"]:
        for card in item["products"]:
            node = products.setdefault(
                card["id"],
                {
                    "@type": "Product",
                    "name": card["title"],
                    "sku": card["sku"],
                    "offers": {
                        "@type": "Offer",
                        "price": card["price"],
                        "priceCurrency": card["currency"],
                        **({"url": card["url"]} if card["url"] else {}),
                    },
                    "review": [],
                },
            )
            if card["image"]:
                node["image"] = card["image"]
            node["review"].append(_review(item))
    return {"@context": "https://schema.org", "@graph": list(products.values())}


def script_safe_json(document: Any) -> str:
    """JSON that cannot end its <script> element nor open a comment inside it."""
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    for raw, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(raw, escaped)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def gallery_fragment(payload: dict[str, Any]) -> str:
    template = _JINJA.get_template("fragment.html")
    return template.render(gallery=payload, json_ld=script_safe_json(json_ld(payload)))


def render_template(name: str, **context: Any) -> str:
    return _JINJA.get_template(name).render(**context)
