"""The brand's own social posts as the link-in-bio page shows them: the picture (stored under
data_dir/media like UGC media) and the products the post is tagged with.

The posts themselves (caption, time, metrics) live in the warehouse (`social_posts`); a row
here is keyed by the same (workspace, platform, post id).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from mercato.catalog.models.core import Base, _id_column
from mercato.core.timeutil import utcnow


class BrandPost(Base):
    """The picture of one of the brand's posts (public: the brand published it)."""

    __tablename__ = "brand_posts"
    __table_args__ = (
        UniqueConstraint("workspace_id", "platform", "post_id", name="uq_brand_posts_post"),
    )

    id: Mapped[str] = _id_column("bpo")
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    platform: Mapped[str] = mapped_column(String(32))
    post_id: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16), default="photo")  # photo|video
    source_url: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    path: Mapped[str | None] = mapped_column(String(500), nullable=True)
    thumb_path: Mapped[str | None] = mapped_column(String(500), nullable=True)
    width: Mapped[int | None] = mapped_column(Integer, nullable=True)
    height: Mapped[int | None] = mapped_column(Integer, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class BrandPostProduct(Base):
    """A product the brand tagged in one of its posts, in the order it was tagged."""

    __tablename__ = "brand_post_products"

    brand_post_id: Mapped[str] = mapped_column(
        ForeignKey("brand_posts.id", ondelete="CASCADE"), primary_key=True
    )
    product_id: Mapped[str] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
