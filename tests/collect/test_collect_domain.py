"""`POST /api/collect` addressed by domain (`data-domain` snippets) instead of a site key, and
the event names the tracker sends on its own for link clicks."""

from __future__ import annotations

import json
from typing import Any

from mercato.catalog.models import Site
from mercato.catalog.site_activity import install_check
from mercato.collect.enrich import _path_of
from tests.collect.conftest import CollectServer
from tests.support.brands import make_brand

SHOP = "https://acme.example"


def _post(server: CollectServer, body: dict[str, Any], origin: str | None = SHOP) -> Any:
    headers = {"content-type": "text/plain"}
    if origin:
        headers["origin"] = origin
    with server.client() as client:
        return client.post("/api/collect", content=json.dumps(body), headers=headers)


def _pageview(**fields: Any) -> dict[str, Any]:
    return {"name": "pageview", "url": f"{SHOP}/", "ts": 1_763_900_000_123, **fields}


def test_domain_resolves_the_site_for_an_allowed_origin(collect_server: CollectServer) -> None:
    body = {
        "domain": "ACME.example",
        "sent_at": 1_763_900_000_200,
        "events": [
            _pageview(event_id="d-1"),
            {"name": "outbound_link", "url": f"{SHOP}/", "props": {"url": "https://x.example/"}},
            {"name": "file_download", "url": f"{SHOP}/", "props": {"url": f"{SHOP}/a.pdf"}},
        ],
    }
    response = _post(collect_server, body)
    assert response.status_code == 202, response.text
    assert response.headers["access-control-allow-origin"] == SHOP
    collect_server.flush()
    rows = sorted(collect_server.rows("events"), key=lambda r: r["name"])
    assert [r["name"] for r in rows] == ["file_download", "outbound_link", "pageview"]
    assert {r["workspace_id"] for r in rows} == {collect_server.brand.workspace_id}
    assert json.loads(rows[1]["properties"]) == {"url": "https://x.example/"}
    (session,) = collect_server.rows("sessions")
    assert (session["pageviews"], session["orders"], session["leads"]) == (1, 0, 0)


def test_domain_hits_are_refused_clearly(collect_server: CollectServer) -> None:
    unknown = _post(collect_server, {"domain": "nope.example", **_pageview()})
    assert unknown.status_code == 422
    assert unknown.json()["error"]["location"] == "domain"
    assert "nope.example" in unknown.json()["error"]["message"]
    hostile = _post(collect_server, {"domain": "<script>.example", **_pageview()})
    assert hostile.status_code == 422
    assert hostile.json()["error"]["location"] == "domain"
    neither = _post(collect_server, _pageview())
    assert neither.status_code == 422
    assert "site key" in neither.json()["error"]["message"]
    no_origin = _post(collect_server, {"domain": "acme.example", **_pageview()}, origin=None)
    assert no_origin.status_code == 403
    assert "Origin" in no_origin.json()["error"]["message"]
    stranger = "https://evil.example"
    forged = _post(collect_server, {"domain": "acme.example", **_pageview()}, origin=stranger)
    assert forged.status_code == 403
    assert "access-control-allow-origin" not in forged.headers
    collect_server.app.state.site_activity.flush()
    collect_server.flush()
    assert collect_server.rows("events") == []
    with collect_server.services.catalog.session() as session:
        site = session.query(Site).filter(Site.domain == "acme.example").one()
        check = install_check(session, site)
    assert [r.origin for r in check.refused] == [stranger]  # the install check names it


def test_two_sites_on_one_domain_are_told_apart_by_origin(
    collect_server: CollectServer,
) -> None:
    other = make_brand(collect_server.services, slug="acme-outlet")
    with collect_server.services.catalog.session() as session:
        site = session.query(Site).filter(Site.public_key == other.site_public_key).one()
        site.domain = "acme.example"
        site.allowed_origins = ["https://outlet.acme.example"]
    outlet = _post(
        collect_server, {"domain": "acme.example", **_pageview()}, "https://outlet.acme.example"
    )
    assert outlet.status_code == 202, outlet.text
    collect_server.flush()
    (row,) = collect_server.rows("events")
    assert row["workspace_id"] == other.workspace_id
    with collect_server.services.catalog.session() as session:
        site = session.query(Site).filter(Site.public_key == other.site_public_key).one()
        site.allowed_origins = ["https://outlet.acme.example", SHOP]
    collect_server.app.state.collect_domains.clear()  # the 30 s cache, for the test
    both = _post(collect_server, {"domain": "acme.example", **_pageview()})
    assert both.status_code == 422
    assert "data-key" in both.json()["error"]["message"]


def test_hash_routes_continue_the_path() -> None:
    assert _path_of("https://shop.example/#/products/mug") == "/products/mug"
    assert _path_of("https://shop.example/app/#!/cart?step=2") == "/app/cart"
    assert _path_of("https://shop.example/products/mug#reviews") == "/products/mug"
    assert _path_of("https://shop.example") == "/"
