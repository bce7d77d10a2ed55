"""Settings over the real server: admins only, CSRF on every form, team invitations by a
one-time link (page and API), API tokens shown once and revocable from the page."""

from __future__ import annotations

import re

import httpx

from mercato.core.scopes import Role, Scope
from mercato.runtime import Services
from tests.support.brands import PASSWORD, Brand, make_token
from tests.support.server import csrf_in, login

SETTINGS_PAGES = [
    "/settings/sites",
    "/settings/team",
    "/settings/tokens",
    "/settings/benchmarks",
    "/settings/ugc",
    "/settings/accounts",
]


def _logged_in(base: str, email: str, password: str = PASSWORD) -> httpx.Client:
    client = httpx.Client(base_url=base, follow_redirects=False)
    login(client, email, password)
    return client


def test_settings_are_for_admins(brand: Brand, live_server: str) -> None:
    admin = _logged_in(live_server, brand.email(Role.ADMIN))
    assert 'href="/settings"' in admin.get("/").text
    for path in SETTINGS_PAGES:
        page = admin.get(path)
        assert page.status_code == 200, (path, page.text[:300])
        assert 'aria-current="page">Settings' in page.text
        assert " on" + "click=" not in page.text.lower()  # no inline handlers (strict CSP)
    analyst = _logged_in(live_server, brand.email(Role.ANALYST))
    assert 'href="/settings"' not in analyst.get("/").text
    assert all(analyst.get(path).status_code == 403 for path in SETTINGS_PAGES)
    anonymous = httpx.get(f"{live_server}/settings/team", follow_redirects=False)
    assert anonymous.headers["location"].startswith("/login")
    refused = admin.post("/settings/sites", data={"domain": "x.example"})  # no CSRF token
    assert refused.status_code == 403
    admin.close()
    analyst.close()


def test_invitation_link_works_once(brand: Brand, live_server: str) -> None:
    admin = _logged_in(live_server, brand.email(Role.OWNER))
    csrf = csrf_in(admin.get("/settings/team").text)
    made = admin.post(
        "/settings/team/invitations",
        data={"email": "New.Hire@Acme.example", "role": "analyst", "csrf_token": csrf},
    )
    assert made.status_code == 200
    link = re.search(r'id="invite-link">([^<]+)<', made.text)
    assert link is not None
    url = link.group(1)
    assert url.startswith(f"{live_server}/invite/inv_")
    assert url not in admin.get("/settings/team").text  # shown once
    invitee = httpx.Client(base_url=live_server, follow_redirects=False)
    form = invitee.get(url)
    assert "new.hire@acme.example" in form.text
    short = invitee.post(url, data={"password": "short", "csrf_token": csrf_in(form.text)})
    assert short.status_code == 422
    assert "user.password" in short.text
    joined = invitee.post(
        url, data={"password": "a fine password", "csrf_token": csrf_in(form.text)}
    )
    assert joined.status_code == 303
    me = invitee.get("/api/v1/me").json()
    assert (me["role"], me["workspace"]) == ("analyst", brand.slug)
    assert httpx.get(url).status_code == 404  # used up
    again = httpx.Client(base_url=live_server, follow_redirects=False)
    login(again, "new.hire@acme.example", "a fine password")
    duplicate = admin.post(
        "/settings/team/invitations",
        data={"email": "new.hire@acme.example", "role": "viewer", "csrf_token": csrf},
    )
    assert duplicate.status_code == 409
    for client in (admin, invitee, again):
        client.close()


def test_team_api(services: Services, brand: Brand, live_server: str) -> None:
    api = httpx.Client(
        base_url=live_server,
        headers={"Authorization": f"Bearer {make_token(services, brand, [Scope.ADMIN])}"},
    )
    members = api.get("/api/v1/team/members").json()
    assert {m["role"] for m in members} == {"owner", "admin", "analyst", "viewer"}
    owner = next(m for m in members if m["role"] == "owner")
    last_owner = api.patch(f"/api/v1/team/members/{owner['user_id']}", json={"role": "viewer"})
    assert last_owner.status_code == 409
    viewer = next(m for m in members if m["role"] == "viewer")
    promoted = api.patch(f"/api/v1/team/members/{viewer['user_id']}", json={"role": "admin"})
    assert promoted.json()["role"] == "admin"
    created = api.post("/api/v1/team/invitations", json={"email": "pat@acme.example"})
    assert created.status_code == 201
    invitation = created.json()
    assert invitation["role"] == "viewer"
    assert invitation["url"].startswith(f"{live_server}/invite/inv_")
    listed = api.get("/api/v1/team/invitations").json()
    assert [i["id"] for i in listed] == [invitation["id"]]
    assert "url" not in listed[0]  # the link is never shown again
    assert api.delete(f"/api/v1/team/invitations/{invitation['id']}").status_code == 200
    assert httpx.get(invitation["url"]).status_code == 404  # revoked
    assert api.delete(f"/api/v1/team/members/{owner['user_id']}").status_code == 409
    assert api.delete(f"/api/v1/team/members/{viewer['user_id']}").status_code == 204
    assert len(api.get("/api/v1/team/members").json()) == 3
    reader = make_token(services, brand, [Scope.ANALYTICS_READ, Scope.CATALOG_READ])
    assert (
        httpx.get(
            f"{live_server}/api/v1/team/members", headers={"Authorization": f"Bearer {reader}"}
        ).status_code
        == 403
    )
    api.close()


def test_tokens_page_shows_the_secret_once_and_revokes(brand: Brand, live_server: str) -> None:
    admin = _logged_in(live_server, brand.email(Role.ADMIN))
    csrf = csrf_in(admin.get("/settings/tokens").text)
    hostile = '<img src=x onerror="alert(1)">'
    made = admin.post(
        "/settings/tokens",
        data={"name": hostile, "scopes": ["analytics:read", "catalog:read"], "csrf_token": csrf},
    )
    assert made.status_code == 200
    assert hostile not in made.text
    assert "&lt;img src=x" in made.text
    secret = re.search(r'id="token-secret">(mct_[\w-]+)<', made.text)
    assert secret is not None
    bearer = {"Authorization": f"Bearer {secret.group(1)}"}
    assert httpx.get(f"{live_server}/api/v1/sites", headers=bearer).status_code == 200
    listing = admin.get("/settings/tokens").text
    assert secret.group(1) not in listing
    token_id = re.search(r'data-token-id="(tok_[\w-]+)"', listing)
    assert token_id is not None
    no_scope = admin.post("/settings/tokens", data={"name": "x", "csrf_token": csrf})
    assert no_scope.status_code == 422
    revoked = admin.post(f"/settings/tokens/{token_id.group(1)}/revoke", data={"csrf_token": csrf})
    assert revoked.status_code == 303
    assert httpx.get(f"{live_server}/api/v1/sites", headers=bearer).status_code == 401
    admin.close()


def test_site_forms_add_origin_and_refuse_bad_input(brand: Brand, live_server: str) -> None:
    admin = _logged_in(live_server, brand.email(Role.ADMIN))
    page = admin.get("/settings/sites").text
    csrf = csrf_in(page)
    site_id = re.search(r'data-site-id="(site_[\w-]+)"', page)
    assert site_id is not None
    action = f"/settings/sites/{site_id.group(1)}"
    added = admin.post(
        f"{action}/origins", data={"origin": "HTTPS://WWW.Acme.example/", "csrf_token": csrf}
    )
    assert added.status_code == 303
    assert "<code>https://www.acme.example</code>" in admin.get("/settings/sites").text
    bad = admin.post(f"{action}/origins", data={"origin": "<script>x</script>", "csrf_token": csrf})
    assert bad.status_code == 422
    assert "&lt;script&gt;x&lt;/script&gt;" in bad.text
    patterns = admin.post(
        action,
        data={
            "identity_mode": "first_party_id",
            "csrf_token": csrf,
            "page_type_patterns": "product: /p/*, /item/*\nblog /b",
        },
    )
    assert patterns.status_code == 422
    assert "page_type_patterns line 2" in patterns.text
    saved = admin.post(
        action,
        data={
            "identity_mode": "first_party_id",
            "csrf_token": csrf,
            "page_type_patterns": "product: /p/*, /item/*",
        },
    )
    assert saved.status_code == 303
    page = admin.get("/settings/sites").text
    assert "product: /p/*, /item/*" in page
    assert "data-identity=&#34;first_party_id&#34;" in page
    assert "data-respect-dnt" not in page.split('id="snippet-')[1].split("</pre>")[0]
    removed = admin.post(
        f"{action}/origins",
        data={"origin": "https://www.acme.example", "action": "remove", "csrf_token": csrf},
    )
    assert removed.status_code == 303
    assert "https://www.acme.example" not in admin.get("/settings/sites").text
    admin.close()


def test_ugc_benchmarks_and_accounts_forms(brand: Brand, live_server: str) -> None:
    admin = _logged_in(live_server, brand.email(Role.ADMIN))
    csrf = csrf_in(admin.get("/settings/ugc").text)
    saved = admin.post(
        "/settings/ugc",
        data={
            "approval_hashtag": "#YesAcme",
            "terms_url": "https://acme.example/ugc-terms",
            "terms_version": "2026-11",
            "rights_days": "365",
            "reward_discount_pct": "12.5",
            "competitor_terms": "Rival Co\nrival co, OtherBrand\n",
            "allow_links": "on",
            "csrf_token": csrf,
        },
    )
    assert saved.status_code == 200
    assert 'value="#YesAcme"' in saved.text
    assert 'value="12.50"' in saved.text
    bad = admin.post("/settings/ugc", data={"terms_url": "javascript:alert(1)", "csrf_token": csrf})
    assert bad.status_code == 422
    assert "ugc.terms_url" in bad.text
    api = httpx.Client(base_url=live_server, cookies=admin.cookies)
    stored = api.get("/api/v1/ugc/settings").json()
    assert stored["approval_hashtag"] == "#YesAcme"
    assert stored["competitor_terms"] == ["Rival Co", "rival co", "OtherBrand"]
    assert stored["allow_links"] is True
    figure = admin.post(
        "/settings/benchmarks",
        data={
            "kpi_id": "engagement_rate_by_followers",
            "value": "0.0123",
            "method": "median per post",
            "source": "Agency <b>report</b>",
            "report_year": "2025",
            "platform": "instagram",
            "csrf_token": csrf,
        },
    )
    assert figure.status_code == 303, figure.text[:300]
    listed = api.get("/api/v1/kpi-benchmarks").json()
    mine = [b for b in listed if b["origin"] == "workspace"]
    assert [(b["kpi_id"], b["platform"], b["value"]) for b in mine] == [
        ("engagement_rate_by_followers", "instagram", 0.0123)
    ]
    assert "Agency &lt;b&gt;report&lt;/b&gt;" in admin.get("/settings/benchmarks").text
    nan = admin.post(
        "/settings/benchmarks",
        data={
            "kpi_id": "engagement_rate_by_followers",
            "value": "nan",
            "method": "m",
            "source": "s",
            "csrf_token": csrf,
        },
    )
    assert nan.status_code == 422
    account = admin.post(
        "/settings/accounts",
        data={"platform": "instagram", "handle": "acme.shop", "csrf_token": csrf},
    )
    assert account.status_code == 303
    page = admin.get("/settings/accounts").text
    assert "acme.shop" in page
    assert ">missing<" in page
    account_id = re.search(r'data-account-id="([\w-]+)"', page)
    assert account_id is not None
    token = admin.post(
        f"/settings/accounts/{account_id.group(1)}/token",
        data={"access_token": "EAAB-secret", "csrf_token": csrf},
    )
    assert token.status_code == 303
    page = admin.get("/settings/accounts").text
    assert ">set<" in page
    assert "EAAB-secret" not in page
    admin.close()
    api.close()
