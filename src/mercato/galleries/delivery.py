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
from mercato.catalog.models import Gallery, Site, UgcItem
from mercato.core.errors import NotFoundError, PermissionDenied
from mercato.core.timeutil import utcnow
from mercato.galleries.cache import Delivery, DeliveryCache, etag_of
from mercato.galleries.render import gallery_fragment, gallery_payload
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
    gallery_id: str, context: PageContext, fmt: str, base_url: str, variant: Variant | None
) -> Hashable:
    return ("gallery", gallery_id, context.cache_key(), fmt, base_url, variant)


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
    catalog: Catalog, gallery_id: str, context: PageContext, base_url: str, variant: Variant | None
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
        manual: list[str] | None = None
        if variant is not None and variant.config is not None:
            config = json.loads(variant.config)
            gallery, manual = _configured(gallery, config), list(config.get("item_ids") or [])
        selection = select_items(session, gallery, context, utcnow(), manual)
        payload = gallery_payload(session, selection, base_url)
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
) -> tuple[Delivery, Access]:
    access = gallery_access(catalog, cache, gallery_id)

    def build() -> tuple[Delivery, datetime | None]:
        payload, expires = _payload(catalog, gallery_id, context, base_url, variant)
        if fmt == "json":
            body = json.dumps(payload, separators=(",", ":")).encode()
        elif variant is not None and variant.holdout:
            body = b""  # the holdout sees no gallery at all
        else:
            body = gallery_fragment(payload).encode()
        return Delivery(body, etag_of(body), FORMATS[fmt]), expires

    key = _delivery_key(gallery_id, context, fmt, base_url, variant)
    return cache.get_or_build(access.workspace_id, key, build), access
