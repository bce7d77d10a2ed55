"""What a library search returns for each item: the columns the grid, the moderation queue,
the API and the CLI show, read with Core (no ORM entity is built, so no identity map, no
change tracking and no JSON decoding of columns nobody reads). JSON columns stay as stored
until a caller reads them."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, Text, cast
from sqlalchemy.engine import Row

from mercato.catalog.models import UgcItem

ITEMS = UgcItem.__table__.c


def _raw(column: Any) -> ColumnElement[Any]:
    """A JSON column as text, decoded only when read (psycopg would decode every `json`
    value it receives)."""
    return cast(column, Text).label(column.name)


# Order matters: `LibraryItem.of` reads a row by position.
COLUMNS: tuple[ColumnElement[Any], ...] = (
    ITEMS.id,
    ITEMS.source,
    ITEMS.platform,
    ITEMS.external_id,
    ITEMS.permalink,
    ITEMS.creator_id,
    ITEMS.caption,
    ITEMS.alt_text,
    ITEMS.content_type,
    ITEMS.posted_at,
    ITEMS.status,
    ITEMS.media_error,
    ITEMS.rights_status,
    ITEMS.rights_expires_at,
    ITEMS.quality_score,
    ITEMS.curation_score,
    ITEMS.engagement,
    ITEMS.duplicate_of,
    _raw(ITEMS.hashtags),
    _raw(ITEMS.metrics),
    _raw(ITEMS.moderation_flags),
)
WIDTH = len(COLUMNS)


def _decoded(value: Any, empty: Any) -> Any:
    if value is None:
        return empty
    if isinstance(value, str | bytes):
        return json.loads(value)
    return value  # a driver that decodes JSON itself (psycopg)


class LibraryItem(NamedTuple):
    id: str
    source: str
    platform: str
    external_id: str
    permalink: str | None
    creator_id: str | None
    caption: str
    alt_text: str
    content_type: str
    posted_at: datetime | None
    status: str
    media_error: str | None
    rights_status: str
    rights_expires_at: datetime | None
    quality_score: float | None
    curation_score: float | None
    engagement: float
    duplicate_of: str | None
    hashtags_json: Any
    metrics_json: Any
    moderation_flags_json: Any

    @classmethod
    def of(cls, row: Row[Any]) -> LibraryItem:
        return cls._make(row[:WIDTH])

    @property
    def hashtags(self) -> list[str]:
        found: list[str] = _decoded(self.hashtags_json, [])
        return found

    @property
    def metrics(self) -> dict[str, Any]:
        found: dict[str, Any] = _decoded(self.metrics_json, {})
        return found

    @property
    def moderation_flags(self) -> list[dict[str, str]]:
        found: list[dict[str, str]] = _decoded(self.moderation_flags_json, [])
        return found
