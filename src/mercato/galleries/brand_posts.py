"""The brand's own posts on its link-in-bio page: their pictures and tagged products.

A post's text and numbers come from the warehouse (`social_posts`); its picture and the
products the brand tagged in it are kept here, keyed by (workspace, platform, post id). The
picture is stored like UGC media (`ugc.media.store_media`: checked format, a thumbnail) and is
public once stored: the brand published the post itself, no creator's rights are involved.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from mercato.catalog.models import BrandPost, BrandPostProduct, Product
from mercato.core.errors import NotFoundError, ValidationFailed
from mercato.ugc.media import store_media

MAX_PRODUCTS = 20


@dataclass(frozen=True)
class BrandPostView:
    post: BrandPost
    products: list[Product]


def _post(session: Session, workspace_id: str, platform: str, post_id: str) -> BrandPost:
    found = session.scalar(
        select(BrandPost).where(
            BrandPost.workspace_id == workspace_id,
            BrandPost.platform == platform,
            BrandPost.post_id == post_id,
        )
    )
    if found is None:
        found = BrandPost(workspace_id=workspace_id, platform=platform, post_id=post_id)
        session.add(found)
        session.flush()
    return found


def store_post_picture(
    session: Session,
    workspace_id: str,
    media_dir: Path,
    platform: str,
    post_id: str,
    content: bytes,
    source_url: str | None = None,
) -> BrandPost:
    """Store (or replace) the picture of one of the brand's posts."""
    if not post_id.strip() or not platform.strip():
        raise ValidationFailed("give the post's platform and id", location="post_id")
    post = _post(session, workspace_id, platform.strip(), post_id.strip())
    stored = store_media(content, media_dir, f"brand_{post.id}")
    post.kind, post.path, post.thumb_path = stored.kind, stored.path, stored.thumb_path
    post.width, post.height, post.source_url = stored.width, stored.height, source_url
    return post


def tag_post_products(
    session: Session, workspace_id: str, platform: str, post_id: str, skus: Sequence[str]
) -> list[Product]:
    """Replace the products tagged in the post with these SKUs (in this order)."""
    wanted = list(dict.fromkeys(s.strip() for s in skus if s.strip()))
    if len(wanted) > MAX_PRODUCTS:
        raise ValidationFailed(f"at most {MAX_PRODUCTS} products per post", location="skus")
    found = {
        p.sku: p
        for p in session.scalars(
            select(Product).where(Product.workspace_id == workspace_id, Product.sku.in_(wanted))
        )
    }
    missing = [sku for sku in wanted if sku not in found]
    if missing:
        raise NotFoundError(f"no product with SKU {', '.join(missing[:5])}")
    post = _post(session, workspace_id, platform.strip(), post_id.strip())
    session.execute(delete(BrandPostProduct).where(BrandPostProduct.brand_post_id == post.id))
    for position, sku in enumerate(wanted):
        session.add(
            BrandPostProduct(brand_post_id=post.id, product_id=found[sku].id, position=position)
        )
    return [found[sku] for sku in wanted]


def brand_posts(
    session: Session, workspace_id: str, platform: str, post_ids: Sequence[str]
) -> dict[str, BrandPostView]:
    """The stored picture and tagged products of each of these posts that has any."""
    posts = list(
        session.scalars(
            select(BrandPost).where(
                BrandPost.workspace_id == workspace_id,
                BrandPost.platform == platform,
                BrandPost.post_id.in_(list(post_ids)),
            )
        )
    )
    tagged: dict[str, list[Product]] = defaultdict(list)
    rows = session.execute(
        select(BrandPostProduct.brand_post_id, Product)
        .join(Product, Product.id == BrandPostProduct.product_id)
        .where(BrandPostProduct.brand_post_id.in_([p.id for p in posts]))
        .order_by(BrandPostProduct.brand_post_id, BrandPostProduct.position)
    )
    for brand_post_id, product in rows:
        tagged[brand_post_id].append(product)
    return {p.post_id: BrandPostView(p, tagged.get(p.id, [])) for p in posts}


def brand_post_media(session: Session, workspace_id: str, brand_post_id: str) -> BrandPost:
    """A stored picture of this workspace's posts, else NotFoundError (a public route: 404)."""
    post = session.get(BrandPost, brand_post_id)
    if post is None or post.workspace_id != workspace_id or not post.path:
        raise NotFoundError("no such picture")
    return post
