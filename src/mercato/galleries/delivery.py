"""Public delivery of a gallery as JSON or an HTML fragment, cached, with the origin rule.

A gallery may be fetched from another origin only when that origin is on the
`allowed_origins` of one of its workspace's sites; same-origin and server-side fetches (no
Origin header, e.g. a crawler or the shop's own back end) are always allowed.
"""

from __future__ import annotations

import json
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from mercato.catalog.db import Catalog
from mercato.catalog.models import Gallery, GallerySelection, Site, UgcItem
from mercato.core.errors import NotFoundError, PermissionDenied
from mercato.core.timeutil import utcnow
from mercato.galleries.adaptive import AdaptiveConfig, config_from_json, config_of
from mercato.galleries.cache import Delivery, DeliveryCache, etag_of
from mercato.galleries.render import gallery_fragment, gallery_payload
from mercato.galleries.segment_rules import SegmentRule, rules_of, select_for_segment
from mercato.galleries.selection import PageContext, select_items

FORMATS = {"json": "application/json", "html": "text/html; charset=utf-8"}


@dataclass(frozen=True)
class Access:
    workspace_id: str
    allowed_origins: frozenset[str]


def _earliest_expiry(items: list[UgcItem]) -> datetime | None:
    expiries = [item.rights_expires_at for item in items if item.rights_expires_at]
    return min(expiries) if expiries else None


def gallery_access(catalog: Catalog, cache: DeliveryCache, gallery_id: str) -> Access:
    def build() -> tuple[Delivery, datetime | None]:
        with catalog.session() as session:
            gallery = session.get(Gallery, gallery_id)
            if gallery is None:
                raise NotFoundError(f"no gallery {gallery_id!r}")
            origins = session.scalars(
                select(Site.allowed_origins).where(Site.workspace_id == gallery.workspace_id)
            )
            allowed = sorted({origin for listed in origins for origin in (listed or [])})
            body = json.dumps({"workspace_id": gallery.workspace_id, "origins": allowed})
        return Delivery(body.encode(), "", "application/json"), None

    # The workspace is unknown until we look: "*" generation covers gallery deletion too.
    return _access(cache.get_or_build("*", ("access", gallery_id), build))


def _access(delivery: Delivery) -> Access:
    document = json.loads(delivery.body)
    return Access(document["workspace_id"], frozenset(document["origins"]))


def _delivery_key(
    gallery_id: str,
    context: PageContext,
    fmt: str,
    base_url: str,
    variant: Variant | None,
    segment: str | None = None,
    order: tuple[str, ...] | None = None,
) -> Hashable:
    """Everything the body depends on: the page, the format, the experiment variant, the
    segment whose rule applies and an adaptive gallery's order (item ids, lead first);
    never the visitor (every visitor given the same order shares one body)."""
    return ("gallery", gallery_id, context.cache_key(), fmt, base_url, variant, segment, order)


def gallery_order_config(
    catalog: Catalog, cache: DeliveryCache, workspace_id: str, gallery_id: str
) -> AdaptiveConfig | None:
    """The gallery's adaptive order settings, or None (its default order); cached."""

    def build() -> tuple[Delivery, datetime | None]:
        with catalog.session() as session:
            gallery = session.get(Gallery, gallery_id)
            config = config_of(gallery.rule) if gallery is not None else None
            if gallery is not None and gallery.selection != GallerySelection.RULE:
                config = None
            document = config.as_json() if config is not None else None
        return Delivery(json.dumps(document).encode(), "", "application/json"), None

    body = cache.get_or_build(workspace_id, ("order", gallery_id), build).body
    document = json.loads(body)
    return config_from_json(document) if document is not None else None


def reordered(items: list[UgcItem], order: tuple[str, ...]) -> list[UgcItem]:
    """`items` in `order` (an item the order does not know keeps its place after them)."""
    rank = {item_id: position for position, item_id in enumerate(order)}
    return sorted(items, key=lambda item: rank.get(item.id, len(rank)))


def gallery_segment_rules(
    catalog: Catalog, cache: DeliveryCache, workspace_id: str, gallery_id: str
) -> list[SegmentRule]:
    """The gallery's segment rules in order; cached (and invalidated) like its deliveries."""

    def build() -> tuple[Delivery, datetime | None]:
        with catalog.session() as session:
            gallery = session.get(Gallery, gallery_id)
            rules = rules_of(gallery) if gallery is not None else []
            document = [{"segment_id": r.segment_id, "rule": dict(r.rule)} for r in rules]
        return Delivery(json.dumps(document).encode(), "", "application/json"), None

    body = cache.get_or_build(workspace_id, ("segment_rules", gallery_id), build).body
    return [SegmentRule(d["segment_id"], d["rule"]) for d in json.loads(body)]


def check_origin(access: Access, origin: str | None, own_origin: str) -> None:
    if origin and origin != own_origin and origin not in access.allowed_origins:
        raise PermissionDenied(f"origin {origin} is not on this site's allowed origins")


@dataclass(frozen=True)
class Variant:
    """What an experiment decided this visitor sees: the gallery as defined (`config` None),
    a configuration of its own, or nothing (`holdout`). Every visitor of one variant gets
    the same body, so it is cached per variant and never per visitor."""

    experiment_id: str
    key: str
    holdout: bool = False
    config: str | None = None  # the configuration as JSON: hashable, for the cache key

    def label(self) -> dict[str, str]:
        return {"id": self.experiment_id, "variant": self.key}


def _configured(gallery: Gallery, config: dict[str, Any]) -> Gallery:
    """A never-stored gallery: the experimented one with the variant's configuration."""
    return Gallery(
        id=gallery.id,
        workspace_id=gallery.workspace_id,
        name=gallery.name,
        layout=config["layout"],
        placement=config.get("placement") or gallery.placement,
        selection=config["selection"],
        rule=dict(config.get("rule") or {}),
        max_items=config["max_items"],
        min_items=gallery.min_items,
        fallback_id=gallery.fallback_id,
        version=gallery.version,
    )


def _payload(
    catalog: Catalog,
    gallery_id: str,
    context: PageContext,
    base_url: str,
    variant: Variant | None,
    segment: str | None = None,
    order: tuple[str, ...] | None = None,
) -> tuple[dict[str, Any], datetime | None]:
    with catalog.session() as session:
        gallery = session.get(Gallery, gallery_id)
        if gallery is None:
            raise NotFoundError(f"no gallery {gallery_id!r}")
        if variant is not None and variant.holdout:
            payload = {
                "id": gallery.id,
                "name": gallery.name,
                "layout": gallery.layout,
                "placement": gallery.placement,
                "fallback_used": False,
                "product": None,
                "items": [],
            }
            return {**payload, "experiment": variant.label()}, None
        chosen: str | None = None
        if variant is not None and variant.config is not None:
            config = json.loads(variant.config)
            manual = list(config.get("item_ids") or [])
            selection = select_items(
                session, _configured(gallery, config), context, utcnow(), manual
            )
        else:
            rule = next((r for r in rules_of(gallery) if r.segment_id == segment), None)
            by_segment = select_for_segment(session, gallery, rule, context, utcnow())
            selection, chosen = by_segment.selection, by_segment.segment_id
        if order is not None:
            selection.items = reordered(selection.items, order)
        payload = gallery_payload(session, selection, base_url)
        if order is not None:
            payload["order"] = "adaptive"
        if chosen is not None:  # which rule chose the items (a segment id, no visitor data)
            payload["segment"] = chosen
        if variant is not None:
            payload["experiment"] = variant.label()
        return payload, _earliest_expiry(selection.items)


def deliver(
    catalog: Catalog,
    cache: DeliveryCache,
    gallery_id: str,
    context: PageContext,
    fmt: str,
    base_url: str,
    variant: Variant | None = None,
    segment: str | None = None,
    order: tuple[str, ...] | None = None,
) -> tuple[Delivery, Access]:
    """`segment`: the segment whose rule the visitor gets (see `segment_rules.pick`);
    `order`: an adaptive gallery's order for this visitor (`galleries.adaptive`)."""
    access = gallery_access(catalog, cache, gallery_id)

    def build() -> tuple[Delivery, datetime | None]:
        payload, expires = _payload(catalog, gallery_id, context, base_url, variant, segment, order)
        if fmt == "json":
            body = json.dumps(payload, separators=(",", ":")).encode()
        elif variant is not None and variant.holdout:
            body = b""  # the holdout sees no gallery at all
        else:
            body = gallery_fragment(payload).encode()
        return Delivery(body, etag_of(body), FORMATS[fmt]), expires

    key = _delivery_key(gallery_id, context, fmt, base_url, variant, segment, order)
    return cache.get_or_build(access.workspace_id, key, build), access
