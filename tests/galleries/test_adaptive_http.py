"""An adaptive gallery through the real server, from an empty data dir: each visitor gets a
permutation of the default order that stays put on reloads, the body carries nobody's id,
every decision is logged with its propensity in the visitor's session, a forged log row
is ignored, and the policy API reads it all back."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import httpx

from mercato.core.scopes import Scope
from mercato.galleries.adaptive import ORDER_EVENT
from mercato.runtime import Services
from tests.cli.test_cli import mercato
from tests.experiments.test_delivery import BROWSER, PAGE, _site_key
from tests.galleries.support import make_shop
from tests.support.brands import make_token

SRC = str(Path(__file__).resolve().parents[2] / "src")


def _ids(body: dict[str, Any]) -> list[str]:
    return [item["id"] for item in body["items"]]


def _collect(client: httpx.Client, key: str, events: list[dict[str, Any]]) -> None:
    now = int(time.time() * 1000)
    stamped = [{"url": PAGE, "ts": now, "consent": True, **e} for e in events]
    body = {"key": key, "sent_at": now, "events": stamped}
    response = client.post(
        "/api/collect", content=json.dumps(body), headers={"content-type": "text/plain"}
    )
    assert response.status_code in (200, 202, 204), response.text


def _logged_rows(services: Services, workspace_id: str, gallery_id: str) -> Any:
    events = services.warehouse.for_workspace(workspace_id).table("events")
    mine = events.filter((events.name == ORDER_EVENT) & (events.gallery_id == gallery_id))
    return services.warehouse.execute(
        mine.select("visitor_id", "session_id", "ugc_id", "variant", "properties")
    )


def test_adaptive_gallery_end_to_end(services: Services, live_server: str) -> None:
    shop = make_shop(services)
    ws = shop.brand.workspace_id
    token = make_token(services, shop.brand, [Scope.UGC_READ, Scope.UGC_WRITE])
    key = _site_key(services, shop)
    visitors = [f"vis-{i}" for i in range(24)]
    with (
        httpx.Client(base_url=live_server, headers={"Authorization": f"Bearer {token}"}) as api,
        httpx.Client(base_url=live_server, headers=BROWSER) as public,
    ):
        bad = api.post("/api/v1/galleries", json={"name": "X", "rule": {"order": "best"}})
        assert bad.status_code == 422
        assert "rule.order" in bad.text
        created = api.post(
            "/api/v1/galleries",
            json={"name": "Adaptive home", "rule": {"order": "adaptive", "burn_in": 0}},
        )
        assert created.status_code == 201, created.text
        gallery = created.json()["id"]
        assert created.json()["rule"]["order"] == "adaptive"
        # a bot (the collector drops it) gets the default order, cacheable for everyone
        default = httpx.get(f"{live_server}/g/{gallery}.json", params={"url": PAGE})
        assert default.headers["cache-control"].startswith("public")
        assert "order" not in default.json()
        default_ids = _ids(default.json())
        assert len(default_ids) >= 3
        orders: dict[str, list[str]] = {}
        for vid in visitors:
            params = {"vid": vid, "key": key, "url": PAGE}
            response = public.get(f"/g/{gallery}.json", params=params)
            assert response.status_code == 200
            assert response.headers["cache-control"].startswith("private")
            assert vid not in response.text  # the shared body names no visitor
            body = response.json()
            assert body["order"] == "adaptive"
            orders[vid] = _ids(body)
            assert sorted(orders[vid]) == sorted(default_ids)
            again = public.get(f"/g/{gallery}.json", params=params).json()
            assert _ids(again) == orders[vid]  # stable within the session
            html = public.get(f"/g/{gallery}.html", params=params)
            assert html.text.index(orders[vid][0]) < html.text.index(orders[vid][1])
        assert len({ids[0] for ids in orders.values()}) > 1  # burn-in 0: leads are drawn
        # the visitors see their lead and half of them click it; one client forges a log row
        for n, (vid, ids) in enumerate(orders.items()):
            seen = {"name": "ugc_impression", "visitor_id": vid, "ugc_id": ids[0],
                    "gallery_id": gallery}  # fmt: skip
            events = [seen, {**seen, "name": "ugc_click"}] if n % 2 == 0 else [seen]
            _collect(public, key, events)
        _collect(public, key, [{"name": ORDER_EVENT, "visitor_id": "forger",
                                "ugc_id": default_ids[-1], "gallery_id": gallery,
                                "props": {"state": "reverted", "propensity": 1}}])  # fmt: skip
        deadline = time.monotonic() + 30
        while True:
            rows = _logged_rows(services, ws, gallery)
            policy = api.get(f"/api/v1/galleries/{gallery}/policy")
            assert policy.status_code == 200, policy.text
            document = policy.json()
            if document["logged_exposures"] >= len(visitors) or time.monotonic() > deadline:
                break
            time.sleep(0.3)
        other = api.get("/api/v1/galleries/" + shop.home + "/policy")
    served = rows[rows["variant"].notna()]
    assert sorted(served["visitor_id"]) == sorted(visitors)  # one decision per session
    assert served["session_id"].notna().all()
    for row in served.itertuples():
        logged = json.loads(row.properties)
        assert row.ugc_id == orders[row.visitor_id][0]
        assert 0 < logged["propensity"] <= 1
        assert logged["arm"] == row.variant
        assert logged["default_lead"] == default_ids[0]
        assert row.visitor_id not in row.properties
    assert document["state"] == "adaptive"  # the forged "reverted" row is not the log
    assert document["logged_exposures"] == len(visitors)
    assert [row["ugc_id"] for row in document["items"]] == default_ids
    assert abs(sum(row["allocation"] for row in document["items"]) - 1) < 1e-9
    assert document["logged_reward_rate"] == 0.5
    assert document["default_order_estimate"]["doubly_robust"] is not None
    assert other.status_code == 200
    assert other.json()["order"] == "default"  # the home gallery keeps its default order
    assert other.json()["state"] is None
    assert document["order"] == "adaptive"


def test_cli_sets_and_reports_the_adaptive_order(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert mercato(data, "db", "upgrade", PYTHONPATH=SRC).returncode == 0
    assert (
        mercato(data, "workspaces", "create", "acme", "--name", "Acme", PYTHONPATH=SRC).returncode
        == 0
    )
    rule = '{"order": "adaptive", "reward": "add_to_cart", "burn_in": 20}'
    created = mercato(
        data, "galleries", "create", "-w", "acme", "--name", "Home", "--rule", rule, PYTHONPATH=SRC
    )
    assert created.returncode == 0, created.stderr
    gallery = created.stdout.split('data-mercato-gallery="')[1].split('"')[0]
    shown = mercato(data, "galleries", "policy", "-w", "acme", gallery, PYTHONPATH=SRC)
    assert shown.returncode == 0, shown.stderr
    assert "state: burn_in" in shown.stdout
    assert "0 logged lead exposure(s)" in shown.stdout
    as_json = mercato(
        data, "galleries", "policy", "-w", "acme", gallery, "--format", "json", PYTHONPATH=SRC
    )
    assert json.loads(as_json.stdout)["state"] == "burn_in"
    bad = mercato(
        data,
        "galleries",
        "create",
        "-w",
        "acme",
        "--name",
        "X",
        "--rule",
        '{"order": "adaptive", "floor": 0.9}',
        PYTHONPATH=SRC,
    )
    assert bad.returncode != 0
    assert "rule.floor" in bad.stdout + bad.stderr
    assert "Traceback" not in bad.stderr
    plain = mercato(data, "galleries", "create", "-w", "acme", "--name", "Plain", PYTHONPATH=SRC)
    plain_id = plain.stdout.split('data-mercato-gallery="')[1].split('"')[0]
    plain_policy = mercato(data, "galleries", "policy", "-w", "acme", plain_id, PYTHONPATH=SRC)
    assert plain_policy.returncode == 0, plain_policy.stderr
    assert "order: default" in plain_policy.stdout
    missing = mercato(data, "galleries", "policy", "-w", "acme", "gal_nope", PYTHONPATH=SRC)
    assert missing.returncode != 0
    assert "Traceback" not in missing.stderr
