"""`/api/v1/sites` over the real server: scopes, origins that take effect at once, the
app's own origin for link-in-bio pages, and the install check fed by real collect calls."""

from __future__ import annotations

import time
from typing import Any

import httpx

from mercato.core.scopes import Scope
from mercato.runtime import Services
from tests.support.brands import Brand, make_token

CHROME = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0 Safari/537.36"
)
SHOP = "http://127.0.0.1:47123"


def _bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def _collect(base: str, key: str, origin: str | None) -> httpx.Response:
    headers = {"user-agent": CHROME, "content-type": "text/plain"}
    if origin:
        headers["origin"] = origin
    body = {"key": key, "name": "pageview", "url": "https://shop.acme.example/p/1?x=<b>"}
    return httpx.post(f"{base}/api/collect", json=body, headers=headers)


def _site(api: httpx.Client, site_id: str) -> dict[str, Any]:
    response = api.get(f"/api/v1/sites/{site_id}")
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


def test_sites_crud_scopes_origins_and_install_check(
    services: Services, brand: Brand, live_server: str
) -> None:
    admin = httpx.Client(
        base_url=live_server,
        headers=_bearer(make_token(services, brand, [Scope.ADMIN, Scope.CATALOG_READ])),
    )
    reader = httpx.Client(
        base_url=live_server, headers=_bearer(make_token(services, brand, [Scope.CATALOG_READ]))
    )
    created = admin.post(
        "/api/v1/sites",
        json={
            "domain": "Shop.Acme.example",
            "allowed_origins": [SHOP + "/"],
            "identity_mode": "first_party_id",
            "page_type_patterns": {"product": ["/p/*"]},
        },
    )
    assert created.status_code == 201, created.text
    site = created.json()
    assert site["allowed_origins"] == ["https://shop.acme.example", SHOP]
    assert f'src="{live_server}/tracker.js"' in site["snippet"]
    assert f'data-key="{site["public_key"]}"' in site["snippet"]
    assert 'data-identity="first_party_id"' in site["snippet"]
    assert site["install"]["state"] == "waiting"
    assert reader.post("/api/v1/sites", json={"domain": "x.example"}).status_code == 403
    assert {s["domain"] for s in reader.get("/api/v1/sites").json()} == {
        "acme.example",
        "shop.acme.example",
    }
    assert httpx.get(f"{live_server}/api/v1/sites").status_code == 401

    key, site_id = site["public_key"], site["id"]
    assert _collect(live_server, key, SHOP).status_code == 202
    own = _collect(live_server, key, live_server)  # the app's own link-in-bio pages
    assert own.status_code == 202, own.text
    assert own.headers["access-control-allow-origin"] == live_server
    refused = _collect(live_server, key, "https://evil.example")
    assert refused.status_code == 403
    install = _site(reader, site_id)["install"]
    assert install["state"] == "ok"
    assert install["message"].startswith("last event received")
    assert install["message"].startswith(f"last event received just now from {live_server}")
    assert {r["origin"] for r in install["accepted"]} == {SHOP, live_server}
    assert [r["origin"] for r in install["refused"]] == ["https://evil.example"]
    assert "events refused for origin https://evil.example" in install["message"]

    added = admin.patch(f"/api/v1/sites/{site_id}", json={"add_origins": ["https://Evil.example"]})
    assert added.json()["allowed_origins"][-1] == "https://evil.example"
    assert _collect(live_server, key, "https://evil.example").status_code == 202  # at once
    removed = admin.patch(
        f"/api/v1/sites/{site_id}", json={"remove_origins": ["https://evil.example"]}
    )
    assert "https://evil.example" not in removed.json()["allowed_origins"]
    assert _collect(live_server, key, "https://evil.example").status_code == 403

    bad = admin.patch(f"/api/v1/sites/{site_id}", json={"add_origins": ["javascript:alert(1)"]})
    assert bad.status_code == 422
    assert bad.json()["error"]["location"] == "site.allowed_origins"
    assert "javascript:alert(1)" in bad.json()["error"]["message"]
    assert admin.patch(f"/api/v1/sites/{site_id}", json={"identity_mode": "x"}).status_code == 422
    assert admin.get("/api/v1/sites/site_nope").status_code == 404
    duplicate = admin.post("/api/v1/sites", json={"domain": "shop.acme.example"})
    assert duplicate.status_code == 409

    assert admin.delete(f"/api/v1/sites/{site_id}").status_code == 204
    gone = _collect(live_server, key, SHOP)
    assert gone.status_code == 422
    assert gone.json()["error"]["location"] == "key"
    admin.close()
    reader.close()


def test_refusals_are_counted_per_origin(
    services: Services, brand: Brand, live_server: str
) -> None:
    api = httpx.Client(
        base_url=live_server,
        headers=_bearer(make_token(services, brand, [Scope.ADMIN, Scope.CATALOG_READ])),
    )
    site = next(s for s in api.get("/api/v1/sites").json() if s["domain"] == "acme.example")
    for _ in range(3):
        assert _collect(live_server, site["public_key"], "http://localhost:3000").status_code == 403
    time.sleep(0.05)
    install = _site(api, site["id"])["install"]
    assert install["state"] == "refused"
    assert install["refused"][0]["origin"] == "http://localhost:3000"
    assert install["refused"][0]["count"] >= 1  # written through at most every 10 s
    api.close()
