"""Server-side intake in the Segment / RudderStack HTTP tracking spec.

Covers `track`, `page`, `identify` and `batch`.

A CDP forwards events with its own ids: `anonymousId` is a first-party visitor id, `userId`
an identified customer. Messages map onto tracker events, so enrichment, the WAL and
sessionization are the same; e-commerce spec names map onto Mercato's event names.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from mercato.collect.enrich import FIRST_PARTY_ID, IDENTIFIED, Hit, SiteConfig
from mercato.collect.payload import MAX_PROPS, Item, TrackerEvent, error_location
from mercato.core.errors import ValidationFailed
from mercato.core.timeutil import utcnow

MAX_BATCH_MESSAGES = 500
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
    type: Literal["track", "page", "identify", "screen"]
    messageId: str | None = Field(default=None, max_length=128)
    anonymousId: str | None = Field(default=None, max_length=128)
    userId: str | None = Field(default=None, max_length=128)
    event: str | None = Field(default=None, max_length=200)
    name: str | None = Field(default=None, max_length=200)
    properties: dict[str, Any] = Field(default_factory=dict)
    traits: dict[str, Any] = Field(default_factory=dict)
    context: Context = Field(default_factory=Context)
    timestamp: datetime | None = None
    sentAt: datetime | None = None


class BatchRequest(_Loose):
    batch: list[dict[str, Any]] = Field(min_length=1, max_length=MAX_BATCH_MESSAGES)
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
    if message.type == "identify":
        return "identify"
    if not message.event:
        raise ValidationFailed("a track message needs an event name", location="event")
    mapped = SPEC_EVENT_NAMES.get(message.event.strip().lower())
    return mapped or UNSAFE_NAME.sub("_", message.event.strip())[:64] or "event"


def _money(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.001"))  # KWD/BHD; enrich rounds further
    except (InvalidOperation, ValueError):
        raise ValidationFailed("not an amount", location="properties.revenue") from None
    return amount if amount.is_finite() and amount >= 0 else None


def _items(products: Any) -> list[Item] | None:
    if not isinstance(products, list):
        return None
    return [
        Item(
            id=str(p.get("product_id") or p.get("id") or "") or None,
            sku=p.get("sku"),
            name=p.get("name"),
            quantity=int(p.get("quantity") or 1),
            price=_money(p.get("price")),
        )
        for p in products[:200]
        if isinstance(p, dict)
    ]


def _props(properties: dict[str, Any]) -> dict[str, Any] | None:
    scalars = {
        str(k)[:64]: (v[:500] if isinstance(v, str) else v)
        for k, v in properties.items()
        if isinstance(v, str | int | float | bool) and k not in ("revenue", "total", "currency")
    }
    return dict(list(scalars.items())[:MAX_PROPS]) or None


def to_tracker_event(message: Message, site: SiteConfig) -> tuple[TrackerEvent, SiteConfig, Hit]:
    """One spec message as a tracker event, with the site's identity mode the message implies."""
    visitor = message.anonymousId or message.userId
    if not visitor:
        raise ValidationFailed("anonymousId or userId is required", location="anonymousId")
    page = message.context.page or PageContext()
    properties = message.properties
    campaign = message.context.campaign
    attribution = (
        {
            f"utm_{name}": value
            for name, value in (
                ("source", campaign.source),
                ("medium", campaign.medium),
                ("campaign", campaign.name),
                ("term", campaign.term),
                ("content", campaign.content),
            )
            if value
        }
        if campaign
        else None
    )
    revenue = _money(properties.get("revenue", properties.get("total")))
    event = TrackerEvent(
        name=_event_name(message),
        url=str(page.url or properties.get("url") or f"https://{site.domain}/"),
        referrer=page.referrer or properties.get("referrer") or None,
        event_id=message.messageId,
        ts=_ms(message.timestamp),
        visitor_id=visitor,
        customer_id=message.userId,
        consent=True,
        props=_props(properties),
        attribution=attribution or None,
        order_id=str(properties["order_id"]) if properties.get("order_id") else None,
        revenue=revenue,
        currency=properties.get("currency") if revenue is not None else None,
        items=_items(properties.get("products")),
    )
    mode = IDENTIFIED if message.userId else FIRST_PARTY_ID
    now = utcnow()
    received = now.replace(microsecond=now.microsecond // 1000 * 1000)  # whole milliseconds
    # A CDP forwards the original `timestamp` from servers that keep time: it is trusted as
    # is (within the collector's 7-day window), not shifted by `sentAt` like browser hits.
    sent_at = _ms(received)
    return (
        event,
        replace(site, identity_mode=mode),
        Hit(
            ip=message.context.ip or "",
            user_agent=message.context.userAgent or "",
            received_at=received,
            sent_at_ms=sent_at,
            server_side=True,
        ),
    )


def parse_message(document: dict[str, Any], index: int | None = None) -> Message:
    prefix = f"batch[{index}]." if index is not None else ""
    try:
        return Message.model_validate(document)
    except ValidationError as error:
        first = error.errors(include_url=False)[0]
        raise ValidationFailed(
            first["msg"], location=prefix + error_location(tuple(first["loc"]))
        ) from None


def convert(
    message: Message, site: SiteConfig, index: int | None = None
) -> tuple[TrackerEvent, SiteConfig, Hit]:
    prefix = f"batch[{index}]." if index is not None else ""
    try:
        return to_tracker_event(message, site)
    except ValidationError as error:
        first = error.errors(include_url=False)[0]
        raise ValidationFailed(
            first["msg"], location=prefix + error_location(tuple(first["loc"]))
        ) from None
    except ValidationFailed as error:
        raise ValidationFailed(error.message, location=prefix + (error.location or "")) from None
