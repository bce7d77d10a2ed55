"""Creator rewards: one unique coupon code per creator, issued when a grant is recorded;
redemptions matched from warehouse orders' coupon codes."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mercato.catalog.db import Catalog
from mercato.catalog.models import Creator, UgcItem, Workspace
from mercato.connectors.platforms.client import ClientPolicy
from mercato.connectors.shopify_admin import push_discount_code
from mercato.core.errors import NotFoundError
from mercato.core.money import round_money
from mercato.core.timeutil import utcnow
from mercato.ugc.items import ugc_settings
from mercato.warehouse.connection import ScopedWarehouse

_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: codes are typed by hand


def _new_code(handle: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9]", "", handle).upper()[:10] or "CREATOR"
    return stem + "-" + "".join(secrets.choice(_ALPHABET) for _ in range(5))


def issue_coupon(session: Session, creator: Creator) -> str:
    """The creator's code, created on first grant; later grants keep the same code."""
    if creator.coupon_code:
        return creator.coupon_code
    settings = ugc_settings(session, creator.workspace_id)
    code = _new_code(creator.handle)
    while session.scalar(select(Creator.id).where(Creator.coupon_code == code)):
        code = _new_code(creator.handle)
    creator.coupon_code = code
    creator.coupon_discount_pct = settings.reward_discount_pct
    creator.coupon_issued_at = utcnow()
    return code


@dataclass(frozen=True)
class CreatorSummary:
    creator: Creator
    posts: int
    rights_granted: int
    redemptions: int
    revenue: Decimal


def redemptions_by_code(
    warehouse: ScopedWarehouse, codes: list[str], currency: str | None = None
) -> dict[str, tuple[int, Decimal]]:
    """Orders and net revenue per coupon code (case-insensitive), from `orders.coupon_codes`,
    in `currency`'s precision (the workspace's)."""
    if not codes:
        return {}
    orders = warehouse.table("orders")
    exploded = orders.select(
        code=orders.coupon_codes.unnest().upper(), order_id=orders.order_id, net=orders.net
    )
    wanted = [code.upper() for code in codes]
    expr = (
        exploded.filter(exploded.code.isin(wanted))
        .group_by("code")
        .aggregate(orders=exploded.order_id.nunique(), revenue=exploded.net.sum())
    )
    frame = warehouse.execute(expr)
    return {
        str(row.code): (int(row.orders), round_money(row.revenue or 0, currency))
        for row in frame.itertuples()
    }


def creator_summaries(
    session: Session, warehouse: ScopedWarehouse, workspace_id: str
) -> list[CreatorSummary]:
    creators = session.scalars(
        select(Creator).where(Creator.workspace_id == workspace_id).order_by(Creator.handle)
    ).all()
    counts = dict(
        session.execute(
            select(UgcItem.creator_id, func.count())
            .where(UgcItem.workspace_id == workspace_id)
            .group_by(UgcItem.creator_id)
        ).all()
    )
    granted = dict(
        session.execute(
            select(UgcItem.creator_id, func.count())
            .where(UgcItem.workspace_id == workspace_id, UgcItem.rights_status == "granted")
            .group_by(UgcItem.creator_id)
        ).all()
    )
    codes = [c.coupon_code for c in creators if c.coupon_code]
    workspace = session.get(Workspace, workspace_id)
    currency = workspace.currency if workspace else None
    redeemed = redemptions_by_code(warehouse, codes, currency)
    none = (0, round_money(0, currency))
    return [
        CreatorSummary(
            creator=c,
            posts=int(counts.get(c.id, 0)),
            rights_granted=int(granted.get(c.id, 0)),
            redemptions=redeemed.get((c.coupon_code or "").upper(), none)[0],
            revenue=redeemed.get((c.coupon_code or "").upper(), none)[1],
        )
        for c in creators
    ]


def push_reward_to_shop(
    catalog: Catalog, workspace_id: str, creator_id: str, *, policy: ClientPolicy | None = None
) -> str:
    """Create the creator's reward code in the connected Shopify shop as a discount code
    (its percentage off, once per customer); the shop's discount code id."""
    with catalog.session() as session:
        creator = session.get(Creator, creator_id)
        if creator is None or creator.workspace_id != workspace_id:
            raise NotFoundError(f"no creator {creator_id!r}")
        code = issue_coupon(session, creator)
        percent = creator.coupon_discount_pct or Decimal(10)
        issued = creator.coupon_issued_at or utcnow()
    return push_discount_code(
        catalog, workspace_id, code, percent_off=Decimal(percent), starts_at=issued, policy=policy
    )
