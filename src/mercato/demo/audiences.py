"""The demo brand's audiences: saved segments that tell a story, a gallery that gives each
of them its own UGC, and an adaptive gallery whose items have known click-through rates.

- Segments (created through the segments service, dynamic, so their sizes are the engine's):
  visitors from TikTok (any of their sessions), returning customers (more than one session
  and at least one order), and new mobile visitors.
- "For you": everyone gets the community favourites (most engaging first); visitors from
  TikTok get the TikTok posts first, returning customers the product line customers buy most.
  A segment whose rule finds nothing gets the gallery as defined (segment_rules' fallback).
- "Trending now": the five most engaging posts, ordered by the adaptive bandit. The ground
  truth records each item's true click-through rate for the lead slot: the default order's
  lead is not the best, so the bandit has something to find.

The stage runs after the library and the experiments and draws nothing at random, so every
earlier stage's data is unchanged.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mercato.catalog.models import Gallery, Product
from mercato.core.timeutil import utcnow
from mercato.galleries.definitions import GalleryDraft, create_gallery
from mercato.galleries.segment_rules import with_rule
from mercato.galleries.selection import PageContext, select_items
from mercato.segments.definition import Flag, SessionScope, Trait
from mercato.segments.schemas import SegmentCreate
from mercato.segments.service import create_segment
from mercato.warehouse.connection import Warehouse

# True click-through of the lead slot, by position in the default order (most engaging
# first): the third item is the one visitors click most, by a margin the demo's gallery log
# (demo/gallery_log.py) lets the bandit find in a few weeks.
LEAD_CTR = (0.030, 0.035, 0.090, 0.040, 0.025)
ADAPTIVE_ITEMS = len(LEAD_CTR)
# Lead exposures per item before the bandit leaves burn-in (the bandit's default, stated so
# the truth records it): a demo of 3,000 visitors (its gallery log, demo/gallery_log.py)
# gets past it and shows learned weights.
ADAPTIVE_BURN_IN = 100


@dataclass(frozen=True)
class AudienceWords:
    tiktok: tuple[str, str]  # name, description
    returning: tuple[str, str]
    new_mobile: tuple[str, str]
    segmented_gallery: str
    adaptive_gallery: str


AUDIENCE_WORDS = {
    "en": AudienceWords(
        tiktok=("From TikTok", "Visitors with a visit from TikTok"),
        returning=("Returning customers", "Visitors who came back and have bought"),
        new_mobile=("New mobile visitors", "First-time visitors on a phone"),
        segmented_gallery="For you — by audience",
        adaptive_gallery="Trending now",
    ),
    "ja": AudienceWords(
        tiktok=("TikTokから", "TikTokから訪れたことのある訪問者"),
        returning=("リピーター", "再訪し、購入したことのある訪問者"),
        new_mobile=("スマホの新規訪問者", "スマートフォンで初めて訪れた訪問者"),
        segmented_gallery="あなたへのおすすめ — オーディエンス別",
        adaptive_gallery="トレンド",
    ),
}


def _roles(words: AudienceWords) -> dict[str, tuple[str, str]]:
    return {"tiktok": words.tiktok, "returning": words.returning, "new_mobile": words.new_mobile}


def _segments(
    session: Session, warehouse: Warehouse, workspace_id: str, words: AudienceWords
) -> dict[str, str]:
    """The three segments; returns their ids by role."""
    definitions: dict[str, tuple[tuple[str, str], dict[str, Any]]] = {
        "tiktok": (
            words.tiktok,
            {"kind": "trait", "trait": Trait.PLATFORM.value, "values": ["tiktok"],
             "session": SessionScope.ANY.value},
        ),
        "returning": (
            words.returning,
            {"kind": "and", "rules": [{"kind": "flag", "flag": Flag.RETURNING.value},
                                      {"kind": "flag", "flag": Flag.PURCHASER.value}]},
        ),
        "new_mobile": (
            words.new_mobile,
            {"kind": "and", "rules": [
                {"kind": "not", "rule": {"kind": "flag", "flag": Flag.RETURNING.value}},
                {"kind": "trait", "trait": Trait.DEVICE.value, "values": ["mobile"]},
            ]},
        ),
    }  # fmt: skip
    ids = {}
    for role, ((name, description), definition) in definitions.items():
        request = SegmentCreate(name=name, description=description, definition=definition)
        ids[role] = create_segment(session, warehouse, workspace_id, request).id
    return ids


def _best_selling_line(
    session: Session, warehouse: Warehouse, workspace_id: str, candidates: set[str]
) -> str | None:
    """The product line (of `candidates`) with the most units sold."""
    rows = session.execute(
        select(Product.sku, Product.product_line).where(Product.workspace_id == workspace_id)
    )
    line_of = {str(sku): str(line) for sku, line in rows}
    items = warehouse.for_workspace(workspace_id).table("order_items")
    sold = items.group_by("sku").aggregate(units=items.quantity.sum())
    units: Counter[str] = Counter()
    for row in warehouse.execute(sold).to_dict("records"):
        line = line_of.get(str(row["sku"]))
        if line in candidates:
            units[line] += int(row["units"])
    ranked = sorted(units.items(), key=lambda kv: (-kv[1], kv[0]))
    return ranked[0][0] if ranked else None


def _lines_with_items(session: Session, workspace_id: str, rule: dict[str, Any]) -> set[str]:
    """Product lines for which `rule`, narrowed to the line, finds publishable items."""
    gallery = Gallery(id="probe", workspace_id=workspace_id, name="probe", layout="grid",
                      placement="home", selection="rule", rule=rule, max_items=12,
                      min_items=1, version=1)  # fmt: skip
    lines = set(
        session.scalars(
            select(Product.product_line).where(Product.workspace_id == workspace_id).distinct()
        )
    )
    now = utcnow()
    return {
        line
        for line in lines
        if line
        and select_items(
            session, with_rule(gallery, {"product_line": line}), PageContext(), now
        ).items
    }


def seed_audiences(
    session: Session, warehouse: Warehouse, workspace_id: str, locale_code: str
) -> dict[str, Any]:
    """Create the segments and both galleries; return their ground truth."""
    words = AUDIENCE_WORDS.get(locale_code, AUDIENCE_WORDS["en"])
    segments = _segments(session, warehouse, workspace_id, words)
    base = {"sort": "engagement"}
    candidates = _lines_with_items(session, workspace_id, base)
    line = _best_selling_line(session, warehouse, workspace_id, candidates)
    rules: list[dict[str, Any]] = [
        {"segment_id": segments["tiktok"], "rule": {"platform": "tiktok"}}
    ]
    if line is not None:
        rules.append({"segment_id": segments["returning"], "rule": {"product_line": line}})
    segmented = create_gallery(
        session,
        workspace_id,
        GalleryDraft(name=words.segmented_gallery, rule={**base, "segment_rules": rules}),
    )
    adaptive = create_gallery(
        session,
        workspace_id,
        GalleryDraft(
            name=words.adaptive_gallery,
            max_items=ADAPTIVE_ITEMS,
            rule={
                "sort": "engagement",
                "order": "adaptive",
                "reward": "click",
                "burn_in": ADAPTIVE_BURN_IN,
            },
        ),
    )
    session.flush()
    chosen = select_items(session, adaptive, PageContext(), utcnow()).items
    # Ids are drawn fresh each seeding; the truth names items by their (seeded) external id.
    items = [item.external_id for item in chosen]
    ctr = dict(zip(items, LEAD_CTR, strict=False))
    best = max(ctr, key=lambda item: ctr[item]) if ctr else None
    return {
        "segments": {role: name for role, (name, _) in _roles(words).items()},
        "segmented_gallery": {
            "name": segmented.name,
            "tiktok_rule": {"platform": "tiktok"},
            "returning_line": line,
        },
        "adaptive_gallery": {
            "name": adaptive.name,
            "reward": "click",
            "burn_in": ADAPTIVE_BURN_IN,
            "default_order": items,
            "lead_ctr": ctr,
            "best_item": best,
        },
    }
