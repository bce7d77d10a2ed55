"""One event-log record under a mapping → a tracker event (what the collector would get).

Columns are looked up by the mapping's alternatives (dotted paths reach into JSON columns);
line items in GA4's, Segment's or Shopify's key names become Mercato's; acquisition
columns (source, medium, campaign, content, term) become UTM parameters for the channel
rules, and a `channel` column, where mapped, is taken as it is.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from mercato.collect.enrich import SiteConfig
from mercato.collect.mapping import ACQUISITION, REQUIRED, Mapping
from mercato.collect.payload import TrackerEvent, error_location
from mercato.core.errors import ValidationFailed

UNSAFE_NAME = re.compile(r"[^A-Za-z0-9_.:$ -]+")
# A Mercato location: its field, then an item index and key ("items[0].price") or a subkey.
LOCATION = re.compile(r"(?P<field>[a-z_]+)(?:\[(?P<index>\d+)\](?:\.(?P<key>\w+))?)?(?P<rest>.*)")
# Tracker fields the mapping fills from other fields: the acquisition columns become UTM
# parameters under `attribution`.
UTM_FIELDS = {param: name for name, param in ACQUISITION.items()}
DERIVED_PREFIX = "drv_"


class EmptyVisitorId(Exception):
    """The row names no visitor: it cannot join a session, so it is counted, not stored."""


def _with_input(message: str, value: Any) -> str:
    """The validator's message with the file's value, so the user sees what to fix."""
    if isinstance(value, dict | list) or value is None or repr(value) in message:
        return message
    shown = repr(value) if len(repr(value)) <= 60 else repr(value)[:57] + "..."
    return f"{message}, got {shown}"


def lookup(record: dict[str, Any], path: str) -> tuple[bool, Any]:
    if path in record:
        return True, record[path]
    head, _, rest = path.partition(".")
    if not rest or head not in record:
        return False, None
    inner = record[head]
    if isinstance(inner, str):
        try:
            inner = json.loads(inner)
        except ValueError:
            return False, None
    return lookup(inner, rest) if isinstance(inner, dict) else (False, None)


def _value(record: dict[str, Any], columns: tuple[str, ...]) -> tuple[bool, Any]:
    for column in columns:
        found, value = lookup(record, column)
        if found:
            return True, value
    return False, None


def parse_time(value: Any, time_format: str) -> datetime:
    """ISO 8601 (any offset, any fraction of a second) or Unix seconds / milliseconds."""
    if isinstance(value, int | float) or (
        isinstance(value, str) and re.fullmatch(r"\d+(\.\d+)?", value)
    ):
        number = float(value)
        seconds = (
            number / 1000
            if time_format == "unix_ms" or (time_format == "auto" and number > 1e11)
            else number
        )
        return datetime.fromtimestamp(seconds, UTC).replace(tzinfo=None)
    if not isinstance(value, str):
        raise ValueError("not a timestamp")
    moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def row_digest(record: dict[str, Any]) -> str:
    canonical = json.dumps(record, sort_keys=True, default=str, separators=(",", ":"))
    return "imp_" + hashlib.blake2b(canonical.encode(), digest_size=16).hexdigest()


def derived_order_id(event_id: str) -> str:
    """Stable: the same row (so the same event id) always gets the same order id."""
    return DERIVED_PREFIX + hashlib.blake2b(event_id.encode(), digest_size=8).hexdigest()


class RowReader:
    """Turns one file's records into tracker events under a mapping."""

    def __init__(self, mapping: Mapping, site: SiteConfig) -> None:
        self.mapping = mapping
        self.site = site

    def missing_columns(self, header: list[str]) -> list[str]:
        """Mapped fields with none of their columns in a CSV header (and not declared optional)."""
        present = set(header)
        return [
            name
            for name, columns in self.mapping.columns.items()
            if name not in self.mapping.optional
            and not any(c in present or c.split(".", 1)[0] in present for c in columns)
        ]

    def column_of(self, record: dict[str, Any], name: str) -> str:
        """The file's column a field was read from (the first alternative present), or its
        alternatives when none is present."""
        columns = self.mapping.columns.get(name, ())
        found = next((column for column in columns if lookup(record, column)[0]), None)
        return found or " or ".join(columns) or name

    def locate(self, record: dict[str, Any], location: str) -> str:
        """A Mercato field location (`revenue`, `items[0].price`, `attribution.utm_source`)
        in the file's own words: its column, and an item's key as the file spells it."""
        match = LOCATION.fullmatch(location)
        if match is None:
            return location
        name, rest = match["field"], match["rest"]
        if name == "attribution" and rest.startswith("."):
            name, rest = UTM_FIELDS.get(rest[1:], name), ""
        if name == "props" and self.mapping.properties_column:
            return self.mapping.properties_column + rest
        if name not in self.mapping.columns:
            return location
        column = self.column_of(record, name)
        if match["index"] is None:
            return column + rest
        index = int(match["index"])
        key = match["key"]
        if name == "items" and key is not None:
            key = self._item_spelling(_value(record, self.mapping.columns[name])[1], index, key)
        return f"{column}[{index}]" + (f".{key}" if key else "") + rest

    def _item_spelling(self, items: Any, index: int, key: str) -> str:
        """The key the file's item `index` used for Mercato's item key `key`."""
        if isinstance(items, str):
            try:
                items = json.loads(items)
            except ValueError:
                return key
        if not isinstance(items, list) or index >= len(items) or not isinstance(items[index], dict):
            return key
        item = items[index]
        spellings = self.mapping.item_keys.get(key, (key,))
        return next((s for s in spellings if item.get(s) not in (None, "")), key)

    def values(self, record: dict[str, Any]) -> dict[str, Any]:
        values = {name: _value(record, cols)[1] for name, cols in self.mapping.columns.items()}
        for name in REQUIRED:
            value = values.get(name)
            if value is None or (isinstance(value, str) and not value.strip()):
                if name == "visitor_id":
                    raise EmptyVisitorId
                raise ValidationFailed("required value is missing", location=name)
        return values

    def event(
        self, record: dict[str, Any], values: dict[str, Any]
    ) -> tuple[TrackerEvent | None, datetime]:
        """The event (None: an event name the mapping does not keep) and its UTC time."""
        try:
            ts = parse_time(values["ts"], self.mapping.time_format)
        except (ValueError, OverflowError, OSError):
            raise ValidationFailed(f"not a timestamp: {values['ts']!r}", location="ts") from None
        raw_name = str(values["name"]).strip()
        mapped = self.mapping.event_names.get(raw_name.lower())
        if mapped is None and not self.mapping.keep_unmapped_events:
            return None, ts
        fields = self._fields(values, mapped or UNSAFE_NAME.sub("_", raw_name)[:64], record)
        try:
            return TrackerEvent.model_validate(fields), ts
        except ValidationError as error:
            first = error.errors(include_url=False)[0]
            raise ValidationFailed(
                _with_input(first["msg"], first.get("input")),
                location=error_location(tuple(first["loc"])),
            ) from None

    def _fields(self, values: dict[str, Any], name: str, record: dict[str, Any]) -> dict[str, Any]:
        event_id = values.get("event_id") or row_digest(record)
        order_id = values.get("order_id")
        if name == "purchase" and order_id in (None, "") and self.mapping.derive_order_ids:
            order_id = derived_order_id(str(event_id))
        fields = {
            "name": name,
            "url": values.get("url") or f"https://{self.site.domain}/",
            "referrer": values.get("referrer"),
            "event_id": event_id,
            "visitor_id": str(values["visitor_id"]).strip(),
            "customer_id": values.get("customer_id"),
            "consent": True,
            "order_id": order_id,
            "revenue": values.get("revenue"),
            "currency": values.get("currency"),
            "engaged_ms": values.get("engaged_ms"),
            "scroll_pct": values.get("scroll_pct"),
            "form": values.get("form"),
            "items": self._items(values.get("items")),
            "props": self._props(record),
            "attribution": self._attribution(values),
        }
        return {
            k: (str(v) if k in ("order_id", "customer_id", "event_id") and v is not None else v)
            for k, v in fields.items()
            if v is not None
        }

    def _attribution(self, values: dict[str, Any]) -> dict[str, str] | None:
        found = {
            param: str(values[name]).strip()[:500]
            for name, param in ACQUISITION.items()
            if values.get(name) not in (None, "")
        }
        return found or None

    def _items(self, items: Any) -> list[Any] | None:
        if isinstance(items, str):
            try:
                items = json.loads(items)
            except ValueError:
                raise ValidationFailed("not a JSON list", location="items") from None
        if items is None:
            return None
        if not isinstance(items, list):
            raise ValidationFailed("not a JSON list", location="items")
        return [self._item(item) if isinstance(item, dict) else item for item in items]

    def _item(self, item: dict[str, Any]) -> dict[str, Any]:
        """Mercato's item keys from whichever of the known spellings the item uses."""
        named: dict[str, Any] = {}
        for key, spellings in self.mapping.item_keys.items():
            value = next((item[s] for s in spellings if item.get(s) not in (None, "")), None)
            if value is not None:
                named[key] = str(value) if key in ("id", "sku") else value
        return named

    def _props(self, record: dict[str, Any]) -> dict[str, Any] | None:
        column = self.mapping.properties_column
        if not column:
            return None
        found, value = lookup(record, column)
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                raise ValidationFailed("not a JSON object", location=column) from None
        if not found or not isinstance(value, dict):
            return None
        scalars = {
            str(k)[:64]: v
            for k, v in value.items()
            if isinstance(v, str | int | float | bool) and not (isinstance(v, str) and len(v) > 500)
        }
        return dict(list(scalars.items())[:32]) or None
