"""Review import: a CSV of product reviews with photos becomes library items tagged with the
reviewed product. The whole file is checked first; one bad row rejects the file (atomic),
and the error names file, line and field. Re-importing the same file adds nothing.

Columns follow a mapping (`ugc.review_mapping`); a review of a SKU the catalog does not have
is an error, unless products may be created: then the product is made from the file (title
from its column, else the SKU; price unknown, 0) and flagged for a person to check. A review
repeated within the file is counted as a duplicate, not as "already in the library".
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from mercato.catalog.models import FlaggedProduct, Product, ProductTag, Workspace
from mercato.core.errors import ValidationFailed
from mercato.core.urls import checked_link
from mercato.ugc.intake import IntakeSummary
from mercato.ugc.items import IntakeContext, NewItem, add_item, refresh_search_text
from mercato.ugc.review_mapping import REQUIRED, ReviewMapping

FLAG_REASON = "created by a review import ({file}): title from the file, price unknown"


@dataclass(frozen=True)
class ReviewRow:
    line: int
    sku: str
    product_title: str
    rating: int
    title: str
    text: str
    photo_urls: list[str]
    author: str
    posted_at: datetime
    sku_column: str = "product_sku"  # the file's header for the SKU, for error messages

    def external_id(self) -> str:
        key = "\x1f".join(
            [self.sku, self.author, self.posted_at.isoformat(), self.title, self.text]
        )
        return "review-" + hashlib.sha256(key.encode()).hexdigest()[:32]


@dataclass
class ReviewSummary(IntakeSummary):
    rows_read: int = 0
    duplicates: int = 0  # the same review again within the file
    products_created: list[str] = field(default_factory=list)  # SKUs, flagged for review


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


def _rating(raw: str, where: str) -> int:
    try:
        value = Decimal(raw.strip().split("/")[0])  # "4", "4.0", "4/5"
    except ArithmeticError:
        raise ValidationFailed(f"rating {raw!r} is not a whole number", location=where) from None
    if not value.is_finite() or value != value.to_integral_value():
        raise ValidationFailed(f"rating {raw!r} is not a whole number", location=where)
    if not 1 <= value <= 5:
        raise ValidationFailed(f"rating {int(value)} is outside 1..5", location=where)
    return int(value)


def _parse_row(name: str, line: int, row: dict[str, str], columns: dict[str, str]) -> ReviewRow:
    def cell(field_name: str) -> str:
        column = columns.get(field_name)
        return (row.get(column) or "").strip() if column else ""

    def where(field_name: str) -> str:
        return f"{name}:{line}:{columns.get(field_name, field_name)}"

    for field_name in REQUIRED:
        if not cell(field_name):
            raise ValidationFailed(
                f"empty, and the review's {field_name} is required", location=where(field_name)
            )
    raw_urls = cell("photo_urls").replace("|", " ").split()
    urls = [checked_link(url, where("photo_urls")) for url in raw_urls]
    return ReviewRow(
        line=line,
        sku=cell("product_sku")[:100],
        product_title=cell("product_title")[:300],
        rating=_rating(cell("rating"), where("rating")),
        title=cell("title"),
        text=cell("text"),
        photo_urls=urls,
        author=cell("author"),
        posted_at=_parse_date(cell("date"), where("date")),
        sku_column=columns.get("product_sku", "product_sku"),
    )


def parse_reviews(name: str, content: str, mapping: ReviewMapping | None = None) -> list[ReviewRow]:
    reader = csv.DictReader(io.StringIO(content.lstrip("\ufeff")))
    try:
        return _read_reviews(name, reader, mapping)
    except csv.Error as exc:  # e.g. a lone carriage return inside an unquoted cell
        raise ValidationFailed(
            f"not readable as CSV: {exc}", location=f"{name}:{reader.line_num + 1}"
        ) from None


def _read_reviews(
    name: str, reader: csv.DictReader[str], mapping: ReviewMapping | None
) -> list[ReviewRow]:
    header = [h.strip() for h in reader.fieldnames or []]
    columns = (mapping or ReviewMapping.default()).resolve(header, name)
    reader.fieldnames = header
    rows = []
    for line_offset, row in enumerate(reader):
        if None in row:
            raise ValidationFailed(
                "more fields than the header has", location=f"{name}:{line_offset + 2}"
            )
        rows.append(_parse_row(name, reader.line_num, row, columns))
    return rows


def _products(
    session: Session, workspace_id: str, name: str, rows: list[ReviewRow], create: bool
) -> tuple[dict[str, Product], list[str]]:
    """SKU → product; missing ones are an error naming the first row, or created and flagged."""
    skus = sorted({r.sku for r in rows})
    found = {
        p.sku: p
        for p in session.scalars(
            select(Product).where(Product.workspace_id == workspace_id, Product.sku.in_(skus))
        )
    }
    missing = [r for r in rows if r.sku not in found]
    if missing and not create:
        first = missing[0]
        raise ValidationFailed(
            f"no product with SKU {first.sku!r} (pass --create-products to create it)",
            location=f"{name}:{first.line}:{first.sku_column}",
        )
    created: list[str] = []
    workspace = session.get(Workspace, workspace_id)
    for row in missing:
        if row.sku in found:
            continue
        product = Product(
            workspace_id=workspace_id,
            sku=row.sku,
            title=row.product_title or row.sku,
            price=Decimal("0.00"),
            currency=workspace.currency if workspace else "USD",
        )
        session.add(product)
        session.flush()
        session.add(
            FlaggedProduct(
                workspace_id=workspace_id,
                product_id=product.id,
                reason=FLAG_REASON.format(file=name[:200]),
            )
        )
        found[row.sku] = product
        created.append(row.sku)
    return found, created


def import_reviews(
    session: Session,
    context: IntakeContext,
    name: str,
    content: str,
    mapping: ReviewMapping | None = None,
    create_products: bool = False,
) -> ReviewSummary:
    """Validate every row, then add them all in the caller's transaction."""
    rows = parse_reviews(name, content, mapping)
    products, created = _products(session, context.workspace_id, name, rows, create_products)
    summary = ReviewSummary(rows_read=len(rows), products_created=created)
    seen: set[str] = set()
    for row in rows:
        if row.external_id() in seen:
            summary.duplicates += 1
            continue
        seen.add(row.external_id())
        _add(session, context, row, products[row.sku], summary)
    return summary


def _add(
    session: Session,
    context: IntakeContext,
    row: ReviewRow,
    product: Product,
    summary: ReviewSummary,
) -> None:
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
        return
    session.add(
        ProductTag(
            item_id=item.id,
            product_id=product.id,
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
