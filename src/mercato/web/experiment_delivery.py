"""The experiment step of public gallery delivery: who is asking, which variant, exposures.

Runs inside the gallery request, so the variant comes back in the same response (no
flicker) and the exposure is logged server-side, through the collector's write-ahead log,
before the response leaves.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

from fastapi import Request
from sqlalchemy import select

from mercato.catalog.models import Site
from mercato.collect.enrich import Hit, SiteConfig
from mercato.collect.pipeline import Collector
from mercato.collect.wal import WalUnavailable
from mercato.core.timeutil import utcnow
from mercato.experiments.delivery import Visit, decide, exposure_rows, live_experiments, unit_row
from mercato.galleries.cache import DeliveryCache
from mercato.galleries.delivery import Variant
from mercato.runtime import Services
from mercato.warehouse.rows import EventRecord
from mercato.web.routes.collect_public import site_config
from mercato.web.urls import absolute_url

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Visitor:
    """What gallery.js says about the visitor: the site key and a consented visitor id."""

    key: str | None = None
    vid: str | None = None


def _site(
    request: Request, services: Services, workspace_id: str, key: str | None
) -> SiteConfig | None:
    """The site the key names when it is this workspace's, else the workspace's first site."""
    sites = request.app.state.collect_sites
    if key:
        config = site_config(services, sites, key)
        if config is not None and config.workspace_id == workspace_id:
            return config
    with services.catalog.session() as session:
        first = session.scalar(
            select(Site.public_key)
            .where(Site.workspace_id == workspace_id)
            .order_by(Site.created_at)
        )
    return site_config(services, sites, first) if first else None


def _hit(request: Request) -> Hit:
    headers = request.headers
    return Hit(
        ip=request.client.host if request.client else "",
        user_agent=headers.get("user-agent", ""),
        received_at=utcnow(),
        do_not_track=headers.get("dnt") == "1" or headers.get("sec-gpc") == "1",
    )


def visit_row(
    request: Request,
    services: Services,
    workspace_id: str,
    gallery_id: str,
    visitor: Visitor,
    page_url: str | None,
) -> EventRecord | None:
    """The event row the collector would store for this request (its `visitor_id` is the
    id the visitor's sessions carry), or None: no collector, no site, a dropped visitor."""
    collector: Collector | None = getattr(request.app.state, "collector", None)
    if collector is None:
        return None
    site = _site(request, services, workspace_id, visitor.key)
    if site is None:
        return None
    own = absolute_url(request, "/")
    visit = Visit(site, _hit(request), page_url or own, visitor.vid or None, own)
    return unit_row(visit, gallery_id, collector.salts)


def experiment_variant(
    request: Request,
    services: Services,
    cache: DeliveryCache,
    workspace_id: str,
    gallery_id: str,
    visitor: Visitor,
    page_url: str | None,
) -> Variant | None:
    """The variant to serve, or None (no running experiment, a bot, no site to log for)."""
    experiments = live_experiments(services.catalog, cache, workspace_id, gallery_id)
    collector: Collector | None = getattr(request.app.state, "collector", None)
    if not experiments or collector is None:
        return None
    row = visit_row(request, services, workspace_id, gallery_id, visitor, page_url)
    if row is None:
        return None
    decision = decide(services.catalog, experiments, row["visitor_id"], row["identity_mode"])
    rows = exposure_rows(row, decision)
    if rows:
        try:
            collector.wal.append_blocking(json.dumps(rows, separators=(",", ":")).encode())
        except WalUnavailable as exc:  # the visitor still gets its variant; the log says why
            log.warning("experiment exposures not logged: %s", exc)
    return decision.variant
