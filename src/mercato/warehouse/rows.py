"""Typed rows of `events`, `orders` and `order_items`, as the code that builds them holds them.

Each key is a column of the table's `TableSpec` in `schemas.py` (all but `row_key`, which the
loader derives from the natural key), and each value has the Python type Arrow stores in that
column, or None (NULL) outside `NOT_NULL`. Keys are optional: a column left out is NULL.
tests/warehouse/test_rows.py checks them against the specs, so a column added, renamed or
retyped there fails until its row here follows.

Event rows travel through the write-ahead log as JSON first: an `EventRecord` is the same row
with `ts` as ISO text and `revenue` as decimal text (`JSON_FORMS`), which `collect.store.typed`
turns into the `EventRow` that is stored.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TypedDict

# Columns a row never holds as None: the natural keys, and what every event must have.
NOT_NULL: dict[str, frozenset[str]] = {
    "events": frozenset({"workspace_id", "event_id", "ts", "name", "visitor_id", "identity_mode"}),
    "orders": frozenset({"workspace_id", "order_id"}),
    "order_items": frozenset({"workspace_id", "order_id", "line_id"}),
}
# The `events` columns an `EventRecord` holds as text, and nothing else.
JSON_FORMS: dict[str, type] = {"ts": str, "revenue": str}


class EventRow(TypedDict, total=False):
    workspace_id: str
    event_id: str
    site_id: str | None
    ts: datetime
    name: str
    visitor_id: str
    session_id: str | None
    customer_id: str | None
    identity_mode: str
    url: str | None
    path: str | None
    page_type: str | None
    referrer: str | None
    referrer_host: str | None
    source: str | None
    medium: str | None
    campaign: str | None
    content: str | None
    term: str | None
    click_id_type: str | None
    click_id: str | None
    channel: str | None
    channel_signal: str | None
    social_platform: str | None
    in_app_browser: str | None
    device: str | None
    browser: str | None
    os: str | None
    country: str | None
    engaged_ms: int | None
    scroll_pct: int | None
    order_id: str | None
    revenue: Decimal | None
    currency: str | None
    product_ids: list[str] | None
    ugc_id: str | None
    gallery_id: str | None
    experiment_id: str | None
    variant: str | None
    properties: str | None


class EventRecord(TypedDict, total=False):
    """An `EventRow` as JSON holds it (the WAL, a rejected-events log)."""

    workspace_id: str
    event_id: str
    site_id: str | None
    ts: str
    name: str
    visitor_id: str
    session_id: str | None
    customer_id: str | None
    identity_mode: str
    url: str | None
    path: str | None
    page_type: str | None
    referrer: str | None
    referrer_host: str | None
    source: str | None
    medium: str | None
    campaign: str | None
    content: str | None
    term: str | None
    click_id_type: str | None
    click_id: str | None
    channel: str | None
    channel_signal: str | None
    social_platform: str | None
    in_app_browser: str | None
    device: str | None
    browser: str | None
    os: str | None
    country: str | None
    engaged_ms: int | None
    scroll_pct: int | None
    order_id: str | None
    revenue: str | None
    currency: str | None
    product_ids: list[str] | None
    ugc_id: str | None
    gallery_id: str | None
    experiment_id: str | None
    variant: str | None
    properties: str | None


class OrderRow(TypedDict, total=False):
    workspace_id: str
    order_id: str
    source_system: str | None
    customer_id: str | None
    visitor_id: str | None
    session_id: str | None
    placed_at: datetime | None
    updated_at: datetime | None
    currency: str | None
    gross: Decimal | None
    discounts: Decimal | None
    shipping: Decimal | None
    tax: Decimal | None
    refunds: Decimal | None
    net: Decimal | None
    coupon_codes: list[str] | None
    status: str | None
    landing_site: str | None


class OrderItemRow(TypedDict, total=False):
    workspace_id: str
    order_id: str
    line_id: str
    sku: str | None
    product_id: str | None
    title: str | None
    quantity: int | None
    unit_price: Decimal | None
    discount: Decimal | None
    currency: str | None
