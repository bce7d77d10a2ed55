"""Link-in-bio shop pages: `/shop/<handle>` mirrors a social account's posts and the brand's
approved UGC as a tappable grid; each tile opens the products it shows.

Posts live in the warehouse, which this package may not import: the caller passes
`posts_of(account)`. A post's picture and products are those stored for it in
`galleries.brand_posts` (the brand's own tags); else those of the same post in the UGC library
when it is there and publishable; else products the caption names (SKU, title as a hashtag,
or most title words — the keyword rules of `ugc.tagging`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mercato.catalog.models import BrandPost, Product, ShopPage, SocialAccount, UgcItem
from mercato.catalog.owned import get_owned
from mercato.core.errors import ConflictError, NotFoundError, ValidationFailed
from mercato.core.timeutil import utcnow
from mercato.core.urls import safe_link
from mercato.galleries.brand_posts import BrandPostView, brand_posts
from mercato.galleries.render import item_cards, product_card
from mercato.ugc.items import hashtags_of
from mercato.ugc.publishable import publishable_items
from mercato.ugc.tagging import keyword_confidence

HANDLE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
CAPTION_MATCH = 0.6
MEDIUM = "link_in_bio"
UGC_TILES = 30
POST_TILES = 30  # the account's latest posts the page shows


@dataclass(frozen=True)
class ShopPost:
    post_id: str
    platform: str
    posted_at: datetime | None
    caption: str
    permalink: str | None
    content_type: str


@dataclass
class ShopView:
    page: ShopPage
    account: SocialAccount
    posts: list[dict[str, Any]] = field(default_factory=list)
    ugc: list[dict[str, Any]] = field(default_factory=list)


PostsOf = Callable[[SocialAccount], Sequence[ShopPost]]


def create_shop_page(
    session: Session, workspace_id: str, account_id: str, handle: str, title: str = ""
) -> ShopPage:
    handle = handle.strip().lstrip("@").lower()
    if not HANDLE.match(handle):
        raise ValidationFailed("use 1-64 of a-z, 0-9, '.', '_', '-'", location="handle")
    get_owned(session, SocialAccount, workspace_id, account_id, "social account")
    if session.scalar(select(ShopPage.id).where(ShopPage.handle == handle)):
        raise ConflictError(f"the shop handle {handle!r} is taken")
    page = ShopPage(workspace_id=workspace_id, account_id=account_id, handle=handle, title=title)
    session.add(page)
    session.flush()
    return page


def list_shop_pages(session: Session, workspace_id: str) -> list[ShopPage]:
    statement = select(ShopPage).where(ShopPage.workspace_id == workspace_id)
    return list(session.scalars(statement.order_by(ShopPage.handle)))


def delete_shop_page(session: Session, workspace_id: str, page_id: str) -> None:
    session.delete(get_owned(session, ShopPage, workspace_id, page_id, "shop page"))


def _caption_products(post: ShopPost, products: Sequence[Product]) -> list[Product]:
    tags = hashtags_of(post.caption)
    scored = [(keyword_confidence(post.caption, tags, p), p.sku, p) for p in products]
    return [
        p for score, _, p in sorted(scored, key=lambda s: (-s[0], s[1])) if score >= CAPTION_MATCH
    ]


def _post_tiles(
    session: Session, page: ShopPage, posts: Sequence[ShopPost], base_url: str
) -> list[dict[str, Any]]:
    catalog = list(
        session.scalars(select(Product).where(Product.workspace_id == page.workspace_id))
    )
    library = {
        (item.platform, item.external_id): item
        for item in session.scalars(
            publishable_items(page.workspace_id, utcnow()).where(
                UgcItem.external_id.in_([p.post_id for p in posts])
            )
        )
    }
    own: dict[tuple[str, str], BrandPostView] = {}
    for platform in {p.platform for p in posts}:
        ids = [p.post_id for p in posts if p.platform == platform]
        for post_id, view in brand_posts(session, page.workspace_id, platform, ids).items():
            own[(platform, post_id)] = view
    tiles = []
    for post in posts:
        mirrored = library.get((post.platform, post.post_id))
        card = item_cards(session, [mirrored], base_url, MEDIUM)[0] if mirrored else None
        mine = own.get((post.platform, post.post_id))
        tracked_as = mirrored.id if mirrored else f"post:{post.post_id}"
        if mine is not None and mine.products:
            products = [product_card(p, post.post_id, MEDIUM) for p in mine.products]
        elif card and card["products"]:
            products = card["products"]
        else:
            named = _caption_products(post, catalog)
            products = [product_card(p, post.post_id, MEDIUM) for p in named]
        picture = mine.post if mine is not None and mine.post.path else None
        media = card["media"] if card else []
        tiles.append(
            {
                # Tracked as the library item when the post is one, else as "post:<id>".
                "id": tracked_as,
                "ugc_id": mirrored.id if mirrored else None,
                "caption": post.caption,
                "alt": None,
                "creator": None,
                "platform": post.platform,
                "permalink": safe_link(post.permalink),
                "content_type": post.content_type,
                "rating": None,
                "posted_at": post.posted_at.isoformat() if post.posted_at else None,
                "media": _picture(picture, page, base_url) if picture else media,
                "products": products,
            }
        )
    return tiles


def _picture(post: BrandPost, page: ShopPage, base_url: str) -> list[dict[str, Any]]:
    url = f"{base_url}/shop/{page.handle}/media/{post.id}"
    return [
        {
            "kind": post.kind,
            "url": url,
            "thumb": f"{url}?thumb=1" if post.thumb_path else None,
            "width": post.width,
            "height": post.height,
        }
    ]


def shop_view(session: Session, handle: str, posts_of: PostsOf, base_url: str) -> ShopView:
    page = session.scalar(select(ShopPage).where(ShopPage.handle == handle.lower()))
    account = session.get(SocialAccount, page.account_id) if page else None
    if page is None or account is None:
        raise NotFoundError(f"no shop page {handle!r}")
    view = ShopView(page=page, account=account)
    view.posts = _post_tiles(session, page, posts_of(account), base_url)
    shown = {tile["ugc_id"] for tile in view.posts if tile["ugc_id"]}
    statement = publishable_items(page.workspace_id, utcnow()).order_by(
        UgcItem.posted_at.desc().nulls_last(), UgcItem.id
    )
    items = [
        i for i in session.scalars(statement.limit(UGC_TILES + len(shown))) if i.id not in shown
    ]
    view.ugc = item_cards(session, items[:UGC_TILES], base_url, MEDIUM)
    return view


def shop_payload(view: ShopView) -> dict[str, Any]:
    """The page as a gallery payload, so gallery.js renders and tracks it like any gallery."""
    return {
        "id": view.page.id,
        "name": view.page.title or f"@{view.account.handle}",
        "layout": "grid",
        "placement": "link_in_bio",
        "fallback_used": False,
        "product": None,
        "items": [*view.posts, *view.ugc],
    }


def shop_page_by_handle(session: Session, handle: str) -> ShopPage | None:
    """The public link-in-bio page at `/shop/{handle}` (handles are stored lower case)."""
    return session.scalar(select(ShopPage).where(ShopPage.handle == handle.lower()))
