"""Shoppable galleries and link-in-bio shop pages.

A gallery is a manual selection (`gallery_items`) or a rule (`Gallery.rule`); either way the
items it serves pass through `ugc.publishable` at delivery time. `version` is bumped on every
change of the definition so cached deliveries and ETags move with it.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from mercato.catalog.models.core import Base, _id_column
from mercato.core.timeutil import utcnow


class GalleryLayout(StrEnum):
    GRID = "grid"
    CAROUSEL = "carousel"
    STRIP = "strip"
    LOOKBOOK = "lookbook"


class GalleryPlacement(StrEnum):
    """Where on the shop a gallery appears: it decides which page context it needs."""

    HOME = "home"
    PRODUCT = "product"
    COLLECTION = "collection"


class GallerySelection(StrEnum):
    """How a gallery picks items: by its rule, or the hand-picked `gallery_items`."""

    RULE = "rule"
    MANUAL = "manual"


class Gallery(Base):
    __tablename__ = "galleries"
    __table_args__ = (UniqueConstraint("workspace_id", "name", name="uq_galleries_name"),)

    id: Mapped[str] = _id_column("gal")
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    layout: Mapped[str] = mapped_column(String(16), default=GalleryLayout.GRID.value)
    placement: Mapped[str] = mapped_column(String(16), default=GalleryPlacement.HOME.value)
    selection: Mapped[str] = mapped_column(String(16), default=GallerySelection.RULE.value)
    rule: Mapped[dict[str, Any]] = mapped_column(default=dict)
    max_items: Mapped[int] = mapped_column(Integer, default=12)
    min_items: Mapped[int] = mapped_column(Integer, default=1)
    fallback_id: Mapped[str | None] = mapped_column(
        ForeignKey("galleries.id", ondelete="SET NULL"), nullable=True
    )
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class GalleryItem(Base):
    """A hand-picked item of a manual gallery, in display order."""

    __tablename__ = "gallery_items"

    gallery_id: Mapped[str] = mapped_column(
        ForeignKey("galleries.id", ondelete="CASCADE"), primary_key=True
    )
    item_id: Mapped[str] = mapped_column(
        ForeignKey("ugc_items.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)


class ShopPage(Base):
    """A public link-in-bio page `/shop/<handle>` for one of the brand's social accounts."""

    __tablename__ = "shop_pages"

    id: Mapped[str] = _id_column("shp")
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    account_id: Mapped[str] = mapped_column(
        ForeignKey("social_accounts.id", ondelete="CASCADE"), index=True
    )
    handle: Mapped[str] = mapped_column(String(200), unique=True)
    title: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
