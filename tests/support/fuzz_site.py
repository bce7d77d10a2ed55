"""A shop worth fuzzing: galleries, UGC media, webhook secrets and an invitation, served by
the real app over loopback, with rate limits out of the way so every request is parsed."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from mercato.catalog import team, workspaces
from mercato.connectors import meta_webhooks, shopify_webhooks
from mercato.core.scopes import Role
from mercato.core.settings import Settings
from mercato.galleries import definitions as gallery_defs
from mercato.runtime import Services
from mercato.segments import service as segments
from mercato.segments.schemas import SegmentCreate
from mercato.web.app import create_app
from tests.galleries.support import make_shop
from tests.support.routes import RouteInfo, walk
from tests.support.server import csrf_in, serve_app

SHOPIFY_SECRET = "shpss_fuzz_secret_0123456789"
META_SECRET = "meta_fuzz_app_secret_0123"
META_VERIFY = "verify-fuzz-token"


@dataclass(frozen=True)
class FuzzSite:
    base: str
    routes: list[RouteInfo]
    params: dict[str, list[str]]
    cookie: str
    csrf: str


def fuzz_settings(data_dir: Path) -> Settings:
    return Settings(
        data_dir=data_dir,
        secret_key="fuzz-" + "k" * 40,
        time_zone="UTC",
        hooks_rate_limit_per_minute=1_000_000,
        upload_rate_limit_per_minute=1_000_000,
    )


@pytest.fixture
def fuzz_site(tmp_path: Path) -> Iterator[FuzzSite]:
    """A shop with galleries, UGC media, webhook secrets and an invitation, served over loopback."""
    services = Services.open(fuzz_settings(tmp_path / "data"), upgrade=True)
    shop = make_shop(services)
    with services.catalog.session() as session:
        workspace = workspaces.get_workspace(session, shop.brand.slug)
        shopify_webhooks.set_webhook_secret(session, workspace.id, SHOPIFY_SECRET)
        meta_webhooks.set_secrets(session, workspace.id, META_SECRET, META_VERIFY)
        invitation = team.invite(
            session, workspace, email="new@acme.example", role=Role.VIEWER, created_by=None
        )
        media_ids = _media_ids(session)
        _segment_rule(session, services, workspace.id, shop.home)
    app = create_app(services=services)
    routes = [route for route in walk(app) if route.public]
    params = {
        "gallery_id": [shop.home, shop.pdp],
        "handle": [shop.brand.slug],
        "slug": [shop.brand.slug],
        "workspace": [shop.brand.slug],
        "media_id": media_ids,
        "secret": [invitation.secret],
        "name": ["swagger-ui.css", "swagger-ui-bundle.js"],
    }
    with serve_app(app) as base:
        with httpx.Client(base_url=base) as client:
            csrf = csrf_in(client.get(f"/u/{shop.brand.slug}").text)
            cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
        yield FuzzSite(base, routes, params, cookie, csrf)
    services.close()


def _segment_rule(session: Any, services: Services, workspace_id: str, gallery_id: str) -> None:
    """The home gallery gives TikTok visitors their own rule: fuzzed visitor ids and keys
    then reach segment resolution too."""
    definition = {"kind": "trait", "trait": "platform", "values": ["tiktok"]}
    request = SegmentCreate(name="From TikTok", definition=definition)
    segment = segments.create_segment(session, services.warehouse, workspace_id, request)
    draft = gallery_defs.draft_of(
        session, gallery_defs.get_gallery(session, workspace_id, gallery_id)
    )
    override = {"segment_id": segment.id, "rule": {"platform": "tiktok"}}
    draft.rule = {**draft.rule, "segment_rules": [override]}
    gallery_defs.update_gallery(session, workspace_id, gallery_id, draft)


def _media_ids(session: Any) -> list[str]:
    from sqlalchemy import select

    from mercato.catalog.models import UgcMedia

    return list(session.scalars(select(UgcMedia.id).limit(2)))
