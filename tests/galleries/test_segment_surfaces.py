"""Per-segment rules through the API (errors naming the entry and field, preview as a
segment) and the CLI (`--segment-rule`, `galleries segment-rules`), from empty stores."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import httpx

from mercato.core.scopes import Scope
from mercato.runtime import Services
from mercato.segments import service as segments
from mercato.segments.schemas import SegmentCreate
from tests.cli.test_cli import mercato
from tests.galleries.support import make_shop
from tests.galleries.test_segment_rules import TIKTOK, _tiktok_items
from tests.support.brands import PASSWORD, make_token
from tests.support.server import login

SRC = str(Path(__file__).resolve().parents[2] / "src")


def _cli(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return mercato(data, *args, PYTHONPATH=SRC)


def test_api_validates_stores_and_previews_segment_rules(
    services: Services, live_server: str
) -> None:
    shop = make_shop(services)
    ws = shop.brand.workspace_id
    [video] = _tiktok_items(services, shop, 1)
    with services.catalog.session() as s:
        request = SegmentCreate(name="From TikTok", definition=TIKTOK)
        segment_id = segments.create_segment(s, services.warehouse, ws, request).id
    token = make_token(services, shop.brand, [Scope.UGC_READ, Scope.UGC_WRITE])
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=live_server, headers=headers, timeout=60) as api:
        wrong = [
            ({"segment_id": "nobody", "rule": {"platform": "tiktok"}}, "[0].segment_id"),
            ({"segment_id": "From TikTok", "rule": {"platfrom": "tiktok"}}, "[0].rule.platfrom"),
            ({"segment_id": "From TikTok", "rule": {"min_rating": "4"}}, "[0].rule.min_rating"),
            ({"segment_id": "From TikTok"}, "[0].rule"),
        ]
        for entry, where in wrong:
            bad = api.post(
                "/api/v1/galleries", json={"name": "Bad", "rule": {"segment_rules": [entry]}}
            )
            assert bad.status_code == 422, bad.text
            assert bad.json()["error"]["location"] == "rule.segment_rules" + where
        twice = [
            {"segment_id": "From TikTok", "rule": {"platform": "tiktok"}},
            {"segment_id": segment_id, "rule": {"platform": "instagram"}},
        ]
        bad = api.post("/api/v1/galleries", json={"name": "Bad", "rule": {"segment_rules": twice}})
        assert bad.json()["error"]["location"] == "rule.segment_rules[1].segment_id"
        rule = {
            "sort": "curation",
            "segment_rules": [{"segment_id": "From TikTok", "rule": {"platform": "tiktok"}}],
        }
        created = api.post("/api/v1/galleries", json={"name": "Home for you", "rule": rule})
        assert created.status_code == 201, created.text
        assert created.json()["rule"]["segment_rules"] == [
            {"segment_id": segment_id, "rule": {"platform": "tiktok"}}
        ]
        as_segment = api.post(
            "/api/v1/galleries/preview", json={"rule": rule, "segment": segment_id}
        )
        assert as_segment.status_code == 200, as_segment.text
        assert as_segment.json()["segment"] == segment_id
        assert [i["id"] for i in as_segment.json()["items"]] == [video]
        everyone = api.post("/api/v1/galleries/preview", json={"rule": rule}).json()
        assert "segment" not in everyone
        assert len(everyone["items"]) == 5  # the shop's publishable items, the video too
        unknown = api.post("/api/v1/galleries/preview", json={"rule": rule, "segment": "x"})
        assert unknown.status_code == 422
        assert unknown.json()["error"]["location"] == "segment"
        gallery_id = created.json()["id"]
        with services.catalog.session() as s:
            segments.delete_segment(s, ws, segment_id)
        # The builder keeps a rule whose segment was deleted in view; saving then names it.
        with httpx.Client(base_url=live_server, timeout=60) as browser:
            login(browser, shop.brand.email(), PASSWORD)
            builder = browser.get(f"/galleries/{gallery_id}")
            assert builder.status_code == 200
            assert f'<option value="{segment_id}" selected>deleted segment' in builder.text
        kept = api.patch(f"/api/v1/galleries/{gallery_id}", json={"max_items": 4})
        assert kept.json()["error"]["location"] == "rule.segment_rules[0].segment_id"
        with services.catalog.session() as s:
            segment_id = segments.create_segment(s, services.warehouse, ws, request).id
        rule["segment_rules"] = [{"segment_id": segment_id, "rule": {"platform": "tiktok"}}]
        assert api.patch(f"/api/v1/galleries/{gallery_id}", json={"rule": rule}).status_code == 200
        manual = api.patch(
            f"/api/v1/galleries/{created.json()['id']}", json={"selection": "manual"}
        )
        assert manual.status_code == 422
        assert manual.json()["error"]["location"] == "rule.segment_rules"


def test_cli_sets_shows_and_clears_segment_rules(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert _cli(data, "db", "upgrade").returncode == 0
    assert _cli(data, "workspaces", "create", "acme", "--name", "Acme").returncode == 0
    definition = json.dumps(TIKTOK)
    made = _cli(
        data, "segments", "create", "-w", "acme", "--name", "From TikTok",
        "--definition", definition, "--format", "json",
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    [segment] = json.loads(made.stdout)
    segment_id = segment["id"]
    created = _cli(
        data, "galleries", "create", "-w", "acme", "--name", "Home",
        "--segment-rule", "From TikTok:platform=tiktok,content_type=video,product_skus=A-1|B-2",
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    gallery_id = created.stdout.split("created gallery ", 1)[1].split()[0]
    shown = _cli(data, "galleries", "segment-rules", "-w", "acme", gallery_id)
    assert shown.returncode == 0, shown.stderr
    assert segment_id in shown.stdout
    assert "From TikTok" in shown.stdout
    assert '"product_skus": ["A-1", "B-2"]' in shown.stdout
    for raw, message in [
        ("nobody:platform=tiktok", "rule.segment_rules[0].segment_id"),
        ("From TikTok:colour=red", "rule.segment_rules[0].rule.colour"),
        ("From TikTok", "needs SEGMENT:key=value"),
        ("From TikTok:min_rating=four", "min_rating must be a whole number"),
    ]:
        bad = _cli(
            data, "galleries", "segment-rules", "-w", "acme", gallery_id, "--segment-rule", raw
        )
        assert bad.returncode != 0
        assert message in bad.stdout + bad.stderr, bad.stdout + bad.stderr
        assert "Traceback" not in bad.stderr
    replaced = _cli(
        data, "galleries", "segment-rules", "-w", "acme", gallery_id,
        "--segment-rule", f"{segment_id}:sort=recent,min_rating=4",
    )  # fmt: skip
    assert replaced.returncode == 0, replaced.stderr
    assert '"min_rating": 4' in replaced.stdout
    assert "content_type" not in replaced.stdout
    cleared = _cli(data, "galleries", "segment-rules", "-w", "acme", gallery_id, "--clear")
    assert cleared.returncode == 0, cleared.stderr
    assert segment_id not in cleared.stdout
