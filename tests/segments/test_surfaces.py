"""Segments over the real server (API, pages) and the CLI, from an empty data dir."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import httpx

from mercato.core.scopes import Scope
from mercato.runtime import Services
from mercato.warehouse.loader import load
from tests.cli.test_cli import mercato
from tests.segments import fixture
from tests.segments.reference import Reference
from tests.support.brands import PASSWORD, make_brand, make_token
from tests.support.server import login

SRC = str(Path(__file__).resolve().parents[2] / "src")
TIKTOK_FIRST = {"kind": "trait", "trait": "platform", "values": ["tiktok"], "session": "first"}
RETURNING = {"kind": "flag", "flag": "returning"}


def _cli(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return mercato(data, *args, PYTHONPATH=SRC)


def _seed(services: Services, workspace_id: str) -> Reference:
    tables = fixture.build(workspace_id=workspace_id)
    for name, table in tables.items():
        load(services.warehouse, name, table)
    return Reference(tables, workspace_id, fixture.AS_OF, {})


def test_api_and_pages(services: Services, live_server: str) -> None:
    brand = make_brand(services)
    reference = _seed(services, brand.workspace_id)
    writer = make_token(
        services, brand, [Scope.ANALYTICS_READ, Scope.CATALOG_WRITE, Scope.UGC_READ]
    )
    reader = make_token(services, brand, [Scope.ANALYTICS_READ])
    auth = {"Authorization": f"Bearer {writer}"}
    with httpx.Client(base_url=live_server, headers=auth, timeout=60) as api:
        created = api.post(
            "/api/v1/segments", json={"name": "TikTok first", "definition": TIKTOK_FIRST}
        )
        assert created.status_code == 201, created.text
        tiktok = created.json()
        assert tiktok["summary"] == "platform (first session) in tiktok"
        size = api.get(f"/api/v1/segments/{tiktok['id']}/size").json()
        from mercato.segments.definition import parse

        assert size["visitors"] == len(reference.members(parse(TIKTOK_FIRST)))
        assert len(size["trend"]) == 12
        returning = api.post(
            "/api/v1/segments", json={"name": "<b>Returning</b>", "definition": RETURNING}
        ).json()
        # Hostile definitions are refused with where they fail.
        bad = api.post(
            "/api/v1/segments",
            json={"name": "Bad", "definition": {"kind": "and", "rules": [{"kind": "nope"}]}},
        )
        assert bad.status_code == 422
        assert bad.json()["error"]["location"].startswith("definition.and.rules.0")
        assert (
            api.post(
                "/api/v1/segments", json={"name": "TikTok first", "definition": RETURNING}
            ).status_code
            == 409
        )
        # A static list from CSV; a missing cell names its line.
        csv_body = "visitor_id,email\nv0001,x\nv0002,y\nv0001,x\nnot-a-visitor,z\n"
        imported = api.post(
            "/api/v1/segments/csv", params={"name": "Imported"}, content=csv_body,
            headers={"Content-Type": "text/csv"},
        )  # fmt: skip
        assert imported.status_code == 201, imported.text
        assert imported.json()["static_members"] == 3
        members = api.get(f"/api/v1/segments/{imported.json()['id']}/members").json()
        assert members["visitors"] == ["not-a-visitor", "v0001", "v0002"]
        broken = api.post(
            "/api/v1/segments/csv", params={"name": "Broken"}, content="visitor_id,x\n\n,y\n"
        )
        assert broken.status_code == 422
        assert broken.json()["error"]["location"] == "body[0]"
        frozen = api.post(
            "/api/v1/segments",
            json={"name": "Frozen TikTok", "kind": "static", "from_segment": tiktok["id"]},
        ).json()
        assert frozen["static_members"] == size["visitors"]
        # segment= everywhere a number is shown.
        window = {"start": "2023-11-01", "end": "2024-06-01"}
        whole = api.get("/api/v1/kpis", params={**window, "kpi": "sessions"}).json()
        mine = api.get(
            "/api/v1/kpis", params={**window, "kpi": ["sessions", "views"], "segment": tiktok["id"]}
        ).json()
        assert mine["segment"] == tiktok["id"]
        assert "views" in mine["unsupported"]
        assert 0 < mine["rows"][0]["value"] < whole["rows"][0]["value"]
        by_name = api.get(
            "/api/v1/kpis", params={**window, "kpi": "sessions", "segment": "TikTok first"}
        )
        assert by_name.json()["rows"][0]["value"] == mine["rows"][0]["value"]
        assert api.get("/api/v1/kpis", params={"segment": "nope"}).status_code == 404
        traffic = api.get("/api/v1/traffic", params={**window, "segment": tiktok["id"]}).json()
        assert traffic["total"]["sessions"] == mine["rows"][0]["value"]
        attribution = api.get(
            "/api/v1/attribution",
            params={"from": "2023-11-01", "to": "2024-06-01", "segment": tiktok["id"]},
        )
        assert attribution.status_code == 200, attribution.text
        assert (
            api.get("/api/v1/galleries/performance", params={"segment": tiktok["id"]}).status_code
            == 200
        )
        compared = api.get(
            "/api/v1/segments/compare",
            params={**window, "a": tiktok["id"], "b": returning["id"], "kpi": "sessions"},
        ).json()
        row = compared["rows"][0]
        assert row["a_value"] == mine["rows"][0]["value"]
        assert row["b_value"] > 0
        assert row["relative"] == row["b_value"] / row["a_value"] - 1
    with httpx.Client(base_url=live_server, headers={"Authorization": f"Bearer {reader}"}) as api:
        assert len(api.get("/api/v1/segments").json()) == 4
        assert (
            api.post("/api/v1/segments", json={"name": "x", "definition": RETURNING}).status_code
            == 403
        )
    with httpx.Client(base_url=live_server, timeout=120) as browser:
        assert browser.get("/api/v1/segments").status_code == 401
        login(browser, brand.email(), PASSWORD)
        page = browser.get("/segments", params={**window, "a": tiktok["id"], "b": returning["id"]})
        assert page.status_code == 200
        assert "&lt;b&gt;Returning&lt;/b&gt;" in page.text
        assert "<b>Returning</b>" not in page.text
        assert 'id="comparison"' in page.text
        funnel = browser.get("/funnel", params={**window, "segment": tiktok["id"]})
        assert funnel.status_code == 200
        assert "selected>TikTok first" in funnel.text
        assert browser.get("/traffic", params={"segment": tiktok["id"]}).status_code == 200
        assert browser.get("/attribution", params={"segment": tiktok["id"]}).status_code == 200


def test_cli(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert _cli(data, "db", "upgrade").returncode == 0
    assert _cli(data, "workspaces", "create", "acme", "--name", "Acme").returncode == 0
    definition = tmp_path / "def.json"
    definition.write_text(json.dumps({"kind": "not", "rule": RETURNING}))
    made = _cli(data, "segments", "create", "-w", "acme", "--name", "New", "--definition",
                f"@{definition}", "--format", "json")  # fmt: skip
    assert made.returncode == 0, made.stderr
    segment = json.loads(made.stdout)[0]
    assert segment["summary"] == "not returning"
    members = tmp_path / "members.csv"
    members.write_text("v1\nv2\n")
    static = _cli(data, "segments", "create", "-w", "acme", "--name", "List", "--csv", str(members))
    assert static.returncode == 0, static.stderr
    listed = json.loads(_cli(data, "segments", "list", "-w", "acme", "--format", "json").stdout)
    assert [s["name"] for s in listed] == ["List", "New"]
    shown = _cli(data, "segments", "show", "-w", "acme", "List", "--format", "json")
    assert json.loads(shown.stdout)["size"]["visitors"] == 2
    table = _cli(data, "segments", "show", "-w", "acme", "New")
    assert "members now: 0" in table.stdout
    bad = _cli(
        data, "segments", "create", "-w", "acme", "--name", "Bad", "--definition", '{"kind": 1}'
    )
    assert bad.returncode != 0
    assert "definition" in bad.stderr
    window = ("--from", "2024-01-01", "--to", "2024-01-31")
    pair = ("--segment", "New", "--versus", "List", "--format", "json")
    report = _cli(data, "report", "-w", "acme", *window, "--kpi", "sessions", *pair)
    assert report.returncode == 0, report.stderr
    assert json.loads(report.stdout)["rows"][0]["kpi"] == "sessions"
    traffic = _cli(data, "traffic", "-w", "acme", *window, "--segment", "List", "--format", "json")
    assert traffic.returncode == 0, traffic.stderr
    assert json.loads(traffic.stdout)["total"][0]["sessions"] == 0
    missing = _cli(data, "report", "-w", "acme", "--from", "2024-01-01", "--to", "2024-01-31",
                   "--segment", "nope")  # fmt: skip
    assert missing.returncode != 0
    assert "no segment 'nope'" in missing.stderr
