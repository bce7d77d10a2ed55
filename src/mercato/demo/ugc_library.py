# ruff: noqa: RUF001 (Japanese text uses full-width punctuation)
"""The demo brand's UGC library and galleries: customers' posts with locally drawn photos
(the product in the place the caption names, `demo.pictures`),
creators, moderation outcomes, rights, product tags, two galleries and a link-in-bio page.

Photos are generated with Pillow (nothing is downloaded). Everything goes through the same
UGC and gallery services the app uses, so the rights gate decides what the galleries show.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from mercato.catalog.models import Product, RightsChannel, SocialAccount
from mercato.demo.pictures import SCENES, colourway_of, scene_photo
from mercato.galleries.brand_posts import store_post_picture, tag_post_products
from mercato.galleries.definitions import GalleryDraft, create_gallery
from mercato.galleries.shop import create_shop_page
from mercato.ugc import intake, rights, tagging
from mercato.ugc.embedding import Embedder
from mercato.ugc.items import (
    IntakeContext,
    NewItem,
    add_item,
    get_item,
    refresh_search_text,
    set_status,
    ugc_settings,
)

WINDOW_START = datetime(2025, 10, 1)
WINDOW_DAYS = 396
CREATORS = [f"{first}.{last}" for first in ("ana", "bo", "cruz", "dee", "eli", "fay")
            for last in ("wears", "styles", "outdoors", "daily")]  # fmt: skip
MOODS = ("Obsessed with", "Finally got", "Living in", "Can't stop wearing", "Weekend in")
# In the order of the drawn scenes (demo.pictures.PLACES): the caption names what the photo shows.
PLACES = ("on the beach", "in the city", "on the trail", "at the lake", "at brunch")


@dataclass(frozen=True)
class Words:
    """What the brand's customers write, and what the brand calls its galleries."""

    creators: tuple[str, ...]
    moods: tuple[str, ...]
    places: tuple[str, ...]
    brand_tag: str
    rights_hashtag: str  # the workspace's rights hashtag setting: requests ask for it
    rights_reply: str  # the creators' answer, "{hashtag}" replaced by that setting
    galleries: tuple[str, str, str]  # home gallery, product-page strip, link-in-bio page
    review_share: float = 0.0  # of the drawn "mention" items, this share are shop reviews


ENGLISH_WORDS = Words(
    creators=tuple(CREATORS),
    moods=MOODS,
    places=PLACES,
    brand_tag="northwind",
    rights_hashtag="#YesNorthwind",
    rights_reply="Yes, happy for Northwind to share this! {hashtag}",
    galleries=("Home — community favourites", "Shop the look", "Shop our feed"),
)
JAPANESE_WORDS = Words(
    creators=tuple(
        f"{first}{last}"
        for first in ("yui", "haru", "mio", "sora", "ren", "aoi")
        for last in ("_style", ".daily", "_outdoor", "_wear")
    ),
    moods=(
        "着ています",
        "やっと手に入れました",
        "愛用中です",
        "毎日使っています",
        "週末に着ました",
    ),
    places=("ビーチ", "街中", "山道", "湖のほとり", "カフェ"),
    brand_tag="さくら堂",
    rights_hashtag="#さくら堂OK",
    rights_reply="はい、さくら堂さんで使っていただいて大丈夫です！ {hashtag}",
    galleries=("ホーム — みんなのお気に入り", "このコーデを買う", "フィードから買う"),
    review_share=0.25,
)
WORDS = {"en": ENGLISH_WORDS, "ja": JAPANESE_WORDS}


@dataclass(frozen=True)
class DemoLibrary:
    items: int
    published: int
    galleries: int


def product_photo(rng: np.random.Generator, product: Product, place: int) -> bytes:
    """The post's photo: the product in its colourway, in the place the caption names."""
    colour = colourway_of(product.title, product.sku)
    return scene_photo(rng, product.product_type or "", colour, place)


def _caption(
    rng: np.random.Generator, product: Product, place_index: int, words: Words = ENGLISH_WORDS
) -> str:
    mood = words.moods[int(rng.integers(len(words.moods)))]
    place = words.places[place_index % len(words.places)]  # the place the photo shows
    line = product.product_line.lower().replace(" ", "")
    if words is ENGLISH_WORDS:
        return f"{mood} my {product.title} {place} 😍 #northwind #{line}"
    return f"{place}で{product.title}を{mood}😍 #{words.brand_tag} #{line} #夏コーデ"


def _review(product: Product, stars: int) -> str:
    """A shop review in Japanese (the Japanese demo's reviews)."""
    verdict = {5: "大満足です", 4: "とても良いです", 3: "普通です"}.get(stars, "少し残念でした")
    return f"{product.title}を購入しました。サイズもちょうど良く、{verdict}。"


def _add_items(
    session: Session, context: IntakeContext, rng: np.random.Generator, products: list[Product],
    count: int, words: Words = ENGLISH_WORDS,
) -> list[tuple[str, Product]]:  # fmt: skip
    added = []
    for index in range(count):
        product = products[int(rng.integers(len(products)))]
        platform = "instagram" if rng.random() < 0.7 else "tiktok"
        place = int(rng.integers(len(SCENES)))
        draw = rng.random()  # the same draws in every locale: only the words change
        source = "mention" if draw < 0.6 else "hashtag"
        caption = _caption(rng, product, place, words)
        rating = None
        if draw < 0.6 * words.review_share:
            source, rating = "review", 5 - index % 3
            caption = _review(product, rating)
        item = add_item(
            session,
            context,
            NewItem(
                source=source,
                rating=rating,
                platform=platform,
                external_id=f"demo-ugc-{index}",
                caption=caption,
                permalink=f"https://www.{platform}.com/p/demo{index}",
                posted_at=WINDOW_START + timedelta(days=float(rng.uniform(0, WINDOW_DAYS))),
                metrics={
                    "likes": int(rng.poisson(240)),
                    "comments": int(rng.poisson(14)),
                    "shares": int(rng.poisson(6)),
                },
                creator_handle=words.creators[int(rng.integers(len(words.creators)))],
                media_files=[product_photo(rng, product, place)],
            ),
        )
        if item is not None:
            added.append((item.id, product))
    return added


def _curate(
    session: Session, workspace_id: str, rng: np.random.Generator,
    added: list[tuple[str, Product]], words: Words = ENGLISH_WORDS,
) -> int:  # fmt: skip
    """Moderation outcomes, rights and product tags; returns how many items are publishable."""
    published = 0
    for item_id, product in added:
        roll = rng.random()
        if roll < 0.12:
            set_status(session, workspace_id, [item_id], "rejected")
            continue
        if roll < 0.25:
            continue  # still waiting in the moderation queue
        set_status(session, workspace_id, [item_id], "approved")
        item = get_item(session, workspace_id, item_id)
        tagging.set_tag(session, item, product.id, "accepted")
        if rng.random() < 0.85:
            rights.grant(
                session,
                item,
                channel=RightsChannel.COMMENT_REPLY,
                evidence=words.rights_reply.format(hashtag=words.rights_hashtag),
                at=(item.posted_at or WINDOW_START) + timedelta(days=2),
            )
            published += 1
        refresh_search_text(session, item)
    return published


def _galleries(session: Session, workspace_id: str, words: Words = ENGLISH_WORDS) -> int:
    home, strip, page = words.galleries
    create_gallery(session, workspace_id, GalleryDraft(name=home))
    create_gallery(
        session,
        workspace_id,
        GalleryDraft(name=strip, layout="strip", placement="product", max_items=8),
    )
    instagram = session.scalars(
        select(SocialAccount).where(
            SocialAccount.workspace_id == workspace_id, SocialAccount.platform == "instagram"
        )
    ).first()
    if instagram is not None:
        create_shop_page(session, workspace_id, instagram.id, instagram.handle, page)
    return 2


def _brand_posts(
    session: Session,
    context: IntakeContext,
    rng: np.random.Generator,
    products: list[Product],
    posts: Sequence[tuple[str, str]],
) -> None:
    """The brand's own latest posts, as its link-in-bio page shows them: a picture each and
    one to three products tagged in it."""
    for platform, post_id in posts:
        picked = rng.choice(len(products), size=min(len(products), int(rng.integers(1, 4))),
                            replace=False)  # fmt: skip
        # The brand's post shows the first product it tags, in one of the usual places.
        store_post_picture(session, context.workspace_id, context.media_dir, platform, post_id,
                           product_photo(rng, products[int(picked[0])],
                                         int(rng.integers(len(SCENES)))))  # fmt: skip
        skus = [products[int(i)].sku for i in picked]
        tag_post_products(session, context.workspace_id, platform, post_id, skus)


def _terms_url(products: list[Product]) -> str:
    """The brand's terms page on its own shop (the demo's shop domain)."""
    shop = next((urlsplit(p.url) for p in products if p.url), None)
    return f"{shop.scheme}://{shop.netloc}/pages/ugc-terms" if shop else ""


def seed_library(
    session: Session,
    context: IntakeContext,
    rng: np.random.Generator,
    *,
    count: int,
    embedder: Embedder | None,
    words: Words = ENGLISH_WORDS,
    brand_posts: Sequence[tuple[str, str]] = (),
) -> DemoLibrary:
    products = list(
        session.scalars(
            select(Product)
            .where(Product.workspace_id == context.workspace_id)
            .order_by(Product.sku)
        )
    )
    # One rights hashtag: the requests the demo shows ask for the one its creators replied with.
    settings = ugc_settings(session, context.workspace_id)
    settings.approval_hashtag = words.rights_hashtag
    settings.terms_url = _terms_url(products)
    added = _add_items(session, context, rng, products, count, words)
    published = _curate(session, context.workspace_id, rng, added, words)
    intake.enrich(session, context.workspace_id, [item_id for item_id, _ in added], embedder)
    galleries = _galleries(session, context.workspace_id, words)
    if products:
        _brand_posts(session, context, rng, products, brand_posts)  # last: earlier draws stay
    return DemoLibrary(items=len(added), published=published, galleries=galleries)
