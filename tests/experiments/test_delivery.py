"""Experiments through the real server: variants in the gallery response, sticky across
reloads and weight changes, holdouts see nothing, exposures reach the results."""

from __future__ import annotations

import time
from typing import Any

import httpx

from mercato.catalog.models import Site
from mercato.core.scopes import Scope
from mercato.runtime import Services
from tests.galleries.support import Shop, make_shop
from tests.support.brands import make_token

PAGE = "http://shop.test/"
# A browser: the collector drops bots (python-httpx is one), and so would the experiment.
BROWSER = {
    "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0 Safari/537.36"
}


def _api(live_server: str, token: str) -> httpx.Client:
    return httpx.Client(base_url=live_server, headers={"Authorization": f"Bearer {token}"})


def _site_key(services: Services, shop: Shop) -> str:
    with services.catalog.session() as session:
        site = session.query(Site).filter(Site.workspace_id == shop.brand.workspace_id).one()
        return site.public_key


def _fetch(client: httpx.Client, gallery: str, key: str, vid: str) -> httpx.Response:
    return client.get(f"/g/{gallery}.json", params={"vid": vid, "key": key, "url": PAGE})


def _start(api: httpx.Client, body: dict[str, Any]) -> str:
    created = api.post("/api/v1/experiments", json=body)
    assert created.status_code == 201, created.text
    experiment_id: str = created.json()["id"]
    assert api.post(f"/api/v1/experiments/{experiment_id}/start").status_code == 200
    return experiment_id


def _wait_results(api: httpx.Client, experiment_id: str, units: int) -> dict[str, Any]:
    deadline = time.monotonic() + 20
    while True:
        results: dict[str, Any] = api.get(f"/api/v1/experiments/{experiment_id}/results").json()
        if sum(c["exposed"] for c in results["counts"]) >= units or time.monotonic() > deadline:
            return results
        time.sleep(0.2)


def test_ab_variants_are_served_sticky_and_counted(services: Services, live_server: str) -> None:
    shop = make_shop(services)
    token = make_token(services, shop.brand, [Scope.ANALYTICS_READ, Scope.UGC_WRITE])
    key = _site_key(services, shop)
    with (
        _api(live_server, token) as api,
        httpx.Client(base_url=live_server, headers=BROWSER) as public,
    ):
        experiment_id = _start(api, {
            "name": "Carousel of one", "gallery_id": shop.home, "primary_metric": "gallery_ctr",
            "variants": [
                {"key": "control"},
                {"key": "carousel", "kind": "configured", "config": {
                    "layout": "carousel", "selection": "manual",
                    "item_ids": [shop.items["boots"]], "max_items": 1}},
            ],
        })  # fmt: skip
        seen: dict[str, str] = {}
        for i in range(40):
            response = _fetch(public, shop.home, key, f"vis-{i}")
            assert response.status_code == 200
            assert response.headers["cache-control"].startswith("private")
            body = response.json()
            assert body["experiment"]["id"] == experiment_id
            seen[f"vis-{i}"] = variant = body["experiment"]["variant"]
            if variant == "carousel":
                assert body["layout"] == "carousel"
                assert [item["id"] for item in body["items"]] == [shop.items["boots"]]
            else:
                assert body["layout"] != "carousel"
                assert len(body["items"]) > 1
        assert set(seen.values()) == {"control", "carousel"}
        # reloads and a weight change move nobody; new visitors follow the new weights
        changed = api.patch(
            f"/api/v1/experiments/{experiment_id}", json={"weights": {"control": 0}}
        )
        assert changed.status_code == 200, changed.text
        for vid, variant in seen.items():
            assert _fetch(public, shop.home, key, vid).json()["experiment"]["variant"] == variant
        for i in range(10):
            fresh = _fetch(public, shop.home, key, f"new-{i}").json()
            assert fresh["experiment"]["variant"] == "carousel"
        results = _wait_results(api, experiment_id, 50)
    counts = {c["variant"]: c["exposed"] for c in results["counts"]}
    expected = {
        "control": sum(v == "control" for v in seen.values()),
        "carousel": sum(v == "carousel" for v in seen.values()) + 10,
    }
    assert counts == expected
    assert results["experiment"]["assigned"] == 50
    assert results["srm"] is not None  # weights changed mid-run: the check may flag it


def test_workspace_holdout_sees_no_gallery(services: Services, live_server: str) -> None:
    shop = make_shop(services)
    token = make_token(services, shop.brand, [Scope.ANALYTICS_READ, Scope.UGC_WRITE])
    key = _site_key(services, shop)
    with (
        _api(live_server, token) as api,
        httpx.Client(base_url=live_server, headers=BROWSER) as public,
    ):
        experiment_id = _start(api, {"name": "Galleries holdout", "kind": "holdout",
                                     "holdout_share": 0.5})  # fmt: skip
        arms: dict[str, str] = {}
        for i in range(30):
            body = _fetch(public, shop.home, key, f"h-{i}").json()
            arms[f"h-{i}"] = body["experiment"]["variant"]
            assert (body["items"] == []) == (arms[f"h-{i}"] == "holdout")
        assert set(arms.values()) == {"holdout", "galleries"}
        for vid, arm in arms.items():  # every gallery of the workspace, the same arm
            html = public.get(f"/g/{shop.home}.html", params={"vid": vid, "key": key})
            assert (html.text.strip() == "") == (arm == "holdout")
            params = {"vid": vid, "key": key, "product": "BT-9"}
            other = public.get(f"/g/{shop.pdp}.json", params=params).json()
            assert (other["items"] == []) == (arm == "holdout")
        results = _wait_results(api, experiment_id, 30)
        page = api.get(f"/experiments/{experiment_id}")
    assert sum(c["exposed"] for c in results["counts"]) == 30
    # nobody bought: a baseline of 0 leaves the lift undefined, and the result says so
    assert results["comparisons"] == []
    assert "conversion_rate: not compared" in results["note"]
    assert page.status_code == 200


def test_public_delivery_refuses_nothing_on_hostile_visitor_ids(
    services: Services, live_server: str
) -> None:
    shop = make_shop(services)
    token = make_token(services, shop.brand, [Scope.ANALYTICS_READ, Scope.UGC_WRITE])
    with (
        _api(live_server, token) as api,
        httpx.Client(base_url=live_server, headers=BROWSER) as public,
    ):
        _start(api, {"name": "H", "kind": "holdout", "holdout_share": 0.5})
        for vid in ["<script>", "x" * 500, "", "a b"]:
            response = public.get(f"/g/{shop.home}.json", params={"vid": vid, "url": "nope"})
            assert response.status_code == 200
            assert "experiment" in response.json()
