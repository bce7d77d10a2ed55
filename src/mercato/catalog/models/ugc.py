"""The UGC library: items, their media, creators, rights log, product tags, collections,
per-workspace UGC settings and creator rewards.

`ugc_items.search_text` feeds the full-text index: an FTS5 table kept by triggers on SQLite,
a GIN index over `to_tsvector('english', search_text)` on PostgreSQL (migration 0300), and beside
it a trigram index for unspaced scripts (FTS5 `trigram` / `pg_trgm`, migration 2300).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from mercato.catalog.models.core import Base, _id_column
from mercato.core.timeutil import utcnow


class UgcStatus(StrEnum):
    """Where an item stands in moderation (`ugc_items.status`)."""

    NEW = "new"
    APPROVED = "approved"
    REJECTED = "rejected"


class RightsStatus(StrEnum):
    """The creator's permission to reuse an item (`ugc_items.rights_status`); `rights_events.kind`
    logs the same steps."""

    NONE = "none"
    REQUESTED = "requested"
    GRANTED = "granted"
    REVOKED = "revoked"
    EXPIRED = "expired"


class RightsChannel(StrEnum):
    """How a rights step reached the brand (`ugc_rights_events.channel`)."""

    COMMENT = "comment"  # asked or granted in a comment under the post
    DM = "dm"  # a direct message on the platform
    EMAIL = "email"
    UPLOAD_FORM = "upload_form"  # the public upload form's consent box
    COMMENT_REPLY = "comment_reply"  # the author's reply with the rights hashtag, seen by a sync
    MANUAL = "manual"  # a library user's revocation
    SYSTEM = "system"  # expiry


# Where a request can be sent, and the channels a library user can record a grant from.
REQUEST_CHANNELS = (RightsChannel.COMMENT, RightsChannel.DM, RightsChannel.EMAIL)
GRANT_CHANNELS = (*REQUEST_CHANNELS, RightsChannel.UPLOAD_FORM)


class TagStatus(StrEnum):
    """A product tag's review state (`ugc_product_tags.status`)."""

    SUGGESTED = "suggested"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class Creator(Base):
    """A person who posted UGC: one row per (platform, handle); uploads use platform 'upload'."""

    __tablename__ = "ugc_creators"
    __table_args__ = (
        UniqueConstraint("workspace_id", "platform", "handle", name="uq_ugc_creators_handle"),
    )

    id: Mapped[str] = _id_column("crt")
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    platform: Mapped[str] = mapped_column(String(32))
    handle: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320), nullable=True)
    coupon_code: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True)
    coupon_discount_pct: Mapped[Decimal | None] = mapped_column(Numeric(5, 2), nullable=True)
    coupon_issued_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class UgcItem(Base):
    """One post in the library. Captions are stored raw: templates escape them."""

    __tablename__ = "ugc_items"
    __table_args__ = (
        UniqueConstraint("workspace_id", "platform", "external_id", name="uq_ugc_items_external"),
        # The library's usual filters together: its count reads this index alone.
        Index("ix_ugc_items_ws_status", "workspace_id", "status", "platform", "rights_status"),
        # Each library sort has an index in its full order, made by hand per engine
        # (revision 0320, ix_ugc_items_sort_*): PostgreSQL needs NULLS FIRST, which SQLite
        # refuses in an index.
        Index("ix_ugc_items_ws_platform", "workspace_id", "platform"),
        Index("ix_ugc_items_ws_content_type", "workspace_id", "content_type"),
        Index("ix_ugc_items_ws_source", "workspace_id", "source"),
        # Also the expiry sweep each library search runs: granted rows due by now.
        Index(
            "ix_ugc_items_ws_rights_expiry", "workspace_id", "rights_status", "rights_expires_at"
        ),
    )

    id: Mapped[str] = _id_column("ugc")
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(32))  # mention|tag|hashtag|upload|review|url
    platform: Mapped[str] = mapped_column(String(32))
    external_id: Mapped[str] = mapped_column(String(200))
    permalink: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    creator_id: Mapped[str | None] = mapped_column(
        ForeignKey("ugc_creators.id", ondelete="SET NULL"), nullable=True, index=True
    )
    caption: Mapped[str] = mapped_column(Text, default="")
    alt_text: Mapped[str] = mapped_column(Text, default="")
    hashtags: Mapped[list[str]] = mapped_column(default=list)
    content_type: Mapped[str] = mapped_column(String(16), default="photo")
    posted_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    metrics: Mapped[dict[str, Any]] = mapped_column(default=dict)
    rating: Mapped[int | None] = mapped_column(Integer, nullable=True)
    status: Mapped[str] = mapped_column(String(16), default=UgcStatus.NEW.value)
    moderation_flags: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    media_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    rights_status: Mapped[str] = mapped_column(String(16), default=RightsStatus.NONE.value)
    rights_granted_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    rights_expires_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    rights_terms_version: Mapped[str | None] = mapped_column(String(64), nullable=True)
    quality_score: Mapped[float | None] = mapped_column(Float, nullable=True)
    curation_score: Mapped[float | None] = mapped_column(Float, nullable=True)
    site_performance: Mapped[float | None] = mapped_column(Float, nullable=True)
    engagement: Mapped[float] = mapped_column(Float, default=0.0)
    search_text: Mapped[str] = mapped_column(Text, default="")
    duplicate_of: Mapped[str | None] = mapped_column(String(40), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class UgcEmbedding(Base):
    """An item's sentence embedding: 512 float16 (1,024 bytes) and the model that made it,
    kept apart from `ugc_items` so filtering and full-text scans do not read vectors, and
    semantic search reads only these (of the current model: ADR 2310)."""

    __tablename__ = "ugc_embeddings"
    # (workspace, model, item) makes the cache fingerprint (newest id) an index-only read.
    __table_args__ = (Index("ix_ugc_embeddings_ws_model_item", "workspace_id", "model", "item_id"),)

    item_id: Mapped[str] = mapped_column(
        ForeignKey("ugc_items.id", ondelete="CASCADE"), primary_key=True
    )
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    vector: Mapped[bytes] = mapped_column(LargeBinary)
    model: Mapped[str] = mapped_column(String(64), server_default="all-MiniLM-L6-v2")


class UgcMedia(Base):
    """A photo or video of an item (a carousel has several), stored under data_dir/media."""

    __tablename__ = "ugc_media"

    id: Mapped[str] = _id_column("med")
    item_id: Mapped[str] = mapped_column(ForeignKey("ugc_items.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    kind: Mapped[str] = mapped_column(String(16), default="photo")  # photo|video
    source_url: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    path: Mapped[str | None] = mapped_column(String(500), nullable=True)
    thumb_path: Mapped[str | None] = mapped_column(String(500), nullable=True)
    mime_type: Mapped[str | None] = mapped_column(String(64), nullable=True)
    byte_size: Mapped[int | None] = mapped_column(Integer, nullable=True)
    width: Mapped[int | None] = mapped_column(Integer, nullable=True)
    height: Mapped[int | None] = mapped_column(Integer, nullable=True)
    phash: Mapped[str | None] = mapped_column(String(16), nullable=True, index=True)
    sharpness: Mapped[float | None] = mapped_column(Float, nullable=True)
    brightness: Mapped[float | None] = mapped_column(Float, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)


class RightsEvent(Base):
    """The rights log of an item: requests, grants (with evidence), revocations."""

    __tablename__ = "ugc_rights_events"

    id: Mapped[str] = _id_column("rte")
    item_id: Mapped[str] = mapped_column(ForeignKey("ugc_items.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # a RightsStatus other than none
    channel: Mapped[str] = mapped_column(String(32), default="")  # comment|dm|upload_form|...
    text: Mapped[str] = mapped_column(Text, default="")
    terms_url: Mapped[str] = mapped_column(String(2000), default="")
    terms_version: Mapped[str] = mapped_column(String(64), default="")
    actor: Mapped[str] = mapped_column(String(320), default="")  # who recorded it
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)  # when it happened
    expires_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    # A grant recorded by hand: the message's address (http(s)) and when it was written down.
    evidence_url: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    recorded_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class ProductTag(Base):
    """An item ↔ product link: suggested (with confidence), accepted or rejected."""

    __tablename__ = "ugc_product_tags"

    item_id: Mapped[str] = mapped_column(
        ForeignKey("ugc_items.id", ondelete="CASCADE"), primary_key=True
    )
    product_id: Mapped[str] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    status: Mapped[str] = mapped_column(String(16))  # a TagStatus
    confidence: Mapped[float] = mapped_column(Float, default=1.0)
    method: Mapped[str] = mapped_column(String(16), default="manual")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Collection(Base):
    __tablename__ = "ugc_collections"
    __table_args__ = (UniqueConstraint("workspace_id", "name", name="uq_ugc_collections_name"),)

    id: Mapped[str] = _id_column("col")
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class CollectionItem(Base):
    __tablename__ = "ugc_collection_items"

    collection_id: Mapped[str] = mapped_column(
        ForeignKey("ugc_collections.id", ondelete="CASCADE"), primary_key=True
    )
    item_id: Mapped[str] = mapped_column(
        ForeignKey("ugc_items.id", ondelete="CASCADE"), primary_key=True
    )


class UgcSettings(Base):
    """Per-workspace rights wording, moderation word lists and reward terms."""

    __tablename__ = "ugc_settings"

    workspace_id: Mapped[str] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True
    )
    approval_hashtag: Mapped[str] = mapped_column(String(100), default="")
    terms_url: Mapped[str] = mapped_column(String(2000), default="")
    terms_version: Mapped[str] = mapped_column(String(64), default="1")
    rights_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    profanity_terms: Mapped[list[str]] = mapped_column(default=list)
    competitor_terms: Mapped[list[str]] = mapped_column(default=list)
    brand_safety_terms: Mapped[list[str]] = mapped_column(default=list)
    allow_links: Mapped[bool] = mapped_column(Boolean, default=False)
    reward_discount_pct: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal("15"))
