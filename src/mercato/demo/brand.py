"""The demo brand's catalog rows: workspace, first-party-id site, products and accounts.

Re-seeding deletes the demo workspace's catalog content first, so nothing is duplicated.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from mercato.catalog.models import (
    Collection,
    Creator,
    Experiment,
    Gallery,
    Product,
    Segment,
    ShopPage,
    Site,
    SocialAccount,
    UgcCandidate,
    UgcItem,
)
from mercato.demo.accounts import ensure_demo_workspace
from mercato.demo.line import write_extra_accounts
from mercato.demo.products import DemoProducts, write_products
from mercato.demo.social import write_accounts

IDENTITY_MODE = "first_party_id"  # multi-session journeys need a consented first-party id
# Catalog content the demo owns, deleted before re-seeding (children before parents).
DEMO_CONTENT = (
    Experiment,  # its variants and assignments go with it (ON DELETE CASCADE)
    ShopPage,
    Gallery,
    Segment,  # the demo's audiences (demo/audiences.py)
    Collection,
    UgcItem,
    Creator,
    UgcCandidate,
    SocialAccount,
    Product,
)


@dataclass(frozen=True)
class BrandIds:
    workspace_id: str
    site_id: str


def reset_brand(session: Session, products: DemoProducts) -> BrandIds:
    workspace = ensure_demo_workspace(session, products.locale)
    for model in DEMO_CONTENT:
        session.execute(delete(model).where(model.workspace_id == workspace.id))
    site = session.scalars(
        select(Site).where(Site.workspace_id == workspace.id).order_by(Site.created_at)
    ).first()
    if site is None:
        raise RuntimeError("the demo workspace has no site")  # ensure_demo_workspace adds one
    site.identity_mode = IDENTITY_MODE
    write_products(session, workspace.id, products)
    write_accounts(session, workspace.id, products.locale.id_prefix, products.locale.handle)
    write_extra_accounts(session, workspace.id, products.locale)
    session.flush()
    return BrandIds(workspace.id, site.id)
