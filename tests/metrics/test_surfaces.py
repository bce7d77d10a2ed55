"""The KPI surfaces as users meet them: API (JSON, CSV, CRUD, scopes), page and CLI."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import httpx
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from mercato.catalog import workspaces
from mercato.core.scopes import Role, Scope
from mercato.metrics.compiler import Slice
from mercato.metrics.evaluate import evaluate
from mercato.runtime import Services
from mercato.warehouse.loader import load
from tests.cli.test_cli import mercato
from tests.conftest import make_settings
from tests.metrics import fixture
from tests.support.brands import PASSWORD, Brand, make_brand, make_token
from tests.support.server import csrf_of, login

RANGE = {"start": "2024-02-26", "end": "2024-03-12"}


def load_fixture_rows(services: Services, source: str, workspace_id: str) -> None:
    """The KPI fixture's rows of workspace `source`, stored as `workspace_id`'s."""
    for name, table in fixture.build().items():
        rows = table.filter(pc.equal(table["workspace_id"], source))
        column = pa.array([workspace_id] * rows.num_rows)
        load(
            services.warehouse,
            name,
            rows.set_column(rows.schema.get_field_index("workspace_id"), "workspace_id", column),
        )


def seed(services: Services, brand: Brand) -> None:
    with services.catalog.session() as session:
        workspaces.get_workspace(session, brand.slug).time_zone = fixture.TIME_ZONE
    load_fixture_rows(services, fixture.WORKSPACE, brand.workspace_id)


def _client(live_server: str, token: str) -> httpx.Client:
    return httpx.Client(
        base_url=live_server, headers={"Authorization": f"Bearer {token}"}, timeout=60
    )


def test_kpis_api_json_and_csv(services: Services, brand: Brand, live_server: str) -> None:
    seed(services, brand)
    token = make_token(services, brand, [Scope.ANALYTICS_READ])
    with _client(live_server, token) as client:
        found = client.get(
            "/api/v1/kpis",
            params={
                **RANGE,
                "compare": "yoy",
                "internal": "true",
                "kpi": ["transactions", "aov_gross"],
            },
        )
        csv_reply = client.get("/api/v1/kpis", params={**RANGE, "by": "platform", "format": "csv"})
        bad = client.get("/api/v1/kpis", params={**RANGE, "by": "weather"})
        definitions = client.get("/api/v1/kpi-definitions")
    assert found.status_code == 200, found.text
    body = found.json()
    expected = evaluate(
        services.warehouse.for_workspace(brand.workspace_id),
        Slice(fixture.FIRST, fixture.LAST, fixture.TIME_ZONE),
        ["transactions", "aov_gross"],
    )
    rows = {row["kpi"]: row for row in body["rows"]}
    assert rows["transactions"]["value"] == expected["transactions"].total.value  # type: ignore[union-attr]
    assert Decimal(rows["aov_gross"]["value"]) == expected["aov_gross"].total.value  # type: ignore[union-attr]
    assert body["base_start"] == "2023-02-26"
    assert rows["transactions"]["delta"] is not None
    assert "internal_benchmark" in rows["transactions"]
    assert csv_reply.headers["content-type"].startswith("text/csv")
    header = csv_reply.text.splitlines()[0]
    assert header.startswith("kpi,name,stage,platform,value")
    assert ",n/a," in csv_reply.text  # X posts have no reach: frequency is n/a, not 0
    assert bad.status_code == 422
    assert "query.by" in bad.text
    assert {d["id"] for d in definitions.json()} >= {
        "conversion_rate",
        "engagement_rate_by_followers",
    }


def test_benchmark_goal_and_forecast_crud_with_scopes(
    services: Services, brand: Brand, live_server: str
) -> None:
    seed(services, brand)
    reader = make_token(services, brand, [Scope.ANALYTICS_READ])
    admin = make_token(services, brand, [Scope.ADMIN, Scope.ANALYTICS_READ])
    override = {
        "kpi_id": "cart_abandonment_rate",
        "value": 0.65,
        "method": "our stores, median",
        "source": "internal study",
        "report_year": 2025,
    }
    with _client(live_server, reader) as client:
        assert client.put("/api/v1/kpi-benchmarks", json=override).status_code == 403
    with _client(live_server, admin) as client:
        assert client.put("/api/v1/kpi-benchmarks", json=override).status_code == 200
        listed = client.get("/api/v1/kpi-benchmarks").json()
        mine = next(b for b in listed if b["kpi_id"] == "cart_abandonment_rate")
        assert (mine["origin"], mine["value"], mine["label"]) == (
            "workspace",
            0.65,
            "internal study 2025, our stores, median",
        )
        bad_goal = client.post(
            "/api/v1/kpi-goals",
            json={
                "kpi_id": "nope",
                "period_start": "2024-03-01",
                "period_end": "2024-03-31",
                "target": "5",
            },
        )
        assert bad_goal.status_code == 422
        goal = client.post(
            "/api/v1/kpi-goals",
            json={
                "kpi_id": "transactions",
                "period_start": "2024-03-01",
                "period_end": "2024-03-31",
                "target": "40",
            },
        )
        assert goal.status_code == 201, goal.text
        goals = client.get("/api/v1/kpi-goals").json()
        assert goals[0]["actual"] is not None
        forecast = client.post(
            "/api/v1/revenue-forecasts",
            json={
                "period_start": "2024-02-26",
                "period_end": "2024-03-12",
                "amount": "5000.00",
                "currency": "usd",
            },
        )
        assert forecast.status_code == 201, forecast.text
        assert client.get("/api/v1/revenue-forecasts").json() == [
            {
                "id": forecast.json()["id"],
                "period_start": "2024-02-26",
                "period_end": "2024-03-12",
                "amount": "5000.00",
                "currency": "USD",
            }
        ]
        report = client.get(
            "/api/v1/kpis",
            params={**RANGE, "kpi": ["social_revenue_share", "social_revenue_target"]},
        ).json()
        values = {row["kpi"]: row["value"] for row in report["rows"]}
        share = Decimal(str(values["social_revenue_share"]))
        assert Decimal(values["social_revenue_target"]) == (share * 5000).quantize(Decimal("0.01"))
        assert client.delete(f"/api/v1/kpi-goals/{goal.json()['id']}").status_code == 204
        bm_id = next(b for b in services_benchmarks(services, brand))
        assert client.delete(f"/api/v1/kpi-benchmarks/{bm_id}").status_code == 204
        assert (
            client.delete(f"/api/v1/revenue-forecasts/{forecast.json()['id']}").status_code == 204
        )


def services_benchmarks(services: Services, brand: Brand) -> list[str]:
    from mercato.catalog import kpi_settings

    with services.catalog.session() as session:
        return [row.id for row in kpi_settings.list_benchmarks(session, brand.workspace_id)]


def test_full_funnel_page(services: Services, brand: Brand, live_server: str) -> None:
    seed(services, brand)
    with httpx.Client(base_url=live_server, timeout=120) as client:
        login(client, brand.email(Role.VIEWER), PASSWORD)
        page = client.get("/funnel", params={**RANGE, "compare": "previous", "drill": "campaign"})
        refused = client.post(
            "/api/v1/kpi-goals",
            headers={"X-CSRF-Token": csrf_of(client)},
            json={
                "kpi_id": "transactions",
                "period_start": "2024-03-01",
                "period_end": "2024-03-31",
                "target": "4",
            },
        )
    assert page.status_code == 200, page.text
    text = page.text
    for stage in ("awareness", "consideration", "purchase"):
        assert f'id="stage-{stage}"' in text
    assert 'id="kpi-engagement_rate_by_followers"' in text
    assert "Rival IQ (via contentgrip.com, 3created.com) 2023, median per post, by follower" in text
    assert "Baymard Institute year not stated" in text
    assert 'class="spark"' in text
    assert "By campaign" in text
    assert "spring" in text
    assert 'id="goals"' in text
    assert refused.status_code == 403  # viewers read goals; only admins set them


@pytest.mark.slow
def test_report_and_goals_cli(tmp_path: Path) -> None:
    data = tmp_path / "data"
    services = Services.open(make_settings(data), upgrade=True)
    brand = make_brand(services, "kpibrand")
    seed(services, brand)
    services.close()
    args = ("report", "--workspace", "kpibrand", "--from", RANGE["start"], "--to", RANGE["end"])
    as_json = mercato(data, *args, "--compare", "previous", "--by", "platform", "--format", "json")
    assert as_json.returncode == 0, as_json.stderr
    rows = json.loads(as_json.stdout)
    assert {row["platform"] for row in rows if row["kpi"] == "views"} >= {"facebook", "instagram"}
    table = mercato(data, *args, "--kpi", "conversion_rate")
    assert "Conversion rate" in table.stdout
    bad = mercato(data, *args, "--by", "weather")
    assert bad.returncode == 2
    assert "unknown dimension 'weather'" in bad.stderr
    goal = mercato(
        data,
        "goals",
        "set",
        "--workspace",
        "kpibrand",
        "--kpi",
        "transactions",
        "--from",
        "2024-03-01",
        "--to",
        "2024-03-31",
        "--target",
        "30",
    )
    assert goal.returncode == 0, goal.stderr
    assert "Transactions" in mercato(data, "goals", "list", "--workspace", "kpibrand").stdout
