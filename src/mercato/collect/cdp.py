"""Server-side intake in the Segment / RudderStack HTTP tracking spec.

Every spec type is answered: `track`, `page`, `screen`, `identify` and `alias` are stored;
`group` (and any type the spec may add) is skipped with a reason; a message with a bad value
is rejected with the field it names. One bad message never costs the rest of its batch.

A CDP forwards events with its own ids: `anonymousId` is a first-party visitor id, `userId`
an identified customer. Messages map onto tracker events, so enrichment, the WAL and
sessionization are the same; e-commerce spec names map onto Mercato's event names.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from mercato.collect.enrich import FIRST_PARTY_ID, IDENTIFIED, Hit, SiteConfig, check_commerce
from mercato.collect.payload import MAX_PROPS, Item, TrackerEvent, error_location
from mercato.core.errors import ValidationFailed
from mercato.core.timeutil import utcnow

MAX_BATCH_MESSAGES = 500
STORED_TYPES = ("track", "page", "screen", "identify", "alias")
SKIPPED_TYPES = {
    "group": "group messages are not stored: Mercato keeps no accounts or companies",
}
SPEC_EVENT_NAMES = {
    "order completed": "purchase",
    "product added": "add_to_cart",
    "checkout started": "begin_checkout",
    "lead": "generate_lead",
    "lead captured": "generate_lead",
    "signed up": "generate_lead",
    "form submitted": "generate_lead",
    "product viewed": "view_item",
}
UNSAFE_NAME = re.compile(r"[^A-Za-z0-9_.:$ -]+")


class _Loose(BaseModel):
    # CDPs send many more fields than Mercato reads; unknown ones are ignored, known ones typed.
    model_config = ConfigDict(extra="ignore")


class PageContext(_Loose):
    url: str | None = Field(default=None, max_length=4096)
    referrer: str | None = Field(default=None, max_length=4096)


class Campaign(_Loose):
    name: str | None = Field(default=None, max_length=500)
    source: str | None = Field(default=None, max_length=500)
    medium: str | None = Field(default=None, max_length=500)
    term: str | None = Field(default=None, max_length=500)
    content: str | None = Field(default=None, max_length=500)


class Context(_Loose):
    ip: str | None = Field(default=None, max_length=64)
    userAgent: str | None = Field(default=None, max_length=2000)
    page: PageContext | None = None
    campaign: Campaign | None = None


class Message(_Loose):
    type: Literal["track", "page", "identify", "screen", "alias"]
    messageId: str | None = Field(default=None, max_length=128)
    anonymousId: str | None = Field(default=None, max_length=128)
    userId: str | None = Field(default=None, max_length=128)
    previousId: str | None = Field(default=None, max_length=128)
    event: str | None = Field(default=None, max_length=200)
    name: str | None = Field(default=None, max_length=200)
    properties: dict[str, Any] = Field(default_factory=dict)
    traits: dict[str, Any] = Field(default_factory=dict)
    context: Context = Field(default_factory=Context)
    timestamp: datetime | None = None
    originalTimestamp: datetime | None = None
    sentAt: datetime | None = None


class BatchRequest(_Loose):
    batch: list[Any] = Field(min_length=1, max_length=MAX_BATCH_MESSAGES)
    sentAt: datetime | None = None
    context: dict[str, Any] | None = None


def _ms(moment: datetime | None) -> int | None:
    """Milliseconds since the epoch; a time without zone is UTC, as the spec's ISO-8601 says."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0, int(moment.timestamp() * 1000))


def _event_name(message: Message) -> str:
    if message.type in ("page", "screen"):
        return "pageview"
    if message.type in ("identify", "alias"):
        return message.type
    if not message.event:
        raise ValidationFailed("a track message needs an event name", location="event")
    mapped = SPEC_EVENT_NAMES.get(message.event.strip().lower())
    return mapped or UNSAFE_NAME.sub("_", message.event.strip())[:64] or "event"


def _money(value: Any, location: str) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValidationFailed("must be a number or a decimal string", location=location)
    try:
        amount = Decimal(str(value).strip())
    except ArithmeticError:
        raise ValidationFailed(f"not an amount: {str(value)[:40]!r}", location=location) from None
    if not amount.is_finite() or amount < 0:
        raise ValidationFailed("must be a finite amount ≥ 0", location=location)
    return amount.quantize(Decimal("0.001"))  # KWD/BHD; enrich rounds to the currency's unit


def _quantity(value: Any, location: str) -> int:
    if value is None:
        return 1
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationFailed("must be a whole number", location=location)
    return value


def _items(products: Any) -> list[Item] | None:
    if products is None:
        return None
    if not isinstance(products, list):
        raise ValidationFailed("must be a list of products", location="properties.products")
    items = []
    for index, product in enumerate(products[:200]):
        where = f"properties.products[{index}]"
        if not isinstance(product, dict):
            raise ValidationFailed("must be an object", location=where)
        identifier = product.get("product_id") or product.get("id") or product.get("sku")
        items.append(
            Item(
                id=str(identifier) if identifier not in (None, "") else None,
                sku=str(product["sku"]) if product.get("sku") not in (None, "") else None,
                name=str(product["name"]) if product.get("name") not in (None, "") else None,
                quantity=_quantity(product.get("quantity"), f"{where}.quantity"),
                price=_money(product.get("price"), f"{where}.price"),
            )
        )
    return items


def _props(properties: dict[str, Any]) -> dict[str, Any] | None:
    scalars = {
        str(k)[:64]: (v[:500] if isinstance(v, str) else v)
        for k, v in properties.items()
        if isinstance(v, str | int | float | bool) and k not in ("revenue", "total", "currency")
    }
    return dict(list(scalars.items())[:MAX_PROPS]) or None


def _attribution(campaign: Campaign | None) -> dict[str, str] | None:
    if campaign is None:
        return None
    named = (
        ("source", campaign.source),
        ("medium", campaign.medium),
        ("campaign", campaign.name),
        ("term", campaign.term),
        ("content", campaign.content),
    )
    return {f"utm_{name}": value for name, value in named if value} or None


def _visitor(message: Message) -> str:
    if message.type == "alias":  # the earlier id is the visitor; userId the customer
        if not message.previousId or not message.userId:
            raise ValidationFailed("an alias needs previousId and userId", location="previousId")
        return message.previousId
    visitor = message.anonymousId or message.userId
    if not visitor:
        raise ValidationFailed("anonymousId or userId is required", location="anonymousId")
    return visitor


def _clock(
    message: Message, batch_sent_at: datetime | None, received: datetime
) -> tuple[int | None, int | None]:
    """(event ms, send ms) for the collector's clock rule.

    A `timestamp` is kept as sent (the source keeps time, or replays history). Without one,
    `originalTimestamp` is the device's clock, moved by the device's own `sentAt` as Segment
    does: receivedAt - (sentAt - originalTimestamp).
    """
    if message.timestamp is not None:
        return _ms(message.timestamp), _ms(received)
    sent_at = message.sentAt or batch_sent_at
    if message.originalTimestamp is not None:
        return _ms(message.originalTimestamp), _ms(sent_at) if sent_at else _ms(received)
    return None, None


def to_tracker_event(
    message: Message, site: SiteConfig, batch_sent_at: datetime | None = None
) -> tuple[TrackerEvent, SiteConfig, Hit]:
    """One spec message as a tracker event, with the site's identity mode the message implies."""
    visitor = _visitor(message)
    page = message.context.page or PageContext()
    properties = message.properties
    revenue = _money(
        properties.get("revenue", properties.get("total")),
        "properties.revenue" if "revenue" in properties else "properties.total",
    )
    now = utcnow()
    received = now.replace(microsecond=now.microsecond // 1000 * 1000)  # whole milliseconds
    ts, sent_at = _clock(message, batch_sent_at, received)
    event = TrackerEvent(
        name=_event_name(message),
        url=str(page.url or properties.get("url") or f"https://{site.domain}/"),
        referrer=page.referrer or properties.get("referrer") or None,
        event_id=message.messageId,
        ts=ts,
        visitor_id=visitor,
        customer_id=message.userId,
        consent=True,
        props=_props(properties),
        attribution=_attribution(message.context.campaign),
        order_id=str(properties["order_id"]) if properties.get("order_id") else None,
        revenue=revenue,
        currency=properties.get("currency") if revenue is not None else None,
        items=_items(properties.get("products")),
    )
    check_commerce(event)
    mode = IDENTIFIED if message.userId else FIRST_PARTY_ID
    hit = Hit(
        ip=message.context.ip or "",
        user_agent=message.context.userAgent or "",
        received_at=received,
        sent_at_ms=sent_at,
        server_side=True,
        keep_history=True,
    )
    return event, replace(site, identity_mode=mode), hit


@dataclass(frozen=True)
class Outcome:
    """What became of one message: converted, or skipped/rejected with the reason."""

    index: int
    message_id: str | None
    converted: tuple[TrackerEvent, SiteConfig, Hit] | None = None
    skipped: str | None = None
    rejected: ValidationFailed | None = None

    def report(self) -> dict[str, Any]:
        entry: dict[str, Any] = {"index": self.index, "messageId": self.message_id}
        if self.rejected is not None:
            entry.update(location=self.rejected.location, reason=self.rejected.reason)
        else:
            entry["reason"] = self.skipped
        return entry


def _first_error(error: ValidationError) -> ValidationFailed:
    first = error.errors(include_url=False)[0]
    return ValidationFailed(first["msg"], location=error_location(tuple(first["loc"])))


def read_message(
    document: Any,
    index: int,
    site_for: Callable[[Message], SiteConfig],
    batch_sent_at: datetime | None = None,
) -> Outcome:
    """One message's outcome; never raises for anything the message holds."""
    raw_id = document.get("messageId") if isinstance(document, dict) else None
    message_id = str(raw_id)[:128] if raw_id is not None else None
    if not isinstance(document, dict):
        return Outcome(index, None, rejected=ValidationFailed("must be an object", location=""))
    kind = document.get("type")
    if isinstance(kind, str) and kind in SKIPPED_TYPES:
        return Outcome(index, message_id, skipped=SKIPPED_TYPES[kind])
    if not isinstance(kind, str) or kind not in STORED_TYPES:
        reason = f"message type {str(kind)[:40]!r} is not one Mercato stores; skipped"
        return Outcome(index, message_id, skipped=reason)
    try:
        message = Message.model_validate(document)
        return Outcome(
            index, message_id, converted=to_tracker_event(message, site_for(message), batch_sent_at)
        )
    except ValidationError as error:
        return Outcome(index, message_id, rejected=_first_error(error))
    except ValidationFailed as error:
        return Outcome(index, message_id, rejected=error)
