"""UGC JSON API under /api/v1/ugc (scopes ugc:read / ugc:write)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from mercato.catalog.models import UgcItem
from mercato.catalog.quality import record_refused
from mercato.core.errors import ValidationFailed
from mercato.core.scopes import Scope
from mercato.core.urls import checked_link
from mercato.runtime import analytics_warehouse
from mercato.ugc import collections, curation, embedding, rights
from mercato.ugc.items import get_item, set_status, ugc_settings
from mercato.ugc.library_rows import LibraryItem
from mercato.ugc.review_mapping import ReviewMapping
from mercato.ugc.rewards import creator_summaries
from mercato.ugc.search import UgcQuery, search
from mercato.ugc.service import (
    add_url,
    import_reviews,
    intake_candidates,
    intake_context,
    item_detail,
    review_quality,
)
from mercato.ugc.tagging import set_tag
from mercato.web.auth import Principal, Requires, ServicesDep

UgcReader = Annotated[Principal, Depends(Requires(Scope.UGC_READ))]
UgcWriter = Annotated[Principal, Depends(Requires(Scope.UGC_WRITE))]
router = APIRouter(prefix="/api/v1/ugc", tags=["ugc"])


class UgcItemPublic(BaseModel):
    id: str
    source: str
    platform: str
    permalink: str | None
    creator_id: str | None
    caption: str
    hashtags: list[str]
    content_type: str
    posted_at: datetime | None
    metrics: dict[str, Any]
    status: str
    moderation_flags: list[dict[str, str]]
    media_error: str | None
    rights_status: str
    rights_expires_at: datetime | None
    quality_score: float | None
    curation_score: float | None
    duplicate_of: str | None


def _public(item: UgcItem | LibraryItem) -> UgcItemPublic:
    return UgcItemPublic.model_validate(item, from_attributes=True)


class UgcSearchPage(BaseModel):
    total: int = Field(
        description="Matches, counted up to 1,000 (or past the page asked for) unless "
        "exact_count is set; total_capped says there are more."
    )
    total_capped: bool = False
    items: list[UgcItemPublic]
    notice: str | None = None
    scores: dict[str, float] = {}


class UgcSearchParams(BaseModel):
    text: str = ""
    semantic: str = ""
    product_id: str | None = None
    product_type: str | None = None
    product_line: str | None = None
    category: str | None = None
    content_type: str | None = None
    platform: str | None = None
    source: str | None = None
    creator: str | None = None
    posted_from: datetime | None = None
    posted_to: datetime | None = None
    status: str | None = None
    rights: str | None = None
    tagged: bool | None = None
    collection_id: str | None = None
    sort: Literal["recent", "engagement", "performance", "curation", "relevance"] = "recent"
    limit: int = Field(default=48, ge=1, le=500)
    offset: int = Field(default=0, ge=0)
    exact_count: bool = False


class StatusUpdate(BaseModel):
    item_ids: list[str] = Field(min_length=1, max_length=1000)
    status: Literal["new", "approved", "rejected"]


class RightsRequestCreate(BaseModel):
    channel: Literal["comment", "dm", "email"] = "comment"


class RightsGrantCreate(BaseModel):
    channel: Literal["comment", "dm", "email", "upload_form"] = Field(
        description="Where the creator said yes."
    )
    evidence: str = Field(default="", max_length=5000, description="The creator's words.")
    evidence_url: str | None = Field(
        default=None, max_length=2000, description="Link to the message (http(s))."
    )
    granted_at: datetime | None = Field(
        default=None, description="When the creator said yes (default: now; never future)."
    )


class RightsEventPublic(BaseModel):
    kind: str
    channel: str
    text: str
    evidence_url: str | None
    actor: str
    at: datetime
    recorded_at: datetime | None
    terms_url: str
    terms_version: str
    expires_at: datetime | None


class CommentIn(BaseModel):
    author: str
    text: str
    at: datetime


class CommentsIn(BaseModel):
    comments: list[CommentIn]


class TagUpdate(BaseModel):
    product_id: str
    status: Literal["accepted", "rejected"]


class ReviewsImport(BaseModel):
    name: str = Field(default="reviews.csv", max_length=300)
    content: str
    mapping: dict[str, str | list[str]] | None = Field(
        default=None, description="Review field = the file's column (or alternatives)."
    )
    create_products: bool = Field(
        default=False, description="Create products for unknown SKUs, flagged for review."
    )


class ReviewsResult(BaseModel):
    added: int
    skipped: int
    media_errors: int
    item_ids: list[str]
    rows_read: int
    duplicates: int = Field(description="Reviews repeated within the file.")
    products_created: list[str]
    quality: dict[str, Any] = Field(description="Each row's outcome (adds up to rows_read).")


class UrlCreate(BaseModel):
    url: str = Field(min_length=8, max_length=2000)


class IntakeResult(BaseModel):
    added: int
    skipped: int
    media_errors: int
    item_ids: list[str]


class UgcSettingsUpdate(BaseModel):
    approval_hashtag: str | None = None
    terms_url: str | None = None
    terms_version: str | None = None
    rights_days: int | None = Field(default=None, ge=1)
    profanity_terms: list[str] | None = None
    competitor_terms: list[str] | None = None
    brand_safety_terms: list[str] | None = None
    allow_links: bool | None = None
    reward_discount_pct: Decimal | None = Field(default=None, ge=0, le=100)


class CreatorPublic(BaseModel):
    id: str
    handle: str
    platform: str
    posts: int
    rights_granted: int
    coupon_code: str | None
    redemptions: int
    revenue: Decimal


@router.get("/items", operation_id="search_ugc_items")
def search_ugc_items(
    services: ServicesDep,
    principal: UgcReader,
    params: Annotated[UgcSearchParams, Query()],
) -> UgcSearchPage:
    query = UgcQuery(**params.model_dump())
    embedder = embedding.load_embedder() if query.semantic else None
    with services.catalog.session() as session:
        result = search(session, principal.workspace_id, query, embedder)
        return UgcSearchPage(
            total=result.total,
            total_capped=result.total_capped,
            items=[_public(i) for i in result.items],
            notice=result.notice,
            scores=result.scores,
        )


@router.get("/items/{item_id}", operation_id="get_ugc_item")
def get_ugc_item(item_id: str, services: ServicesDep, principal: UgcReader) -> dict[str, Any]:
    with services.catalog.session() as session:
        detail = item_detail(session, principal.workspace, item_id)
        return {
            "item": _public(detail.item).model_dump(mode="json"),
            "creator": {"handle": detail.creator.handle, "platform": detail.creator.platform}
            if detail.creator
            else None,
            "media": [
                {"id": m.id, "kind": m.kind, "width": m.width, "height": m.height, "error": m.error}
                for m in detail.media
            ],
            "tags": [
                {
                    "product_id": p.id,
                    "sku": p.sku,
                    "status": t.status,
                    "confidence": t.confidence,
                    "method": t.method,
                }
                for t, p in detail.tags
            ],
            "rights_log": [
                RightsEventPublic.model_validate(e, from_attributes=True).model_dump(mode="json")
                for e in detail.rights_log
            ],
            "rights_request_text": detail.request_preview,
            "rights_hashtag": detail.hashtag,
            "terms_url": detail.terms_url or None,
        }


@router.post("/items/status", operation_id="set_ugc_status")
def set_ugc_status(
    body: StatusUpdate, services: ServicesDep, principal: UgcWriter
) -> dict[str, int]:
    with services.catalog.session() as session:
        return {"changed": set_status(session, principal.workspace_id, body.item_ids, body.status)}


@router.post("/items/{item_id}/rights/request", operation_id="request_ugc_rights", status_code=201)
def request_ugc_rights(
    item_id: str, body: RightsRequestCreate, services: ServicesDep, principal: UgcWriter
) -> dict[str, str]:
    with services.catalog.session() as session:
        item = get_item(session, principal.workspace_id, item_id)
        event = rights.record_request(
            session,
            item,
            principal.workspace.slug,
            channel=body.channel,
            actor=principal.user_email or "api",
        )
        return {"text": event.text, "rights_status": item.rights_status}


@router.post("/items/{item_id}/rights/grant", operation_id="grant_ugc_rights", status_code=201)
def grant_ugc_rights(
    item_id: str, body: RightsGrantCreate, services: ServicesDep, principal: UgcWriter
) -> RightsEventPublic:
    """Record a grant given by comment, DM, e-mail or a form outside Mercato, with evidence."""
    with services.catalog.session() as session:
        item = get_item(session, principal.workspace_id, item_id)
        event = rights.record_grant(
            session,
            item,
            channel=body.channel,
            evidence=body.evidence,
            evidence_url=body.evidence_url,
            granted_at=body.granted_at,
            actor=principal.user_email or f"token:{principal.token_id or 'api'}",
        )
        session.flush()
        return RightsEventPublic.model_validate(event, from_attributes=True)


@router.post("/items/{item_id}/rights/comments", operation_id="detect_ugc_rights")
def detect_ugc_rights(
    item_id: str, body: CommentsIn, services: ServicesDep, principal: UgcWriter
) -> dict[str, Any]:
    comments = [rights.Comment(c.author, c.text, c.at.replace(tzinfo=None)) for c in body.comments]
    with services.catalog.session() as session:
        item = get_item(session, principal.workspace_id, item_id)
        granted = rights.detect_approval(session, item, comments, principal.workspace.slug)
        return {"granted": granted is not None, "rights_status": item.rights_status}


@router.post("/items/{item_id}/tags", operation_id="tag_ugc_item")
def tag_ugc_item(
    item_id: str, body: TagUpdate, services: ServicesDep, principal: UgcWriter
) -> dict[str, str]:
    with services.catalog.session() as session:
        tag = set_tag(
            session,
            get_item(session, principal.workspace_id, item_id),
            body.product_id,
            body.status,
        )
        return {"product_id": tag.product_id, "status": tag.status}


def _result(summary: Any) -> IntakeResult:
    return IntakeResult(
        added=summary.added,
        skipped=summary.skipped,
        media_errors=summary.media_errors,
        item_ids=summary.item_ids,
    )


@router.post("/intake", operation_id="run_ugc_intake")
def run_ugc_intake(services: ServicesDep, principal: UgcWriter) -> IntakeResult:
    with services.catalog.session() as session:
        return _result(
            intake_candidates(session, intake_context(services.settings, principal.workspace_id))
        )


@router.post("/reviews", operation_id="import_ugc_reviews")
def import_ugc_reviews(
    body: ReviewsImport, services: ServicesDep, principal: UgcWriter
) -> ReviewsResult:
    mapping = ReviewMapping.parse(body.mapping, "mapping") if body.mapping else None
    try:
        with services.catalog.session() as session:
            context = intake_context(services.settings, principal.workspace_id)
            summary = import_reviews(
                session,
                context,
                body.name,
                body.content,
                mapping=mapping,
                create_products=body.create_products,
            )
    except ValidationFailed as exc:
        record_refused(services.catalog, principal.workspace_id, "import:reviews", body.name, exc)
        raise
    return ReviewsResult(
        added=summary.added,
        skipped=summary.skipped,
        media_errors=summary.media_errors,
        item_ids=summary.item_ids,
        rows_read=summary.rows_read,
        duplicates=summary.duplicates,
        products_created=summary.products_created,
        quality=review_quality(body.name, summary).as_dict(),
    )


@router.post("/urls", operation_id="add_ugc_url")
def add_ugc_url(body: UrlCreate, services: ServicesDep, principal: UgcWriter) -> IntakeResult:
    with services.catalog.session() as session:
        return _result(
            add_url(session, intake_context(services.settings, principal.workspace_id), body.url)
        )


@router.get("/creators", operation_id="list_ugc_creators")
def list_ugc_creators(services: ServicesDep, principal: UgcReader) -> list[CreatorPublic]:
    with services.catalog.session() as session:
        summaries = creator_summaries(
            session,
            services.warehouse.for_workspace(principal.workspace_id),
            principal.workspace_id,
        )
        return [
            CreatorPublic(
                id=s.creator.id,
                handle=s.creator.handle,
                platform=s.creator.platform,
                posts=s.posts,
                rights_granted=s.rights_granted,
                coupon_code=s.creator.coupon_code,
                redemptions=s.redemptions,
                revenue=s.revenue,
            )
            for s in summaries
        ]


@router.get("/recommendations", operation_id="recommend_ugc")
def recommend_ugc(
    services: ServicesDep,
    principal: UgcReader,
    product_id: str | None = None,
    placement: str | None = None,
    limit: int = 12,
) -> list[UgcItemPublic]:
    scoped = analytics_warehouse(services, principal.workspace_id, principal.workspace.slug)
    with services.catalog.session() as session:
        if product_id:
            items = curation.best_for_product(session, principal.workspace_id, product_id, limit)
        else:
            items = curation.best_for_placement(
                session, scoped, principal.workspace_id, placement or "homepage", limit
            )
        return [_public(i) for i in items]


@router.post("/curation/rescore", operation_id="rescore_ugc")
def rescore_ugc(services: ServicesDep, principal: UgcWriter) -> dict[str, int]:
    scoped = analytics_warehouse(services, principal.workspace_id, principal.workspace.slug)
    with services.catalog.session() as session:
        return {"scored": curation.rescore(session, scoped, principal.workspace_id)}


@router.get("/settings", operation_id="get_ugc_settings")
def get_ugc_settings(services: ServicesDep, principal: UgcReader) -> UgcSettingsUpdate:
    with services.catalog.session() as session:
        return UgcSettingsUpdate.model_validate(
            ugc_settings(session, principal.workspace_id), from_attributes=True
        )


@router.put("/settings", operation_id="update_ugc_settings")
def update_ugc_settings(
    body: UgcSettingsUpdate, services: ServicesDep, principal: UgcWriter
) -> UgcSettingsUpdate:
    with services.catalog.session() as session:
        found = ugc_settings(session, principal.workspace_id)
        changes = body.model_dump(exclude_unset=True)
        if "terms_url" in changes:  # linked from the public upload form
            changes["terms_url"] = checked_link(changes["terms_url"], "terms_url")
        if "approval_hashtag" in changes:
            changes["approval_hashtag"] = rights.clean_hashtag(changes["approval_hashtag"] or "")
        for name, value in changes.items():
            setattr(found, name, value)
        session.flush()
        return UgcSettingsUpdate.model_validate(found, from_attributes=True)


class CollectionCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200)


class CollectionPublic(BaseModel):
    id: str
    name: str
    items: int


class CollectionItemsAdd(BaseModel):
    item_ids: list[str] = Field(min_length=1, max_length=1000)


@router.get("/collections", operation_id="list_ugc_collections")
def list_ugc_collections(services: ServicesDep, principal: UgcReader) -> list[CollectionPublic]:
    with services.catalog.session() as session:
        return [
            CollectionPublic(id=c.id, name=c.name, items=n)
            for c, n in collections.collections_of(session, principal.workspace_id)
        ]


@router.post("/collections", operation_id="create_ugc_collection", status_code=201)
def create_ugc_collection(
    body: CollectionCreate, services: ServicesDep, principal: UgcWriter
) -> CollectionPublic:
    with services.catalog.session() as session:
        created = collections.create_collection(session, principal.workspace_id, body.name)
        return CollectionPublic(id=created.id, name=created.name, items=0)


@router.post("/collections/{collection_id}/items", operation_id="add_ugc_collection_items")
def add_ugc_collection_items(
    collection_id: str, body: CollectionItemsAdd, services: ServicesDep, principal: UgcWriter
) -> dict[str, int]:
    with services.catalog.session() as session:
        added = collections.add_to_collection(
            session, principal.workspace_id, collection_id, body.item_ids
        )
        return {"added": added}
