"""Warehouse table schemas and their natural keys.

Every table carries `workspace_id` (the tenant) and `row_key`, a deterministic digest of
the natural key, which makes loading idempotent on every engine. Timestamps are naive UTC.
Money is decimal(18, 3) next to an ISO currency column: three decimals hold every currency's
minor unit (KWD and BHD have three, JPY none), see ADR 0550.
"""

from __future__ import annotations

from dataclasses import dataclass

import ibis
import ibis.expr.datatypes as dt

MONEY = dt.Decimal(18, 3)


@dataclass(frozen=True)
class TableSpec:
    name: str
    schema: ibis.Schema
    natural_key: tuple[str, ...]
    description: str


def _spec(table_name: str, key: tuple[str, ...], description: str, **columns: object) -> TableSpec:
    schema = ibis.schema({"row_key": "string", "workspace_id": "string", **columns})
    missing = [column for column in key if column not in schema]
    if missing:
        raise ValueError(f"{table_name}: natural key columns {missing} are not in the schema")
    return TableSpec(table_name, schema, key, description)


EVENTS = _spec(
    "events",
    ("workspace_id", "event_id"),
    "Site events from the tracker, CDP intake and event-log imports.",
    event_id="string",
    site_id="string",
    ts="timestamp(6)",
    name="string",
    visitor_id="string",
    session_id="string",
    customer_id="string",
    identity_mode="string",
    url="string",
    path="string",
    page_type="string",
    referrer="string",
    referrer_host="string",
    source="string",
    medium="string",
    campaign="string",
    content="string",
    term="string",
    click_id_type="string",
    click_id="string",
    channel="string",
    channel_signal="string",
    social_platform="string",
    in_app_browser="string",
    device="string",
    browser="string",
    os="string",
    country="string",
    engaged_ms="int64",
    scroll_pct="int16",
    order_id="string",
    revenue=MONEY,
    currency="string",
    product_ids="array<string>",
    ugc_id="string",
    gallery_id="string",
    experiment_id="string",
    variant="string",
    properties="string",
)

SESSIONS = _spec(
    "sessions",
    ("workspace_id", "session_id"),
    "One row per visit (30 minutes of inactivity ends it); source resolved at its start.",
    session_id="string",
    site_id="string",
    visitor_id="string",
    customer_id="string",
    session_number="int32",
    started_at="timestamp(6)",
    ended_at="timestamp(6)",
    entry_url="string",
    entry_path="string",
    entry_page_type="string",
    referrer_host="string",
    source="string",
    medium="string",
    campaign="string",
    content="string",
    term="string",
    click_id_type="string",
    channel="string",
    channel_signal="string",
    social_platform="string",
    in_app_browser="string",
    device="string",
    browser="string",
    os="string",
    country="string",
    pageviews="int32",
    events="int32",
    engaged_ms="int64",
    max_scroll_pct="int16",
    is_engaged="boolean",
    leads="int32",
    add_to_carts="int32",
    checkouts="int32",
    orders="int32",
    revenue=MONEY,
    currency="string",
    ugc_interactions="int32",
)

ORDERS = _spec(
    "orders",
    ("workspace_id", "order_id"),
    "Shop orders: gross and the parts that make net; refunds accumulate on the order.",
    order_id="string",
    source_system="string",
    customer_id="string",
    visitor_id="string",
    session_id="string",
    placed_at="timestamp(6)",
    updated_at="timestamp(6)",
    currency="string",
    gross=MONEY,
    discounts=MONEY,
    shipping=MONEY,
    tax=MONEY,
    refunds=MONEY,
    net=MONEY,
    coupon_codes="array<string>",
    status="string",
    landing_site="string",
)

ORDER_ITEMS = _spec(
    "order_items",
    ("workspace_id", "order_id", "line_id"),
    "Order lines matched to catalog products by SKU.",
    order_id="string",
    line_id="string",
    sku="string",
    product_id="string",
    title="string",
    quantity="int32",
    unit_price=MONEY,
    discount=MONEY,
    currency="string",
)

SOCIAL_POSTS = _spec(
    "social_posts",
    ("workspace_id", "platform", "post_id"),
    "Posts of the brand's own social accounts.",
    platform="string",
    account_id="string",
    post_id="string",
    posted_at="timestamp(6)",
    content_type="string",
    caption="string",
    permalink="string",
    campaign="string",
    is_paid="boolean",
)

SOCIAL_POST_METRICS = _spec(
    "social_post_metrics",
    ("workspace_id", "platform", "post_id", "metric", "captured_at"),
    "Metric snapshots per post in platform-neutral names; NULL value means missing, not 0.",
    platform="string",
    account_id="string",
    post_id="string",
    captured_at="timestamp(6)",
    metric="string",
    value="float64",
    vendor_metric="string",
    api_version="string",
    missing_reason="string",
)

SOCIAL_ACCOUNT_DAILY = _spec(
    "social_account_daily",
    ("workspace_id", "platform", "account_id", "day", "metric"),
    "Daily account metrics (followers, follows, unfollows, reach, views, ...); NULL = missing.",
    platform="string",
    account_id="string",
    day="date",
    metric="string",
    value="float64",
    vendor_metric="string",
    api_version="string",
    missing_reason="string",
)

AD_SPEND = _spec(
    "ad_spend",
    ("workspace_id", "day", "platform", "campaign", "ad_set", "ad"),
    "Paid media by day and ad, with platform-reported results.",
    day="date",
    platform="string",
    campaign="string",
    ad_set="string",
    ad="string",
    currency="string",
    spend=MONEY,
    impressions="int64",
    clicks="int64",
    conversions="int64",
    conversion_value=MONEY,
    source_system="string",
)

SEGMENT_MEMBERS = _spec(
    "segment_members",
    ("workspace_id", "segment_id", "visitor_id"),
    "The frozen visitor list of a static segment (imported from CSV or saved from a report).",
    segment_id="string",
    visitor_id="string",
    added_at="timestamp(6)",
)

TABLES: dict[str, TableSpec] = {
    spec.name: spec
    for spec in (
        EVENTS,
        SESSIONS,
        ORDERS,
        ORDER_ITEMS,
        SOCIAL_POSTS,
        SOCIAL_POST_METRICS,
        SOCIAL_ACCOUNT_DAILY,
        AD_SPEND,
        SEGMENT_MEMBERS,
    )
}


def register(spec: TableSpec) -> TableSpec:
    """Domains add their own warehouse tables here (e.g. UGC interaction facts)."""
    if spec.name in TABLES and TABLES[spec.name] != spec:
        raise ValueError(f"warehouse table {spec.name!r} is already registered differently")
    TABLES[spec.name] = spec
    return spec
