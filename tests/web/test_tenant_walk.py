"""Every route with an id in its path hides another workspace's rows: 404, never the row.

Generated from the app's route table (tests/support/routes.py): a new route with an
`{..._id}` parameter is walked automatically, and fails here until `ROWS` knows how to make a
real row of the first workspace for its parameter (and `BODIES` a valid body, when the route
needs one), so the check cannot silently skip it. Each route is called by a user (cookie and
CSRF token) and by a token of a second workspace, both holding every scope; then, as the
control that the id was real and the body valid, by the first workspace's own token, which
must not get a 404.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from mercato.catalog import kpi_settings, team, tokens, users, workspaces
from mercato.catalog.models import (
    Collection,
    KpiBenchmark,
    RevenueForecast,
    ShopPage,
    UgcMedia,
)
from mercato.catalog.models.segments import SegmentKind
from mercato.connectors.connect import service as connect
from mercato.connectors.platforms.client import ClientPolicy
from mercato.core import outbound
from mercato.core.scopes import Role, Scope
from mercato.core.timeutil import utcnow
from mercato.experiments import service as experiments
from mercato.experiments.schemas import ExperimentCreate, Kind
from mercato.galleries.definitions import GalleryDraft, create_gallery
from mercato.metrics.service import KNOWN_KPIS
from mercato.runtime import Services
from mercato.segments import service as segments
from mercato.segments.schemas import SegmentCreate
from mercato.sharing import service as sharing
from mercato.sharing.schemas import Cadence, ScheduleCreate, ShareLinkCreate, ViewName
from mercato.ugc.items import creator_for
from mercato.web.app import create_app
from tests.connectors.fake_oauth import CLIENT_ID, CLIENT_SECRET, FakeOAuth, build_oauth_app
from tests.connectors.fake_platforms import FakePlatforms
from tests.galleries.support import Shop, make_shop
from tests.support.brands import PASSWORD, make_brand, make_token
from tests.support.routes import RouteInfo, walk
from tests.support.server import csrf_of, login, serve_app
from tests.ugc.support import image_bytes

RowMaker = Callable[[Services, Shop], str]


def _add(services: Services, row: Any) -> str:
    with services.catalog.session() as session:
        session.add(row)
        session.flush()
        return str(row.id)


def _fresh(what: str) -> str:
    """A name no earlier row used: a route's control call may have deleted the last row."""
    _made.append(what)
    return f"{what}{len(_made)}"


_made: list[str] = []


def _site(services: Services, shop: Shop) -> str:
    with services.catalog.session() as session:
        workspace = workspaces.get_workspace(session, shop.brand.slug)
        return workspaces.add_site(session, workspace, domain=f"{_fresh('s')}.acme.example").id


def _gallery(services: Services, shop: Shop) -> str:
    with services.catalog.session() as session:
        draft = GalleryDraft(name=_fresh("Gallery "), layout="grid", placement="home")
        return create_gallery(session, shop.brand.workspace_id, draft).id


def _media(services: Services, shop: Shop) -> str:
    with services.catalog.session() as session:
        media = session.query(UgcMedia).filter(UgcMedia.item_id == shop.items["dress_a"]).first()
        assert media is not None
        return media.id


def _token(services: Services, shop: Shop) -> str:
    with services.catalog.session() as session:
        workspace = workspaces.get_workspace(session, shop.brand.slug)
        return tokens.issue_token(session, workspace, name="theirs", scopes=[Scope.ADMIN]).token.id


def _member(services: Services, shop: Shop) -> str:
    with services.catalog.session() as session:
        workspace = workspaces.get_workspace(session, shop.brand.slug)
        email = f"{_fresh('analyst')}@acme.example"
        user = users.create_user(session, email=email, password=PASSWORD)
        users.grant_role(session, user, workspace, Role.ANALYST)
        return user.id


def _invitation(services: Services, shop: Shop) -> str:
    with services.catalog.session() as session:
        workspace = workspaces.get_workspace(session, shop.brand.slug)
        issued = team.invite(
            session,
            workspace,
            email=f"{_fresh('new')}@acme.example",
            role=Role.VIEWER,
            created_by=None,
        )
        return issued.invitation.id


def _period() -> tuple[date, date]:
    start = date.today().replace(day=1)
    return start, start + timedelta(days=27)


def _goal(services: Services, shop: Shop) -> str:
    start, end = _period()
    with services.catalog.session() as session:
        goal = kpi_settings.create_goal(
            session,
            shop.brand.workspace_id,
            kpi_id=GOAL_KPI,
            period_start=start,
            period_end=end,
            target=Decimal("1000"),
            known=KNOWN_KPIS,
        )
        return goal.id


GOAL_KPI = "revenue_gross"


def _goal_form(shop: Shop) -> dict[str, Any]:
    start, end = _period()
    fields = {"period_start": start.isoformat(), "period_end": end.isoformat()}
    return {"data": {"kpi_id": GOAL_KPI, "target": "1200", "team": "ecommerce", **fields}}


def _forecast(services: Services, shop: Shop) -> str:
    start, end = _period()
    return _add(
        services,
        RevenueForecast(
            workspace_id=shop.brand.workspace_id,
            period_start=start,
            period_end=end,
            amount=Decimal("5000"),
            currency="USD",
        ),
    )


def _benchmark(services: Services, shop: Shop) -> str:
    row = KpiBenchmark(
        workspace_id=shop.brand.workspace_id,
        kpi_id="conversion_rate",
        value=0.02,
        method="orders / sessions",
        source="our own history",
    )
    return _add(services, row)


def _experiment(services: Services, shop: Shop) -> str:
    draft = ExperimentCreate(name=_fresh("Holdout "), kind=Kind.HOLDOUT, holdout_share=0.1)
    with services.catalog.session() as session:
        return experiments.create_experiment(session, shop.brand.workspace_id, draft).id


def _segment(services: Services, shop: Shop) -> str:
    draft = SegmentCreate(name=_fresh("Loyal "), kind=SegmentKind.STATIC, members=["v1", "v2"])
    with services.catalog.session() as session:
        created = segments.create_segment(
            session, services.warehouse, shop.brand.workspace_id, draft
        )
        return created.id


def _creator(services: Services, shop: Shop) -> str:
    with services.catalog.session() as session:
        return creator_for(session, shop.brand.workspace_id, "instagram", _fresh("maker")).id


def _share_link(services: Services, shop: Shop) -> str:
    data = ShareLinkCreate(view=ViewName.OVERVIEW, label="board")
    created = sharing.create_share_link(
        services.catalog, shop.brand.workspace_id, data, "owner", "http://mercato.test"
    )
    return created.id


def _schedule(services: Services, shop: Shop) -> str:
    data = ScheduleCreate(
        view=ViewName.OVERVIEW, cadence=Cadence.WEEKLY, recipients=["board@acme.example"]
    )
    return sharing.add_schedule(services.catalog, shop.brand.workspace_id, data).id


# The one account the fake Meta login grants; a pick of it is the valid pick body.
META_PAGE = {"id": "1234567890", "name": "Acme Page"}
META_CHOICE = f"facebook:{META_PAGE['id']}"


def _pending_grant(services: Services, shop: Shop) -> str:
    """A Meta login parks its accounts until the user picks: sign in through the fake
    platform over loopback, as a browser would, and keep the parked grant's id."""
    oauth = FakeOAuth(FakePlatforms(), meta_pages=[META_PAGE])
    # The fake listens on loopback, which an operator allows as for a local test platform;
    # only while signing in, so the routes walked below run under the strict default.
    before = outbound.installed_guard().allowed
    outbound.install(["127.0.0.1"])
    try:
        return _sign_in(services, shop, oauth)
    finally:
        outbound.install(before)


def _sign_in(services: Services, shop: Shop, oauth: FakeOAuth) -> str:
    binding = "b" * 64
    with serve_app(build_oauth_app(oauth)) as base:
        with services.catalog.session() as session:
            connect.set_app(
                session,
                shop.brand.workspace_id,
                "facebook",
                client_id=CLIENT_ID,
                client_secret=CLIENT_SECRET,
                endpoint_override=base,
            )
        url = connect.start(
            services.catalog,
            shop.brand.workspace_id,
            "facebook",
            redirect_uri="https://mercato.example/sources/connect/meta/callback",
            binding=binding,
        )
        query = _consent(url, base)
        done = connect.complete(
            services.catalog,
            shop.brand.workspace_id,
            "facebook",
            state=query["state"],
            code=query.get("code"),
            error=query.get("error"),
            error_description=None,
            binding=binding,
            policy=ClientPolicy(timeout_s=5, max_retries=2, max_wait_s=1, sleep=lambda _s: None),
        )
    assert done.pending_grant_id is not None
    return done.pending_grant_id


def _consent(url: str, base: str) -> dict[str, str]:
    """What the user's browser does on the fake consent page: the callback's query."""
    with httpx.Client(base_url=base) as browser:
        page = browser.get(url)
        assert page.status_code == 200, page.text
        start = page.text.index('href="/fake/decide?tx=') + len('href="')
        answer = browser.get(page.text[start : page.text.index('"', start)])
    assert answer.status_code == 302, answer.text
    return {k: v[0] for k, v in parse_qs(urlsplit(answer.headers["location"]).query).items()}


# How to make a real row of the first workspace, per path parameter.
ROWS: dict[str, RowMaker] = {
    "item_id": lambda services, shop: shop.items["dress_a"],
    "gallery_id": _gallery,
    "account_id": lambda services, shop: shop.account_id,
    "media_id": _media,
    "site_id": _site,
    "token_id": _token,
    "user_id": _member,
    "invitation_id": _invitation,
    "goal_id": _goal,
    "forecast_id": _forecast,
    "benchmark_id": _benchmark,
    "collection_id": lambda services, shop: _add(
        services, Collection(workspace_id=shop.brand.workspace_id, name="Summer")
    ),
    "page_id": lambda services, shop: _add(
        services,
        ShopPage(
            workspace_id=shop.brand.workspace_id, account_id=shop.account_id, handle=_fresh("acme")
        ),
    ),
    "post": lambda services, shop: "ig-1",  # a post id on the page's platform, not a row id
    "experiment_id": _experiment,
    "segment_id": _segment,
    "creator_id": _creator,
    "link_id": _share_link,
    "schedule_id": _schedule,
    "grant_id": _pending_grant,
}

# A valid body for the routes that need one: JSON for the API, a form for pages.
Body = Callable[[Shop], dict[str, Any]]
BODIES: dict[tuple[str, str], Body] = {
    ("PUT", "/api/v1/accounts/{account_id}/token"): lambda shop: {
        "json": {"access_token": "t0ken-value"}
    },
    ("PATCH", "/api/v1/galleries/{gallery_id}"): lambda shop: {"json": {"name": "Renamed"}},
    ("PATCH", "/api/v1/sites/{site_id}"): lambda shop: {"json": {"respect_do_not_track": False}},
    ("PATCH", "/api/v1/team/members/{user_id}"): lambda shop: {"json": {"role": "viewer"}},
    ("POST", "/api/v1/ugc/items/{item_id}/rights/request"): lambda shop: {
        "json": {"channel": "comment"}
    },
    ("POST", "/api/v1/ugc/items/{item_id}/rights/grant"): lambda shop: {
        "json": {"channel": "dm", "evidence": "Yes, use it!"}
    },
    ("POST", "/api/v1/ugc/items/{item_id}/rights/comments"): lambda shop: {
        "json": {"comments": [{"author": "c1", "text": "#yesacme", "at": utcnow().isoformat()}]}
    },
    ("POST", "/api/v1/ugc/items/{item_id}/tags"): lambda shop: {
        "json": {"product_id": shop.products["BT-9"], "status": "accepted"}
    },
    ("POST", "/api/v1/ugc/collections/{collection_id}/items"): lambda shop: {
        "json": {"item_ids": [shop.items["boots"]]}
    },
    ("PUT", "/api/v1/galleries/shop-pages/{page_id}/posts/{post}/products"): lambda shop: {
        "json": {"skus": ["BT-9"]}
    },
    ("PUT", "/api/v1/galleries/shop-pages/{page_id}/posts/{post}/picture"): lambda shop: {
        "content": image_bytes(4)
    },
    ("POST", "/ugc/items/{item_id}/status"): lambda shop: {"data": {"status": "approved"}},
    ("POST", "/ugc/items/{item_id}/rights"): lambda shop: {"data": {"action": "request"}},
    ("POST", "/ugc/items/{item_id}/rights/grant"): lambda shop: {
        "data": {"channel": "dm", "evidence": "Yes, use it!"}
    },
    ("POST", "/ugc/items/{item_id}/tags"): lambda shop: {
        "data": {"product_id": shop.products["BT-9"], "status": "accepted"}
    },
    ("POST", "/settings/sites/{site_id}/origins"): lambda shop: {
        "data": {"origin": "https://b.example"}
    },
    ("POST", "/settings/sites/{site_id}"): lambda shop: {"data": {"identity_mode": "cookieless"}},
    ("POST", "/settings/accounts/{account_id}/token"): lambda shop: {
        "data": {"access_token": "t0ken"}
    },
    ("POST", "/settings/team/members/{user_id}/role"): lambda shop: {"data": {"role": "viewer"}},
    ("PATCH", "/api/v1/kpi-goals/{goal_id}"): lambda shop: {"json": {"target": "1500"}},
    ("POST", "/goals/{goal_id}/edit"): _goal_form,
    ("PATCH", "/api/v1/segments/{segment_id}"): lambda shop: {"json": {"description": "Moved"}},
    ("PATCH", "/api/v1/experiments/{experiment_id}"): lambda shop: {
        "json": {"name": "Renamed", "weights": {"holdout": 0.2}}
    },
    ("POST", "/sources/connect/pick/{grant_id}"): lambda shop: {"data": {"account": META_CHOICE}},
}


def _id_routes(services: Services) -> list[RouteInfo]:
    routes = walk(create_app(services=services))
    return [r for r in routes if not r.public and any(p.endswith("_id}") for p in _params(r))]


def _params(route: RouteInfo) -> list[str]:
    return [part for part in route.path.split("/") if "{" in part]


def _fill(route: RouteInfo, services: Services, shop: Shop) -> str:
    path = route.path
    for part in _params(route):
        name = part[part.index("{") + 1 : part.index("}")]
        assert name in ROWS, f"{route.method} {route.path}: add a row maker for {{{name}}}"
        path = path.replace("{" + name + "}", ROWS[name](services, shop))
    return path


def test_every_id_route_hides_another_workspaces_rows(services: Services, live_server: str) -> None:
    shop = make_shop(services)
    other = make_brand(services, slug="globex")
    theirs = make_token(services, other, list(Scope))
    own = make_token(services, shop.brand, list(Scope))
    routes = _id_routes(services)
    assert len(routes) >= 30, [f"{r.method} {r.path}" for r in routes]
    failures: list[str] = []
    with httpx.Client(base_url=live_server, follow_redirects=False, timeout=20) as user:
        login(user, other.email(Role.OWNER), PASSWORD)
        csrf = csrf_of(user)
        for route in routes:
            url = _fill(route, services, shop)
            maker = BODIES.get((route.method, route.path))
            body = maker(shop) if maker else {}
            name = f"{route.method} {route.path}"
            as_user = user.request(route.method, url, headers={"x-csrf-token": csrf}, **body)
            if as_user.status_code != 404:
                failures.append(f"{name} as user: {as_user.status_code} {as_user.text[:200]}")
            bearer = {"Authorization": f"Bearer {theirs}"}
            as_token = httpx.request(route.method, live_server + url, headers=bearer, **body)
            if as_token.status_code != 404 or shop.brand.workspace_id in as_token.text:
                failures.append(f"{name} as token: {as_token.status_code} {as_token.text[:200]}")
            mine = {"Authorization": f"Bearer {own}"}
            control = httpx.request(route.method, live_server + url, headers=mine, **body)
            if control.status_code in (404, 422) or control.status_code >= 500:
                failures.append(f"{name} control: {control.status_code} {control.text[:200]}")
    assert failures == [], "\n".join(failures)


@pytest.mark.parametrize("name", sorted(ROWS))
def test_every_row_maker_is_used_by_a_route(services: Services, name: str) -> None:
    """A maker whose routes are gone is dead weight: the walk names only live parameters."""
    used = {part.strip("{}") for r in _id_routes(services) for part in _params(r)}
    assert name in used
