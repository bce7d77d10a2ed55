"""Gallery API (scopes, CRUD, preview, errors), link-in-bio page, and the CLI."""

from __future__ import annotations

import subprocess
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import httpx
import pyarrow as pa

from mercato.core.scopes import Scope
from mercato.runtime import Services
from mercato.warehouse.loader import load
from tests.cli.test_cli import mercato
from tests.galleries.support import XSS, make_shop
from tests.support.brands import make_token

SRC = str(Path(__file__).resolve().parents[2] / "src")


def _cli(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """This checkout's code, whatever the venv's editable install points at."""
    return mercato(data, *args, PYTHONPATH=SRC)


def _client(live_server: str, token: str) -> httpx.Client:
    return httpx.Client(base_url=live_server, headers={"Authorization": f"Bearer {token}"})


def test_crud_preview_and_scopes(services: Services, live_server: str) -> None:
    shop = make_shop(services)
    writer = make_token(services, shop.brand, [Scope.UGC_READ, Scope.UGC_WRITE])
    reader = make_token(services, shop.brand, [Scope.UGC_READ])
    with _client(live_server, writer) as api:
        created = api.post(
            "/api/v1/galleries",
            json={
                "name": "Summer",
                "layout": "carousel",
                "rule": {"product_line": "Summer"},
                "max_items": 2,
            },
        )
        assert created.status_code == 201, created.text
        gallery = created.json()
        assert f'data-mercato-gallery="{gallery["id"]}"' in gallery["embed"]
        assert shop.brand.site_public_key in gallery["embed"]
        bad = api.post("/api/v1/galleries", json={"name": "Bad", "rule": {"colour": "red"}})
        assert bad.status_code == 422
        assert bad.json()["error"]["location"] == "rule.colour"
        clash = api.post("/api/v1/galleries", json={"name": "Summer"})
        assert clash.status_code == 409
        patched = api.patch(f"/api/v1/galleries/{gallery['id']}", json={"max_items": 5})
        assert patched.json()["max_items"] == 5
        assert patched.json()["version"] == 2
        assert patched.json()["rule"] == {"product_line": "Summer"}
        preview = api.post(
            "/api/v1/galleries/preview",
            json={
                "selection": "manual",
                "item_ids": [shop.items["boots"], shop.items["unapproved"]],
            },
        )
        assert [i["id"] for i in preview.json()["items"]] == [shop.items["boots"]]
        names = [g["name"] for g in api.get("/api/v1/galleries").json()]
        assert names == ["Home", "Shop the look", "Summer"]  # the preview left nothing behind
    with _client(live_server, reader) as api:
        assert api.get(f"/api/v1/galleries/{gallery['id']}").status_code == 200
        assert api.delete(f"/api/v1/galleries/{gallery['id']}").status_code == 403
    with _client(live_server, writer) as api:
        assert api.delete(f"/api/v1/galleries/{gallery['id']}").status_code == 204
        assert api.get(f"/api/v1/galleries/{gallery['id']}").status_code == 404
    with httpx.Client(base_url=live_server) as public:
        assert public.get(f"/g/{gallery['id']}.json").status_code == 404


def test_link_in_bio_page_mirrors_posts_and_ugc(services: Services, live_server: str) -> None:
    shop = make_shop(services)
    token = make_token(services, shop.brand, [Scope.UGC_READ, Scope.UGC_WRITE])
    posts = pa.Table.from_pylist(
        [
            {
                "workspace_id": shop.brand.workspace_id,
                "platform": "instagram",
                "account_id": "1784",
                "post_id": "ig1",
                "posted_at": datetime(2024, 6, 4),
                "content_type": "photo",
                "caption": "New in: BT-9 for the trail " + XSS,
                "permalink": "https://instagram.test/p/ig1",
            },
        ]
    )
    load(services.warehouse, "social_posts", posts)
    with _client(live_server, token) as api:
        page = api.post(
            "/api/v1/galleries/shop-pages", json={"account_id": shop.account_id, "handle": "@Acme"}
        ).json()
        assert page["url"].endswith("/shop/acme")
        taken = api.post(
            "/api/v1/galleries/shop-pages", json={"account_id": shop.account_id, "handle": "acme"}
        )
        assert taken.status_code == 409
    with httpx.Client(base_url=live_server) as public:
        html = public.get("/shop/acme").text
        assert public.get("/shop/nobody").status_code == 404
    data_start = html.index('id="shop-data">') + len('id="shop-data">')
    data = html[data_start : html.index("</script>", data_start)]
    assert "<script>window.__xss" not in data
    assert '"id":"post:ig1"' in data
    assert "utm_medium=link_in_bio" in data
    assert "BT-9" in data
    assert shop.items["dress_a"] in data
    assert shop.items["unapproved"] not in data


def test_cli_create_list_performance(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert _cli(data, "db", "upgrade").returncode == 0
    assert _cli(data, "workspaces", "create", "acme", "--name", "Acme").returncode == 0
    created = _cli(
        data,
        "galleries",
        "create",
        "-w",
        "acme",
        "--name",
        "Home",
        "--rule",
        '{"product_line": "Summer"}',
        "--layout",
        "lookbook",
    )
    assert created.returncode == 0, created.stderr
    assert "data-mercato-gallery=" in created.stdout
    bad = _cli(data, "galleries", "create", "-w", "acme", "--name", "X", "--layout", "mosaic")
    assert bad.returncode != 0
    assert "layout" in bad.stderr + bad.stdout
    assert "Traceback" not in bad.stderr
    listed = _cli(data, "galleries", "list", "-w", "acme")
    assert "Home" in listed.stdout
    assert "Lookbook" in listed.stdout  # the layout by its label
    perf = _cli(data, "galleries", "performance", "-w", "acme")
    assert perf.returncode == 0, perf.stderr
    assert "0 row(s)" in perf.stdout
    assert isinstance(created, subprocess.CompletedProcess)


def test_performance_shows_in_the_library_and_galleries_page(
    services: Services, live_server: str
) -> None:
    shop = make_shop(services)
    ws, boots = shop.brand.workspace_id, shop.items["boots"]
    events = [
        {
            "workspace_id": ws,
            "event_id": f"e{n}",
            "ts": datetime(2024, 11, 3, 12, n),
            "name": name,
            "session_id": "s1",
            "ugc_id": boots,
            "gallery_id": shop.home,
        }
        for n, name in enumerate(["ugc_impression"] * 4 + ["ugc_click", "add_to_cart"])
    ]
    load(services.warehouse, "events", pa.Table.from_pylist(events))
    sessions = [
        {
            "workspace_id": ws,
            "session_id": "s1",
            "started_at": datetime(2024, 11, 3, 12),
            "orders": 1,
            "revenue": Decimal("49.00"),
            "currency": "USD",
        }
    ]
    load(services.warehouse, "sessions", pa.Table.from_pylist(sessions))
    token = make_token(services, shop.brand, [Scope.UGC_READ])
    with _client(live_server, token) as api:
        library = api.get("/ugc").text
        assert "4 impr · CTR 25.0% · 1 carts · 49.00 influenced" in library
        api_rows = api.get("/api/v1/galleries/performance", params={"grain": "gallery"}).json()
        assert [(r["label"], r["impressions"], r["influenced_revenue"]) for r in api_rows] == [
            ("Home", 4, "49.00")
        ]
        page = api.get("/galleries", params={"days": 3650}).text
        assert "Influenced revenue" in page
        assert "Attributed revenue (Linear)" in page
        # Linear model over the journey's 6 touches (the session's channel + the 5 UGC events
        # attribution counts as touches): 49.00 x 5/6 to the boots photo.
        assert '<td class="num">40.83</td>' in page
        assert "Boots on the trail" in page
