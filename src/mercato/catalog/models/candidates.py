"""UGC candidates: posts that mention, tag or hashtag the brand, found by connectors.

Connectors write them; the UGC library's intake consumes them (sets `consumed_at`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from mercato.catalog.models.core import Base, _id_column
from mercato.core.timeutil import utcnow


class UgcCandidate(Base):
    __tablename__ = "ugc_candidates"
    __table_args__ = (
        UniqueConstraint(
            "workspace_id", "platform", "external_id", name="uq_ugc_candidates_external"
        ),
    )

    id: Mapped[str] = _id_column("cand")
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    social_account_id: Mapped[str | None] = mapped_column(
        ForeignKey("social_accounts.id", ondelete="SET NULL"), nullable=True
    )
    platform: Mapped[str] = mapped_column(String(32))
    external_id: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))  # mention | tag | hashtag
    hashtag: Mapped[str | None] = mapped_column(String(200), nullable=True)
    author_handle: Mapped[str | None] = mapped_column(String(200), nullable=True)
    caption: Mapped[str] = mapped_column(Text, default="")
    media_type: Mapped[str] = mapped_column(String(32), default="image")
    media_url: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    permalink: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    posted_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    metrics: Mapped[dict[str, Any]] = mapped_column(default=dict)
    discovered_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    consumed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
