"""The brand's own posts on a link-in-bio page: their picture and tagged products, under
/api/v1/galleries/shop-pages/{page_id}/posts/{post} (scope ugc:write). `post` is the post's id
on the page's platform (the warehouse `social_posts.post_id`)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from mercato.catalog.db import CatalogSession
from mercato.catalog.models import ShopPage, SocialAccount
from mercato.catalog.owned import get_owned
from mercato.core.errors import ValidationFailed
from mercato.galleries.brand_posts import MAX_PRODUCTS, store_post_picture, tag_post_products
from mercato.ugc.media import MAX_BYTES
from mercato.web.auth import ServicesDep
from mercato.web.routes.galleries_api import UgcWriter
from mercato.web.routes.galleries_public import base_url_of

router = APIRouter(prefix="/api/v1/galleries/shop-pages", tags=["galleries"])


class PostProducts(BaseModel):
    skus: list[str] = Field(max_length=MAX_PRODUCTS, description="In display order.")


class PostProductsPublic(BaseModel):
    post: str
    platform: str
    skus: list[str]


class PostPicturePublic(BaseModel):
    post: str
    platform: str
    kind: str
    width: int | None
    height: int | None
    url: str


def _platform(session: CatalogSession, workspace_id: str, page_id: str) -> tuple[ShopPage, str]:
    page = get_owned(session, ShopPage, workspace_id, page_id, "shop page")
    account = get_owned(session, SocialAccount, workspace_id, page.account_id, "social account")
    return page, account.platform


@router.put("/{page_id}/posts/{post}/products", operation_id="shop_post_products")
def shop_post_products(
    page_id: str, post: str, body: PostProducts, services: ServicesDep, principal: UgcWriter
) -> PostProductsPublic:
    """Replace the products tagged in one of the page's posts (the lightbox lists them)."""
    with services.catalog.session() as session:
        _, platform = _platform(session, principal.workspace_id, page_id)
        tagged = tag_post_products(session, principal.workspace_id, platform, post, body.skus)
        return PostProductsPublic(post=post, platform=platform, skus=[p.sku for p in tagged])


@router.put("/{page_id}/posts/{post}/picture", operation_id="shop_post_picture")
async def shop_post_picture(
    request: Request, page_id: str, post: str, services: ServicesDep, principal: UgcWriter
) -> PostPicturePublic:
    """Store the post's picture: the request body is the file (JPEG, PNG, WebP, GIF or video)."""
    content = b""
    async for chunk in request.stream():
        content += chunk
        if len(content) > MAX_BYTES:
            raise ValidationFailed(f"larger than {MAX_BYTES // 1_000_000} MB", location="body")
    with services.catalog.session() as session:
        page, platform = _platform(session, principal.workspace_id, page_id)
        stored = store_post_picture(session, principal.workspace_id, services.settings.media_dir,
                                    platform, post, content)  # fmt: skip
        url = f"{base_url_of(request)}/shop/{page.handle}/media/{stored.id}"
        return PostPicturePublic(post=post, platform=platform, kind=stored.kind,
                                 width=stored.width, height=stored.height, url=url)  # fmt: skip
