"""A workspace made through the product (first-run setup over the real server), the KPI
fixture's rows loaded into it, and a logged-in client."""

from __future__ import annotations

import re
from dataclasses import dataclass

import httpx
from sqlalchemy import select

from mercato.catalog.models import Workspace
from mercato.runtime import Services
from tests.metrics import fixture
from tests.metrics.test_surfaces import RANGE, load_fixture_rows
from tests.support.server import csrf_in

EMAIL, PASSWORD = "owner@shop.example", "a long enough password"
__all__ = ["RANGE", "Owner", "set_up", "tiles"]


@dataclass
class Owner:
    client: httpx.Client
    csrf: str
    workspace_id: str
    slug: str

    def post(self, path: str, **kwargs: object) -> httpx.Response:
        return self.client.post(path, headers={"x-csrf-token": self.csrf}, **kwargs)  # type: ignore[arg-type]


def set_up(services: Services, base: str, time_zone: str = fixture.TIME_ZONE) -> Owner:
    """First run through /setup (an empty data dir), then the fixture's rows."""
    client = httpx.Client(base_url=base, follow_redirects=False, timeout=60)
    csrf = csrf_in(client.get("/setup").text)
    form = {
        "workspace_name": "Shop <b>&</b>",
        "time_zone": time_zone,
        "currency": "usd",
        "email": EMAIL,
        "password": PASSWORD,
        "csrf_token": csrf,
    }
    done = client.post("/setup", data=form)
    assert done.status_code == 303, done.text
    with services.catalog.session() as session:
        workspace = session.scalars(select(Workspace)).one()
        workspace_id, slug = workspace.id, workspace.slug
    load_fixture_rows(services, fixture.WORKSPACE, workspace_id)
    return Owner(client, csrf_in(client.get("/").text), workspace_id, slug)


TILE = re.compile(r'<span class="value" id="(kpi-[\w-]+)">([^<]*)</span>')


def tiles(html: str) -> dict[str, str]:
    """Tile id → shown value, as the page renders them."""
    return dict(TILE.findall(html))
