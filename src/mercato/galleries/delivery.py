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


def _delivery_key(gallery_id: str, context: PageContext, fmt: str, base_url: str) -> Hashable:
    return ("gallery", gallery_id, context.cache_key(), fmt, base_url)


def cached_delivery(
    cache: DeliveryCache, gallery_id: str, context: PageContext, fmt: str, base_url: str
) -> tuple[Delivery, Access] | None:
    """The delivery when both it and its access rule are cached and valid, else None: the
    route answers from memory on the event loop and builds (catalog I/O) in a thread."""
    access_entry = cache.peek("*", ("access", gallery_id))
    if access_entry is None:
        return None
    access = _access(access_entry)
    key = _delivery_key(gallery_id, context, fmt, base_url)
    delivery = cache.peek(access.workspace_id, key)
    return (delivery, access) if delivery is not None else None


def check_origin(access: Access, origin: str | None, own_origin: str) -> None:
    if origin and origin != own_origin and origin not in access.allowed_origins:
        raise PermissionDenied(f"origin {origin} is not on this site's allowed origins")


def deliver(
    catalog: Catalog,
    cache: DeliveryCache,
    gallery_id: str,
    context: PageContext,
    fmt: str,
    base_url: str,
) -> tuple[Delivery, Access]:
    access = gallery_access(catalog, cache, gallery_id)

    def build() -> tuple[Delivery, datetime | None]:
        with catalog.session() as session:
            gallery = session.get(Gallery, gallery_id)
            if gallery is None:
                raise NotFoundError(f"no gallery {gallery_id!r}")
            selection = select_items(session, gallery, context, utcnow())
            payload = gallery_payload(session, selection, base_url)
            expires = _earliest_expiry(selection.items)
        if fmt == "json":
            body = json.dumps(payload, separators=(",", ":")).encode()
        else:
            body = gallery_fragment(payload).encode()
        return Delivery(body, etag_of(body), FORMATS[fmt]), expires

    key = _delivery_key(gallery_id, context, fmt, base_url)
    return cache.get_or_build(access.workspace_id, key, build), access
