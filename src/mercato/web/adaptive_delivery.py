"""The adaptive-order step of public gallery delivery: this visitor's order, and its log row.

The visitor is the one the collector would record (`visit_row`), so the logged
`gallery_order` event lands in the visitor's session next to the gallery's impressions and
clicks. Only the order (item ids) leaves this step: the body is cached per order.
"""

from __future__ import annotations

import json
import logging

import pandas as pd
from fastapi import Request

from mercato.collect.pipeline import Collector
from mercato.collect.wal import WalUnavailable
from mercato.core.ids import new_id
from mercato.core.timeutil import utcnow
from mercato.galleries.adaptive import (
    ORDER_EVENT,
    AdaptiveConfig,
    AdaptiveOrders,
    Placement,
    outcomes,
)
from mercato.galleries.cache import DeliveryCache
from mercato.galleries.delivery import Variant, deliver, gallery_order_config
from mercato.galleries.selection import PageContext
from mercato.runtime import Services
from mercato.web.app_state import app_singleton
from mercato.web.experiment_delivery import Visitor, visit_row

log = logging.getLogger(__name__)


def adaptive_orders(request: Request) -> AdaptiveOrders:
    return app_singleton(request, "adaptive_orders", AdaptiveOrders)


def _default_ids(
    services: Services,
    cache: DeliveryCache,
    gallery_id: str,
    context: PageContext,
    base_url: str,
    variant: Variant | None,
    segment: str | None,
) -> tuple[str, ...]:
    """The items of the gallery's default order on this page (the cached JSON body)."""
    delivery, _ = deliver(services.catalog, cache, gallery_id, context, "json", base_url,
                          variant, segment)  # fmt: skip
    return tuple(str(item["id"]) for item in json.loads(delivery.body)["items"])


def visitor_order(
    request: Request,
    services: Services,
    cache: DeliveryCache,
    workspace_id: str,
    gallery_id: str,
    visitor: Visitor,
    context: PageContext,
    base_url: str,
    variant: Variant | None,
    segment: str | None,
) -> tuple[str, ...] | None:
    """The order this visitor gets, or None: the gallery keeps its default order (not
    adaptive, fewer than two items, a bot, no collector to log the decision)."""
    config = gallery_order_config(services.catalog, cache, workspace_id, gallery_id)
    if config is None:
        return None
    item_ids = _default_ids(services, cache, gallery_id, context, base_url, variant, segment)
    if len(item_ids) < 2:
        return None
    collector: Collector | None = getattr(request.app.state, "collector", None)
    row = visit_row(request, services, workspace_id, gallery_id, visitor, context.url)
    if collector is None or row is None or not row.get("visitor_id"):
        return None
    visitor_id = str(row["visitor_id"])
    placement = _place(request, services, workspace_id, gallery_id, item_ids, visitor_id, config)
    if placement is None:
        return None
    if placement.new:
        logged = {
            **row,
            "event_id": new_id("ev"),
            "name": ORDER_EVENT,
            "ugc_id": placement.lead,
            "variant": placement.arm.value,  # marks the row as the server's (see adaptive)
            "properties": json.dumps(placement.log_properties(), separators=(",", ":")),
        }
        try:
            collector.wal.append_blocking(json.dumps([logged], separators=(",", ":")).encode())
        except WalUnavailable as exc:  # the visitor still gets the order; the log says why
            log.warning("gallery order of %s not logged: %s", gallery_id, exc)
    return placement.order


def _place(
    request: Request,
    services: Services,
    workspace_id: str,
    gallery_id: str,
    item_ids: tuple[str, ...],
    visitor_id: str,
    config: AdaptiveConfig,
) -> Placement | None:
    warehouse = services.warehouse.for_workspace(workspace_id)

    def load() -> pd.DataFrame:
        return outcomes(warehouse, gallery_id, config.reward)

    try:
        return adaptive_orders(request).place(
            gallery_id, item_ids, visitor_id, config, utcnow(), load
        )
    except Exception as exc:  # the default order beats no gallery; the log says why
        log.warning("adaptive order of %s not decided: %s", gallery_id, exc)
        return None
