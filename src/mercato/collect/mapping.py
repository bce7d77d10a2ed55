"""Mapping files for event-log imports: which column holds which field, and event name aliases.

```toml
optional = ["referrer", "revenue"]       # fields whose column may be missing in some files
[columns]                                # field = column, or alternatives (first present wins)
ts = ["timestamp", "time"]
name = "event"
visitor_id = ["distinct_id", "anonymous_id"]
order_id = "properties.order_id"         # dotted path into a JSON column or nested object
[events]                                 # Mercato name = the tool's names
purchase = ["purchase", "Order Completed"]
[properties]
column = "properties"                    # JSON object whose scalar keys become event props
[items]                                  # line-item keys (GA4/Segment/Shopify ones are known)
id = ["article_no"]
```
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mercato.core.errors import ValidationFailed

FIELDS = (
    "event_id",
    "ts",
    "name",
    "url",
    "referrer",
    "visitor_id",
    "customer_id",
    "user_agent",
    "order_id",
    "revenue",
    "currency",
    "engaged_ms",
    "scroll_pct",
    "form",
    "items",
    "source",
    "medium",
    "campaign",
    "content",
    "term",
    "channel",
)
REQUIRED = ("ts", "name", "visitor_id")
# Acquisition fields in their own columns; they feed the channel rules as UTM parameters.
ACQUISITION = {
    "source": "utm_source",
    "medium": "utm_medium",
    "campaign": "utm_campaign",
    "content": "utm_content",
    "term": "utm_term",
}
# Keys of a purchase's line items: Mercato's key = the keys other tools use (GA4's item_*,
# Segment's and Shopify's product_id/title). `[items]` in a mapping replaces a key's list.
ITEM_KEYS: dict[str, tuple[str, ...]] = {
    "id": ("id", "item_id", "product_id"),
    "sku": ("sku", "item_sku"),
    "name": ("name", "item_name", "title"),
    "quantity": ("quantity", "qty"),
    "price": ("price", "item_price"),
}
TIME_FORMATS = ("auto", "iso", "unix_s", "unix_ms")


@dataclass(frozen=True)
class Mapping:
    columns: dict[str, tuple[str, ...]]
    event_names: dict[str, str]  # the tool's name (lower case) -> Mercato's name
    optional: frozenset[str] = frozenset()
    properties_column: str | None = None
    time_format: str = "auto"
    keep_unmapped_events: bool = True
    derive_order_ids: bool = True  # a purchase without an order id gets one from its row
    item_keys: dict[str, tuple[str, ...]] = field(default_factory=lambda: dict(ITEM_KEYS))
    extra: dict[str, Any] = field(default_factory=dict)


def _names(value: Any, where: str) -> tuple[str, ...]:
    if isinstance(value, str) and value:
        return (value,)
    if isinstance(value, list) and value and all(isinstance(v, str) and v for v in value):
        return tuple(value)
    raise ValidationFailed("expected a name or a list of names", location=where)


def parse_mapping(document: dict[str, Any], source: str = "mapping") -> Mapping:
    columns_table = document.get("columns")
    if not isinstance(columns_table, dict):
        raise ValidationFailed("a [columns] table is required", location=f"{source}:columns")
    unknown = sorted(set(columns_table) - set(FIELDS))
    if unknown:
        raise ValidationFailed(
            f"unknown field(s) {unknown}; known: {', '.join(FIELDS)}", location=f"{source}:columns"
        )
    columns = {
        name: _names(value, f"{source}:columns.{name}") for name, value in columns_table.items()
    }
    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        raise ValidationFailed(
            f"required field(s) {missing} have no column", location=f"{source}:columns"
        )
    events: dict[str, str] = {}
    for target, aliases in (document.get("events") or {}).items():
        for alias in _names(aliases, f"{source}:events.{target}"):
            events[alias.strip().lower()] = target
    optional = document.get("optional", [])
    if not isinstance(optional, list) or not set(optional) <= set(FIELDS):
        raise ValidationFailed("optional lists field names", location=f"{source}:optional")
    options = document.get("options") or {}
    time_format = options.get("timestamp_format", "auto")
    if time_format not in TIME_FORMATS:
        raise ValidationFailed(
            f"use one of {TIME_FORMATS}", location=f"{source}:options.timestamp_format"
        )
    properties = document.get("properties") or {}
    return Mapping(
        item_keys=_item_keys(document.get("items") or {}, source),
        derive_order_ids=bool(options.get("derive_order_ids", True)),
        columns=columns,
        event_names=events,
        optional=frozenset(optional),
        properties_column=properties.get("column"),
        time_format=time_format,
        keep_unmapped_events=bool(options.get("keep_unmapped_events", True)),
    )


def _item_keys(table: Any, source: str) -> dict[str, tuple[str, ...]]:
    if not isinstance(table, dict) or not set(table) <= set(ITEM_KEYS):
        raise ValidationFailed(
            f"[items] maps item keys ({', '.join(ITEM_KEYS)}) to the file's keys",
            location=f"{source}:items",
        )
    renamed = {key: _names(value, f"{source}:items.{key}") for key, value in table.items()}
    return {**ITEM_KEYS, **renamed}


def load_mapping(path: Path) -> Mapping:
    try:
        document = tomllib.loads(path.read_text())
    except FileNotFoundError:
        raise ValidationFailed("mapping file does not exist", location=str(path)) from None
    except tomllib.TOMLDecodeError as exc:
        raise ValidationFailed(f"not valid TOML: {exc}", location=str(path)) from None
    return parse_mapping(document, str(path))
