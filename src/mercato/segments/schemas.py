"""Segment models shared by the API and the CLI."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field

from mercato.catalog.models.segments import MemberSource, SegmentKind

MAX_STATIC_MEMBERS = 1_000_000


class SegmentCreate(BaseModel):
    """A dynamic segment gives `definition`; a static one gives `members` (visitor ids) or
    `from_segment` (freeze another segment's current members)."""

    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=2000)
    kind: SegmentKind = SegmentKind.DYNAMIC
    definition: dict[str, Any] | None = None
    members: list[str] | None = Field(default=None, max_length=MAX_STATIC_MEMBERS)
    from_segment: str | None = Field(default=None, max_length=40)


class SegmentUpdate(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=2000)
    definition: dict[str, Any] | None = None


class SegmentPublic(BaseModel):
    id: str
    name: str
    description: str
    kind: SegmentKind
    definition: dict[str, Any] | None
    summary: str
    member_source: MemberSource
    static_members: int
    version: int
    created_at: datetime
    updated_at: datetime


class TrendPoint(BaseModel):
    week: date  # the Monday starting the week
    visitors: int  # members with a session that week


class SegmentSize(BaseModel):
    segment_id: str
    visitors: int  # members today (a static list: its visitors, visited or not)
    as_of: datetime
    trend: list[TrendPoint]
