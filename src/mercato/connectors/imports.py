"""`mercato import <kind> FILE…` and the upload form: every import kind in one registry.

An import first reads and validates every file completely (a bad cell anywhere stops it
with file, line and column), then writes everything in one warehouse transaction or one
catalog session: a bad file writes nothing. Natural keys make a second import a no-op.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa

from mercato.catalog.db import Catalog
from mercato.catalog.quality import MERGED, ORDERS, STORED, UPDATED, QualityReport
from mercato.connectors import events_log
from mercato.connectors import products as product_import
from mercato.connectors.adspend import AdSpendDay, store_ad_spend
from mercato.connectors.csvfile import Table, read_table
from mercato.connectors.exports import (
    generic_social,
    meta_ads,
    meta_daily,
    meta_posts,
    pinterest_ads,
    tiktok_ads,
    tiktok_studio,
    x_analytics,
)
from mercato.connectors.generic_orders import (
    LINE_FIELDS,
    ORDER_FIELDS,
    REQUIRED_FIELDS,
    ColumnMapping,
    parse_generic_orders,
)
from mercato.connectors.order_tables import OrderTables, store_order_tables
from mercato.connectors.orders import Order, store_orders
from mercato.connectors.parsing import NumberLocale
from mercato.connectors.results import ImportSummary
from mercato.connectors.shopify_orders import read_shopify_orders
from mercato.connectors.social import AccountDay, PostSnapshot, store_social
from mercato.core.errors import ValidationFailed
from mercato.core.labels import N_
from mercato.warehouse.bulk import load_bulk
from mercato.warehouse.connection import Warehouse
from mercato.warehouse.loader import LoadMode


@dataclass(frozen=True)
class ImportOptions:
    workspace_id: str
    currency: str = "USD"
    mapping: dict[str, Any] | None = None
    mapping_source: str = "mapping"
    account_id: str | None = None
    platform: str | None = None
    as_of: date | None = None
    shop_url: str = ""
    locale: NumberLocale = NumberLocale.EN
    site_id: str | None = None

    def account(self, kind: str) -> str:
        if not self.account_id:
            raise ValidationFailed(
                N_("import %(kind)s: name the social account (--account)"),
                location="account",
                params={"kind": kind},
            )
        return self.account_id

    def require_mapping(self, kind: str) -> dict[str, Any]:
        if self.mapping is None:
            raise ValidationFailed(
                f"import {kind}: a column mapping is required (--mapping)", location="mapping"
            )
        return self.mapping


@dataclass
class Prepared:
    """Everything parsed from the files, not yet written."""

    orders: list[Order] = field(default_factory=list)
    order_tables: list[OrderTables] = field(default_factory=list)  # column-wise readers
    products: list[product_import.ProductRecord] = field(default_factory=list)
    ad_spend: list[AdSpendDay] = field(default_factory=list)
    # The platforms one ad's spend may be stored under (Meta's), replaced together.
    ad_family: frozenset[str] = frozenset()
    snapshots: list[PostSnapshot] = field(default_factory=list)
    days: list[AccountDay] = field(default_factory=list)
    events: list[pa.Table] = field(default_factory=list)
    rows_read: int = 0


Parser = Callable[[Table, ImportOptions, Prepared], None]
BytesParser = Callable[[str, bytes, ImportOptions, Prepared], None]


@dataclass(frozen=True)
class ImportKind:
    name: str
    description: str
    parse: Parser | None = None
    preamble_lines: int = 0
    parse_bytes: BytesParser | None = None  # column-wise readers for very large files
    # The table one file row lands in, for the data-quality accounting (None: a row fans out
    # into many rows, e.g. one post row into one row per metric).
    primary: str | None = None


POSTS = "social_posts"  # one row of a post export is one post (its metrics fan out)


def _orders_shopify(name: str, data: bytes, o: ImportOptions, p: Prepared) -> None:
    tables, rows = read_shopify_orders(data, name)
    p.order_tables.append(tables)
    p.rows_read += rows


def _orders_csv(t: Table, o: ImportOptions, p: Prepared) -> None:
    mapping = ColumnMapping(
        o.require_mapping("orders-csv"),
        ORDER_FIELDS + LINE_FIELDS,
        REQUIRED_FIELDS,
        o.mapping_source,
    )
    p.orders += parse_generic_orders(t, mapping)


def _products_shopify(t: Table, o: ImportOptions, p: Prepared) -> None:
    p.products += product_import.parse_shopify_products(t, o.currency, o.shop_url)


def _products_csv(t: Table, o: ImportOptions, p: Prepared) -> None:
    mapping = product_import.product_mapping(o.require_mapping("products-csv"), o.mapping_source)
    p.products += product_import.parse_generic_products(t, mapping, o.currency)


def _meta_posts(t: Table, o: ImportOptions, p: Prepared) -> None:
    snapshots = meta_posts.parse_meta_posts(t, as_of=o.as_of, locale=o.locale)
    if o.account_id:
        snapshots = [_for_account(s, o.account_id) for s in snapshots]
    p.snapshots += snapshots


def _for_account(snapshot: PostSnapshot, account_id: str) -> PostSnapshot:
    return replace(snapshot, post=replace(snapshot.post, account_id=account_id))


def _meta_daily(t: Table, o: ImportOptions, p: Prepared) -> None:
    if o.platform not in ("facebook", "instagram"):
        raise ValidationFailed(
            N_("meta-daily: --platform must be facebook or instagram"), location="platform"
        )
    p.days += meta_daily.parse_meta_daily(t, o.account("meta-daily"), o.platform, o.locale)


def _tiktok_posts(t: Table, o: ImportOptions, p: Prepared) -> None:
    p.snapshots += tiktok_studio.parse_tiktok_content(
        t, o.account("tiktok-posts"), as_of=o.as_of, locale=o.locale
    )


def _tiktok_daily(t: Table, o: ImportOptions, p: Prepared) -> None:
    p.days += tiktok_studio.parse_tiktok_daily(
        t, o.account("tiktok-daily"), as_of=o.as_of, locale=o.locale
    )


def _x_posts(t: Table, o: ImportOptions, p: Prepared) -> None:
    if x_analytics.is_x_legacy(t):
        p.snapshots += x_analytics.parse_x_legacy(
            t, o.account("x-posts"), as_of=o.as_of, locale=o.locale
        )
        return
    p.snapshots += x_analytics.parse_x_content(
        t, o.account("x-posts"), as_of=o.as_of, locale=o.locale
    )


def _x_daily(t: Table, o: ImportOptions, p: Prepared) -> None:
    p.days += x_analytics.parse_x_overview(t, o.account("x-daily"), o.locale)


def _pinterest_posts(t: Table, o: ImportOptions, p: Prepared) -> None:
    mapping = {
        "platform": "pinterest",
        "post_id": "Pin ID",
        "posted_at": "Created at",
        "caption": "Title",
        "permalink": "Pin link",
        "metrics": {
            "Impressions": "views",
            "Saves": "saves",
            "Pin clicks": "pin_clicks",
            "Outbound clicks": "link_clicks",
            "Engagements": "engagements",
        },
        **(o.mapping or {}),
    }
    p.snapshots += generic_social.parse_generic_posts(
        t, mapping, o.account("pinterest-posts"), as_of=o.as_of
    )


def _meta_ads(t: Table, o: ImportOptions, p: Prepared) -> None:
    p.ad_spend += meta_ads.parse_meta_ads(t, o.locale)
    p.ad_family = meta_ads.META_PLATFORMS


def _tiktok_ads(t: Table, o: ImportOptions, p: Prepared) -> None:
    p.ad_spend += tiktok_ads.parse_tiktok_ads(t, o.currency, o.locale)


def _pinterest_ads(t: Table, o: ImportOptions, p: Prepared) -> None:
    p.ad_spend += pinterest_ads.parse_pinterest_ads(t, o.currency, o.locale)


def _events_csv(name: str, data: bytes, o: ImportOptions, p: Prepared) -> None:
    events = events_log.read_events(data, name, o.workspace_id, o.site_id)
    p.events.append(events)
    p.rows_read += events.num_rows


def _generic(t: Table, o: ImportOptions, p: Prepared) -> None:
    p.snapshots += generic_social.parse_generic_posts(
        t,
        o.require_mapping("generic"),
        o.account_id or "",
        as_of=o.as_of,
        mapping_source=o.mapping_source,
    )


KINDS: dict[str, ImportKind] = {
    kind.name: kind
    for kind in (
        ImportKind(
            "orders-shopify",
            "Shopify orders export (CSV)",
            parse_bytes=_orders_shopify,
            primary="orders",
        ),
        ImportKind(
            "orders-csv", "orders from any CSV, with --mapping", _orders_csv, primary="orders"
        ),
        ImportKind(
            "products-shopify",
            "Shopify products export (CSV)",
            _products_shopify,
            primary="products",
        ),
        ImportKind(
            "products-csv",
            "products from any CSV, with --mapping",
            _products_csv,
            primary="products",
        ),
        ImportKind(
            "meta-posts",
            "Meta Business Suite post export (Facebook or Instagram)",
            _meta_posts,
            primary=POSTS,
        ),
        ImportKind(
            "meta-daily",
            "Meta Business Suite daily series (UTF-16, sep= line)",
            _meta_daily,
            preamble_lines=1,
        ),
        ImportKind("tiktok-posts", "TikTok Studio content export", _tiktok_posts, primary=POSTS),
        ImportKind(
            "tiktok-daily", "TikTok Studio Overview/FollowerHistory/Viewers export", _tiktok_daily
        ),
        ImportKind("x-posts", "X analytics content export", _x_posts, primary=POSTS),
        ImportKind("x-daily", "X analytics account overview export", _x_daily),
        ImportKind(
            "pinterest-posts",
            "Pinterest pin export (column names overridable with --mapping)",
            _pinterest_posts,
            primary=POSTS,
        ),
        ImportKind("meta-ads", "Meta Ads Manager export, by day", _meta_ads),
        ImportKind("tiktok-ads", "TikTok Ads Manager report, by day", _tiktok_ads),
        ImportKind("pinterest-ads", "Pinterest Ads export", _pinterest_ads),
        ImportKind("generic", "post metrics from any CSV, with --mapping", _generic, primary=POSTS),
        ImportKind(
            "events-csv",
            "site event log (CSV with the events table's columns)",
            parse_bytes=_events_csv,
            primary="events",
        ),
    )
}


def load_mapping(path: Path) -> dict[str, Any]:
    """A column mapping from a JSON or TOML file."""
    try:
        text = path.read_text()
        data = tomllib.loads(text) if path.suffix == ".toml" else json.loads(text)
    except OSError as exc:
        raise ValidationFailed(
            f"cannot read the mapping: {exc.strerror}", location=str(path)
        ) from None
    except (ValueError, tomllib.TOMLDecodeError) as exc:
        raise ValidationFailed(
            f"not valid {path.suffix.lstrip('.') or 'JSON'}: {exc}", location=str(path)
        ) from None
    if not isinstance(data, dict):
        raise ValidationFailed("a mapping must be an object", location=str(path))
    return data


def prepare(kind: str, files: Sequence[tuple[str, bytes]], options: ImportOptions) -> Prepared:
    """Parse and validate every file; nothing is written."""
    try:
        spec = KINDS[kind]
    except KeyError:
        raise ValidationFailed(
            f"unknown import kind {kind!r}; known: {sorted(KINDS)}", location="kind"
        ) from None
    prepared = Prepared()
    for name, data in files:
        if spec.parse_bytes is not None:
            spec.parse_bytes(name, data, options, prepared)
            continue
        assert spec.parse is not None
        table = read_table(data, name, preamble_lines=spec.preamble_lines)
        spec.parse(table, options, prepared)
        prepared.rows_read += len(table.rows)
    return prepared


def commit(
    catalog: Catalog,
    warehouse: Warehouse,
    options: ImportOptions,
    prepared: Prepared,
    summary: ImportSummary,
) -> None:
    """Write what `prepare` produced: catalog rows in one session, warehouse rows in one
    transaction."""
    if prepared.products:
        product_import.store_products(catalog, options.workspace_id, prepared.products, summary)
    if prepared.orders:
        store_orders(catalog, warehouse, options.workspace_id, prepared.orders, summary)
    if prepared.order_tables:
        tables = OrderTables.concat(prepared.order_tables)
        store_order_tables(catalog, warehouse, options.workspace_id, tables, summary)
    if prepared.ad_spend:
        store_ad_spend(
            warehouse, options.workspace_id, prepared.ad_spend, summary, prepared.ad_family
        )
    if prepared.events:
        with warehouse.transaction():
            for events in prepared.events:
                summary.add_load(load_bulk(warehouse, "events", events, mode=LoadMode.INSERT_NEW))
    if prepared.snapshots or prepared.days:
        store_social(warehouse, options.workspace_id, summary, prepared.snapshots, prepared.days)


def quality_report(kind: str, summary: ImportSummary) -> QualityReport | None:
    """Each row read with one outcome: stored, updated, merged (already stored, or another
    line of an order counted once); None for kinds whose rows fan out into many rows."""
    primary = KINDS[kind].primary if kind in KINDS else None
    if primary is None:
        return None
    report = QualityReport(f"import:{kind}", ", ".join(summary.files)[:2000])
    report.rows_read = summary.rows_read
    report.add(STORED, summary.inserted[primary])
    report.add(UPDATED, summary.updated[primary])
    report.add(MERGED, summary.rows_read - summary.inserted[primary] - summary.updated[primary])
    for name, count in summary.flags.items():
        report.flag(name, count)
    report.flag(ORDERS, summary.inserted["orders"] + summary.updated["orders"])
    return report


def run_import(
    catalog: Catalog,
    warehouse: Warehouse,
    kind: str,
    files: Sequence[tuple[str, bytes]],
    options: ImportOptions,
) -> ImportSummary:
    summary = ImportSummary(kind=kind, files=[name for name, _ in files])
    prepared = prepare(kind, files, options)
    summary.rows_read = prepared.rows_read
    commit(catalog, warehouse, options, prepared, summary)
    return summary
