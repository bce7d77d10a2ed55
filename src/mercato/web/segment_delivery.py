"""The segment step of public gallery delivery: which segment rule this visitor gets.

The visitor is the one the collector would record for this request (`visit_row`: the
consented first-party id gallery.js sends, else the cookieless id), so the id matches the
`visitor_id` of their sessions, which segment membership is computed from. Only the chosen
segment id leaves this step: the response is cached per segment, never per visitor.
"""

from __future__ import annotations

import logging

from fastapi import Request

from mercato.galleries.cache import DeliveryCache
from mercato.galleries.delivery import gallery_segment_rules
from mercato.galleries.segment_rules import pick
from mercato.runtime import Services
from mercato.segments.live import LiveMembership
from mercato.web.app_state import app_singleton
from mercato.web.experiment_delivery import Visitor, visit_row

log = logging.getLogger(__name__)


def live_membership(request: Request) -> LiveMembership:
    return app_singleton(request, "segment_membership", LiveMembership)


def visitor_segment(
    request: Request,
    services: Services,
    cache: DeliveryCache,
    workspace_id: str,
    gallery_id: str,
    visitor: Visitor,
    page_url: str | None,
) -> str | None:
    """The segment of the first segment rule the visitor matches, or None (no rules, a bot,
    a visitor in none of the rules' segments)."""
    rules = gallery_segment_rules(services.catalog, cache, workspace_id, gallery_id)
    if not rules:
        return None
    row = visit_row(request, services, workspace_id, gallery_id, visitor, page_url)
    if row is None or not row.get("visitor_id"):
        return None
    visitor_id = str(row["visitor_id"])
    membership = live_membership(request)

    def is_member(segment_id: str) -> bool:
        try:
            return membership.is_member(
                services.catalog, services.warehouse, workspace_id, segment_id, visitor_id
            )
        except Exception as exc:  # the gallery as defined beats no gallery; the log says why
            log.warning("segment %s not evaluated for gallery %s: %s", segment_id, gallery_id, exc)
            return False

    chosen = pick(rules, is_member)
    return chosen.segment_id if chosen is not None else None
