"""Turn a validated hit into a warehouse `events` row: identity, time, client, channel, page."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, cast
from urllib.parse import urlencode, urlsplit

from mercato.collect.channels import Acquisition, classify, query_params
from mercato.collect.geo import country_of
from mercato.collect.identity import SaltStore, cookieless_visitor_id
from mercato.collect.pages import DEFAULT_PAGE_TYPES, PageTypes
from mercato.collect.payload import ATTRIBUTION_PARAMS, TrackerEvent
from mercato.collect.useragent import parse_client
from mercato.core.errors import ValidationFailed
from mercato.core.ids import new_id
from mercato.core.money import parse_amount
from mercato.core.settings import IdentityMode
from mercato.warehouse.rows import EventRecord

MAX_CLOCK_SKEW = timedelta(days=7)
# Stored names are GA4's recommended e-commerce names (docs/collect.md, "Install the tracker"); the
# tracker's helper
# names and common spellings are accepted for them.
EVENT_ALIASES = {
    "lead": "generate_lead",
    "checkout_start": "begin_checkout",
    "page_view": "pageview",
    "$pageview": "pageview",
}
COOKIELESS = IdentityMode.COOKIELESS
FIRST_PARTY_ID = IdentityMode.FIRST_PARTY_ID
IDENTIFIED = IdentityMode.IDENTIFIED


@dataclass(frozen=True)
class SiteConfig:
    """What the collector needs to know about a site; the web layer reads it from the catalog."""

    site_id: str
    workspace_id: str
    domain: str
    identity_mode: str = COOKIELESS
    respect_do_not_track: bool = True
    page_type_patterns: dict[str, Any] = field(default_factory=dict)
    allowed_origins: tuple[str, ...] = ()
    currency: str = "USD"
    page_types: PageTypes = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Compiled once per site config (the web layer caches configs), not once per event.
        types = (
            PageTypes(self.page_type_patterns) if self.page_type_patterns else DEFAULT_PAGE_TYPES
        )
        object.__setattr__(self, "page_types", types)


@dataclass(frozen=True)
class Hit:
    """The request around the payload; `ip` is only ever hashed, never kept."""

    ip: str
    user_agent: str
    received_at: datetime
    sent_at_ms: int | None = None
    do_not_track: bool = False
    server_side: bool = False  # a CDP forwarding events may have no user agent at all
    # An authenticated source replaying its queue sends history: its timestamps are kept,
    # never moved into the public collector's 7-day window.
    keep_history: bool = False


@lru_cache(maxsize=8192)
def _acquisition(url: str, referrer: str | None, in_app: str | None) -> Acquisition:
    return classify(url, referrer, in_app)


@lru_cache(maxsize=8192)
def _path_of(url: str) -> str:
    """The URL's path; a fragment that is a hash router's route (`#/products/mug`,
    `#!/cart`) continues it, so hash-routed shops get real pages and page types."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "/"
    path = parts.path or "/"
    route = parts.fragment.removeprefix("!")
    if route.startswith("/"):
        return path.rstrip("/") + route.split("?")[0]
    return path


def _with_attribution(url: str, attribution: dict[str, str] | None) -> str:
    """The tracker resends the session's UTMs and click ids; the page URL's own win."""
    if not attribution:
        return url
    own = query_params(url)
    if any(name in own for name in ATTRIBUTION_PARAMS):
        return url
    kept = {k.lower(): v for k, v in attribution.items() if k.lower() in ATTRIBUTION_PARAMS}
    if not kept:
        return url
    return url + ("&" if "?" in url else "?") + urlencode(kept)


def placed_in_time(event: TrackerEvent, hit: Hit) -> tuple[datetime, bool]:
    """Client time moved onto the server clock by the client's own send time (Segment's rule),
    and whether it had to be clamped (never in the future; public hits at most 7 days back)."""
    if event.ts is None:
        return hit.received_at, False
    offset_ms = 0 if hit.sent_at_ms is None else event.ts - hit.sent_at_ms
    try:
        moved = hit.received_at + timedelta(milliseconds=offset_ms)
    except OverflowError:
        return hit.received_at, True
    earliest = None if hit.keep_history else hit.received_at - MAX_CLOCK_SKEW
    if moved > hit.received_at:
        return hit.received_at, True
    if earliest is not None and moved < earliest:
        return earliest, True
    return moved, False


def _identity(event: TrackerEvent, site: SiteConfig, hit: Hit, salts: SaltStore) -> tuple[str, str]:
    consented = event.consent or site.identity_mode != COOKIELESS
    if event.visitor_id and consented:
        mode = (
            IDENTIFIED if site.identity_mode == IDENTIFIED and event.customer_id else FIRST_PARTY_ID
        )
        return event.visitor_id, mode
    salt = salts.salt_for(hit.received_at.date(), hit.received_at)
    return cookieless_visitor_id(salt, site.site_id, hit.ip, hit.user_agent), COOKIELESS


def _properties(event: TrackerEvent) -> str | None:
    document: dict[str, Any] = dict(event.props or {})
    if event.form:
        document["form"] = event.form
    if event.items:
        document["items"] = [
            {
                k: (str(v) if k == "price" else v)
                for k, v in item.model_dump(exclude_none=True).items()
            }
            for item in event.items
        ]
    return json.dumps(document, separators=(",", ":")) if document else None


def check_commerce(event: TrackerEvent) -> None:
    if event.name == "purchase" and not event.order_id:  # purchases carry no alias
        raise ValidationFailed("a purchase needs an order_id", location="order_id")


def event_row(event: TrackerEvent, site: SiteConfig, hit: Hit, salts: SaltStore) -> EventRecord:
    """The `events` row for one hit, JSON-ready (timestamps ISO, money as text)."""
    return enrich(event, site, hit, salts)[0]


def enrich(
    event: TrackerEvent, site: SiteConfig, hit: Hit, salts: SaltStore
) -> tuple[EventRecord, bool]:
    """`event_row`, and whether the event's time was clamped."""
    check_commerce(event)
    ts, clamped = placed_in_time(event, hit)
    client = parse_client(hit.user_agent)
    acquisition = _acquisition(
        _with_attribution(event.url, event.attribution), event.referrer, client.in_app_browser
    )
    visitor_id, mode = _identity(event, site, hit, salts)
    path = _path_of(event.url)
    items = event.items or []
    row: EventRecord = {
        "workspace_id": site.workspace_id,
        "event_id": event.event_id or new_id("ev"),
        "site_id": site.site_id,
        "ts": ts.isoformat(),
        "name": EVENT_ALIASES.get(event.name, event.name),
        "visitor_id": visitor_id,
        "customer_id": event.customer_id if mode == IDENTIFIED else None,
        "identity_mode": mode,
        "url": event.url,
        "path": path,
        "page_type": site.page_types.classify(path),
        "referrer": event.referrer or None,
        "referrer_host": acquisition.referrer_host,
        "source": acquisition.source,
        "medium": acquisition.medium,
        "campaign": acquisition.campaign,
        "content": acquisition.content,
        "term": acquisition.term,
        "click_id_type": acquisition.click_id_type,
        "click_id": acquisition.click_id,
        "channel": acquisition.channel,
        "channel_signal": acquisition.signal,
        "social_platform": acquisition.social_platform,
        "in_app_browser": client.in_app_browser,
        "device": client.device,
        "browser": client.browser,
        "os": client.os,
        # Only the country code is kept; the address itself is never stored.
        "country": country_of(hit.ip) if hit.ip else None,
        "engaged_ms": event.engaged_ms,
        "scroll_pct": event.scroll_pct,
        "order_id": event.order_id,
        "revenue": str(parse_amount(event.revenue, currency=event.currency or site.currency))
        if event.revenue is not None
        else None,
        "currency": (event.currency or site.currency).upper()
        if event.revenue is not None
        else None,
        "product_ids": [product for i in items if (product := i.id or i.sku)] or None,
        "ugc_id": event.ugc_id,
        "gallery_id": event.gallery_id,
        "properties": _properties(event),
    }
    # Absent columns are NULL in the warehouse: leaving them out halves the WAL record.
    return cast(
        EventRecord, {name: value for name, value in row.items() if value is not None}
    ), clamped


def should_drop(event: TrackerEvent, site: SiteConfig, hit: Hit) -> bool:
    """Bots never count; Do-Not-Track / GPC visitors are dropped where the site says so."""
    checkable = bool(hit.user_agent) or not hit.server_side
    if checkable and parse_client(hit.user_agent).is_bot:
        return True
    return site.respect_do_not_track and (hit.do_not_track or event.dnt)
