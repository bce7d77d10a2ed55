"""Every non-public route rejects anonymous callers and tokens without its scope."""

from __future__ import annotations

import httpx
import pytest

from mercato.core.scopes import Scope
from mercato.runtime import Services
from mercato.web.app import create_app
from tests.support.brands import PASSWORD, Brand, make_token
from tests.support.routes import walk
from tests.support.server import csrf_in, csrf_of, login


def test_every_route_is_public_or_requires_a_scope(services: Services) -> None:
    routes = walk(create_app(services=services))
    assert routes, "no routes found"
    unguarded = [f"{r.method} {r.path}" for r in routes if r.scope is None and not r.public]
    assert unguarded == [], "routes without Requires(...) and not tagged public"
    guarded_public = [f"{r.method} {r.path}" for r in routes if r.scope and r.public]
    assert guarded_public == [], "a route cannot be both public and guarded"


def test_anonymous_and_wrong_scope_are_rejected(
    services: Services, brand: Brand, live_server: str
) -> None:
    routes = [r for r in walk(create_app(services=services)) if r.scope is not None]
    assert len(routes) >= 4
    for route in routes:
        # A token holding every scope but the one this route needs.
        others = [scope for scope in Scope if scope is not route.scope]
        secret = make_token(services, brand, others)
        url = live_server + route.concrete_path()
        with httpx.Client(follow_redirects=False, timeout=10) as client:
            anonymous = client.request(route.method, url)
            if route.page:
                assert anonymous.status_code == 303, (route, anonymous.status_code)
                assert anonymous.headers["location"].startswith("/login")
            else:
                assert anonymous.status_code == 401, (route, anonymous.status_code)
            wrong = client.request(route.method, url, headers={"Authorization": f"Bearer {secret}"})
            assert wrong.status_code == 403, (route, wrong.status_code, wrong.text)
            garbage = client.request(
                route.method, url, headers={"Authorization": "Bearer mct_not-a-token"}
            )
            assert garbage.status_code == 401, (route, garbage.status_code)


def test_wrong_password_is_a_clear_message(brand: Brand, live_server: str) -> None:
    with httpx.Client(base_url=live_server, follow_redirects=False) as client:
        page = client.get("/login")
        csrf = csrf_in(page.text)
        response = client.post(
            "/login",
            data={"email": brand.email(), "password": "nope-nope", "csrf_token": csrf},
        )
        assert response.status_code == 401
        assert "Wrong email or password." in response.text
        assert "Traceback" not in response.text


def test_login_without_csrf_is_refused(brand: Brand, live_server: str) -> None:
    with httpx.Client(base_url=live_server, follow_redirects=False) as client:
        response = client.post("/login", data={"email": brand.email(), "password": PASSWORD})
        assert response.status_code == 403


def test_login_then_cookie_session_needs_csrf_for_unsafe_methods(
    brand: Brand, live_server: str
) -> None:
    with httpx.Client(base_url=live_server, follow_redirects=False) as client:
        login(client, brand.email(), PASSWORD)
        assert client.get("/api/v1/me").json()["role"] == "owner"
        body = {"name": "bi", "scopes": ["analytics:read"]}
        assert client.post("/api/v1/tokens", json=body).status_code == 403
        created = client.post(
            "/api/v1/tokens", json=body, headers={"X-CSRF-Token": csrf_of(client)}
        )
        assert created.status_code == 201, created.text
        secret = created.json()["secret"]
    me = httpx.get(f"{live_server}/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert me.json()["scopes"] == ["analytics:read"]


def test_open_redirect_after_login_is_refused(brand: Brand, live_server: str) -> None:
    with httpx.Client(base_url=live_server, follow_redirects=False) as client:
        page = client.get("/login?next=https://evil.example/")
        assert "https://evil.example" not in page.text
        csrf = csrf_in(page.text)
        response = client.post(
            "/login",
            data={
                "email": brand.email(),
                "password": PASSWORD,
                "csrf_token": csrf,
                "next": "//evil.example/",
            },
        )
        assert response.headers["location"] == "/"


@pytest.mark.parametrize(
    ("role", "status"), [("viewer", 403), ("analyst", 403), ("admin", 200), ("owner", 200)]
)
def test_roles_map_to_scopes(brand: Brand, live_server: str, role: str, status: int) -> None:
    from mercato.core.scopes import Role

    with httpx.Client(base_url=live_server, follow_redirects=False) as client:
        login(client, brand.email(Role(role)), PASSWORD)
        assert client.get("/api/v1/tokens").status_code == status
        assert client.get("/api/v1/me").status_code == 200


def test_revoked_token_stops_working(services: Services, brand: Brand, live_server: str) -> None:
    admin = make_token(services, brand, [Scope.ADMIN, Scope.ANALYTICS_READ])
    headers = {"Authorization": f"Bearer {admin}"}
    with httpx.Client(base_url=live_server, headers=headers) as client:
        made = client.post("/api/v1/tokens", json={"name": "x", "scopes": ["analytics:read"]})
        token_id, secret = made.json()["id"], made.json()["secret"]
        bearer = {"Authorization": f"Bearer {secret}"}
        assert httpx.get(f"{live_server}/api/v1/me", headers=bearer).status_code == 200
        assert client.delete(f"/api/v1/tokens/{token_id}").json()["revoked_at"]
        assert httpx.get(f"{live_server}/api/v1/me", headers=bearer).status_code == 401
        bad_scope = client.post("/api/v1/tokens", json={"name": "x", "scopes": ["root"]})
        assert bad_scope.status_code == 422
        assert "scopes" in bad_scope.text


def test_public_surface(live_server: str) -> None:
    assert httpx.get(f"{live_server}/healthz").json()["status"] == "ok"
    root = httpx.get(f"{live_server}/api/v1").json()
    assert root["openapi"] == "/api/v1/openapi.json"
    spec = httpx.get(f"{live_server}/api/v1/openapi.json").json()
    operation_ids = [
        operation["operationId"] for path in spec["paths"].values() for operation in path.values()
    ]
    assert len(operation_ids) == len(set(operation_ids))
    assert "whoami" in operation_ids
    plotly = httpx.get(f"{live_server}/vendor/plotly.min.js")
    assert plotly.status_code == 200
    assert len(plotly.content) > 1_000_000


def test_workspace_switcher(services: Services, brand: Brand, live_server: str) -> None:
    from mercato.catalog import users, workspaces
    from mercato.core.scopes import Role

    with services.catalog.session() as session:
        second = workspaces.create_workspace(session, slug="second", name="Second Brand")
        users.grant_role(
            session, users.get_user_by_email(session, brand.email()), second, Role.VIEWER
        )
    with httpx.Client(base_url=live_server, follow_redirects=False) as client:
        login(client, brand.email(), PASSWORD)
        assert client.get("/api/v1/me").json()["workspace"] == "acme"
        page = client.get("/")
        assert "Second Brand" in page.text
        csrf = csrf_of(client)
        assert (
            client.post("/workspace", data={"slug": "second", "csrf_token": csrf}).status_code
            == 303
        )
        me = client.get("/api/v1/me").json()
        assert (me["workspace"], me["role"]) == ("second", "viewer")
        refused = client.post("/workspace", data={"slug": "nobody", "csrf_token": csrf})
        assert refused.status_code == 403


def test_security_headers(live_server: str) -> None:
    page = httpx.get(f"{live_server}/login")
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    cookie = page.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=lax" in cookie


def test_password_guessing_is_throttled(brand: Brand, live_server: str) -> None:
    with httpx.Client(base_url=live_server, follow_redirects=False) as client:
        page = client.get("/login")
        csrf = csrf_in(page.text)

        def attempt(password: str) -> httpx.Response:
            form = {"email": brand.email(), "password": password, "csrf_token": csrf}
            return client.post("/login", data=form)

        statuses = [attempt(f"guess-{i}").status_code for i in range(8)]
        # Five free failures per account, then back-off (tests/web/test_throttle.py).
        assert statuses == [401] * 6 + [429] * 2
        locked = attempt(PASSWORD)  # a client that never logged in here waits, right or wrong
        assert locked.status_code == 429
        assert "Too many failed attempts" in locked.text
        assert int(locked.headers["Retry-After"]) >= 1
