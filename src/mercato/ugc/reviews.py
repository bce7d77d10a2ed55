"""Review import: a CSV of product reviews with photos becomes library items tagged with the
reviewed product. The whole file is checked first; one bad row rejects the file (atomic),
and the error names file, line and field. Re-importing the same file adds nothing."""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from mercato.catalog.models import Product, ProductTag
from mercato.core.errors import NotFoundError, ValidationFailed
from mercato.core.urls import checked_link
from mercato.ugc.intake import IntakeSummary
from mercato.ugc.items import IntakeContext, NewItem, add_item, refresh_search_text
from mercato.ugc.tagging import product_by_sku

COLUMNS = ("product_sku", "rating", "title", "text", "photo_urls", "author", "date")
REQUIRED = ("product_sku", "rating", "author", "date")


@dataclass(frozen=True)
class ReviewRow:
    line: int
    product: Product
    rating: int
    title: str
    text: str
    photo_urls: list[str]
    author: str
    posted_at: datetime

    def external_id(self) -> str:
        key = "\x1f".join(
            [self.product.sku, self.author, self.posted_at.isoformat(), self.title, self.text]
        )
        return "review-" + hashlib.sha256(key.encode()).hexdigest()[:32]


def _parse_date(raw: str, where: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValidationFailed(
            f"date {raw!r} is not ISO 8601 (2024-05-01)", location=where
        ) from None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed


def _parse_row(
    session: Session, workspace_id: str, name: str, line: int, row: dict[str, str]
) -> ReviewRow:
    def where(column: str) -> str:
        return f"{name}:{line}:{column}"

    for column in REQUIRED:
        if not (row.get(column) or "").strip():
            raise ValidationFailed(f"{column} is empty", location=where(column))
    try:
        product = product_by_sku(session, workspace_id, row["product_sku"].strip())
    except NotFoundError as exc:
        raise ValidationFailed(exc.message, location=where("product_sku")) from None
    try:
        rating = int(row["rating"].strip())
    except ValueError:
        raise ValidationFailed(
            f"rating {row['rating']!r} is not a whole number", location=where("rating")
        ) from None
    if not 1 <= rating <= 5:
        raise ValidationFailed(f"rating {rating} is outside 1..5", location=where("rating"))
    raw_urls = (row.get("photo_urls") or "").replace("|", " ").split()
    urls = [checked_link(url, where("photo_urls")) for url in raw_urls]
    return ReviewRow(
        line=line,
        product=product,
        rating=rating,
        title=(row.get("title") or "").strip(),
        text=(row.get("text") or "").strip(),
        photo_urls=urls,
        author=row["author"].strip(),
        posted_at=_parse_date(row["date"], where("date")),
    )


def parse_reviews(session: Session, workspace_id: str, name: str, content: str) -> list[ReviewRow]:
    reader = csv.DictReader(io.StringIO(content.lstrip("\ufeff")))
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise ValidationFailed(f"missing column(s) {', '.join(missing)}", location=f"{name}:1")
    reader.fieldnames = header
    rows = []
    for line_offset, row in enumerate(reader):
        if None in row:
            raise ValidationFailed(
                "more fields than the header has", location=f"{name}:{line_offset + 2}"
            )
        rows.append(_parse_row(session, workspace_id, name, reader.line_num, row))
    return rows


def import_reviews(
    session: Session, context: IntakeContext, name: str, content: str
) -> IntakeSummary:
    """Validate every row, then add them all in the caller's transaction."""
    rows = parse_reviews(session, context.workspace_id, name, content)
    summary = IntakeSummary()
    for row in rows:
        new = NewItem(
            source="review",
            platform="review",
            external_id=row.external_id(),
            title=row.title,
            caption=row.text,
            content_type="photo" if row.photo_urls else "text",
            posted_at=row.posted_at,
            rating=row.rating,
            creator_handle=row.author,
            media_urls=row.photo_urls,
        )
        item = add_item(session, context, new)
        if item is None:
            summary.skipped += 1
            continue
        session.add(
            ProductTag(
                item_id=item.id,
                product_id=row.product.id,
                status="accepted",
                confidence=1.0,
                method="review",
            )
        )
        session.flush()
        refresh_search_text(session, item)
        summary.added += 1
        summary.item_ids.append(item.id)
        summary.media_errors += 1 if item.media_error else 0
    return summary
