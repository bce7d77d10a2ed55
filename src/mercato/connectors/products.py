"""Product catalog import: Shopify products CSV and generic CSV → catalog `Product` rows.

Products are upserted by SKU (one product row per variant SKU), so importing the same file
twice changes nothing and a later file updates prices, URLs and images in place.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from sqlalchemy import select

from mercato.catalog.db import Catalog
from mercato.catalog.models import Product
from mercato.connectors.csvfile import Row, Table
from mercato.connectors.generic_orders import ColumnMapping
from mercato.connectors.parsing import parse_decimal
from mercato.connectors.results import ImportSummary
from mercato.core.money import parse_amount, parse_currency
from mercato.core.urls import checked_link

PRODUCT_FIELDS = (
    "sku",
    "title",
    "description",
    "product_type",
    "product_line",
    "category",
    "price",
    "currency",
    "url",
    "image_url",
)
SHOPIFY_REQUIRED = ("Handle", "Title", "Variant SKU", "Variant Price")


@dataclass(frozen=True)
class ProductRecord:
    sku: str
    title: str
    price: Decimal
    currency: str
    description: str = ""
    product_type: str = ""
    product_line: str = ""
    category: str = ""
    url: str = ""
    image_url: str = ""

    def fields(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in PRODUCT_FIELDS}


def _product_line(head: Row) -> str:
    for column in head.cells:
        if column.lower().startswith("product line"):
            return head.get(column) or ""
    for tag in (head.get("Tags") or "").split(","):
        key, _, value = tag.strip().partition(":")
        if key.strip().lower() == "line" and value.strip():
            return value.strip()
    return ""


def parse_shopify_products(table: Table, currency: str, shop_url: str = "") -> list[ProductRecord]:
    """Variant rows inherit the product's title/type/image from the handle's first row."""
    table.require_columns(SHOPIFY_REQUIRED, "Shopify products export")
    shop_url = checked_link(shop_url, "shop_url")
    heads: dict[str, Row] = {}
    images: dict[str, str] = {}
    records: dict[str, ProductRecord] = {}
    handle_of: dict[str, str] = {}
    for row in table.rows:
        handle = row.require("Handle")
        head = heads.setdefault(handle, row)
        if row.get("Image Src") and handle not in images:
            images[handle] = _link(row, "Image Src", row.get("Image Src"))
        sku = row.get("Variant SKU")
        if not sku:
            continue  # image-only rows and SKU-less variants cannot be matched to orders
        variant = " / ".join(
            v
            for v in (row.get(f"Option{i} Value") for i in (1, 2, 3))
            if v and v != "Default Title"
        )
        title = head.require("Title") + (f" - {variant}" if variant else "")
        category = (head.get("Product Category") or "").split(">")[-1].strip()
        handle_of[sku] = handle
        records[sku] = ProductRecord(
            sku=sku,
            title=title,
            price=row.parse("Variant Price", lambda raw: parse_amount(raw, currency=currency)),
            currency=currency,
            description=head.get("Body (HTML)") or "",
            product_type=head.get("Type") or "",
            product_line=_product_line(head),
            category=category,
            url=f"{shop_url.rstrip('/')}/products/{quote(handle)}" if shop_url else "",
            image_url=_link(row, "Variant Image", row.get("Variant Image")),
        )
    # The product image is often on a later, image-only row of the same handle.
    return [
        r if r.image_url else _with_image(r, images.get(handle_of[r.sku], ""))
        for r in records.values()
    ]


def _link(row: Row, column: str, url: str | None) -> str:
    """A product or image URL must be http(s): it becomes a link on galleries and shop pages."""
    return checked_link(url, row.where(column))


def _with_image(record: ProductRecord, image: str) -> ProductRecord:
    return ProductRecord(**{**record.fields(), "image_url": image})


def parse_generic_products(
    table: Table, mapping: ColumnMapping, default_currency: str
) -> list[ProductRecord]:
    mapping.check(table)
    records: dict[str, ProductRecord] = {}
    for row in table.rows:
        sku = mapping.text(row, "sku")
        if not sku:
            raise row.error(mapping.columns["sku"], "a SKU is required")
        currency = mapping.parsed(row, "currency", parse_currency) or default_currency
        price = mapping.parsed(
            row,
            "price",
            lambda raw, code=currency: parse_amount(
                parse_decimal(raw, mapping.locale), currency=code
            ),
        )
        if price is None:
            raise row.error(mapping.columns.get("price", "price"), "a price is required")
        texts = {
            name: mapping.text(row, name) or ""
            for name in PRODUCT_FIELDS
            if name not in ("sku", "price", "currency")
        }
        if not texts["title"]:
            raise row.error(mapping.columns.get("title", "title"), "a title is required")
        for name in ("url", "image_url"):
            texts[name] = _link(row, mapping.columns.get(name, name), texts[name])
        records[sku] = ProductRecord(sku=sku, price=price, currency=currency, **texts)
    return list(records.values())


def product_mapping(raw: dict[str, Any], source: str) -> ColumnMapping:
    return ColumnMapping(raw, PRODUCT_FIELDS, ("sku", "title", "price"), source)


def store_products(
    catalog: Catalog, workspace_id: str, records: Sequence[ProductRecord], summary: ImportSummary
) -> None:
    """Upsert by (workspace, SKU) in one catalog transaction."""
    with catalog.session() as session:
        existing = {
            product.sku: product
            for product in session.scalars(
                select(Product).where(Product.workspace_id == workspace_id)
            )
        }
        for record in records:
            product = existing.get(record.sku)
            if product is None:
                session.add(Product(workspace_id=workspace_id, **record.fields()))
                summary.inserted["products"] += 1
                continue
            changed = {k: v for k, v in record.fields().items() if getattr(product, k) != v}
            if changed:
                for key, value in changed.items():
                    setattr(product, key, value)
                summary.updated["products"] += 1
            else:
                summary.unchanged["products"] += 1
