"""The API, CLI and page over the real server and a real subprocess."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import httpx
import pyarrow as pa
import pytest

from mercato.catalog import workspaces
from mercato.core.scopes import Scope
from mercato.runtime import Services
from mercato.warehouse.loader import load
from tests.attribution.warehouse_support import seed
from tests.cli.test_cli import mercato
from tests.conftest import make_settings
from tests.support.brands import PASSWORD, Brand, make_brand, make_token
from tests.support.server import login


def _seed_with_spend(services: Services, workspace_id: str) -> None:
    seed(services.warehouse, workspace_id)
    load(
        services.warehouse,
        "ad_spend",
        pa.table(
            {
                "workspace_id": [workspace_id] * 2,
                "day": [date(2026, 3, 1), date(2026, 3, 2)],
                "platform": ["TikTok", "instagram"],
                "campaign": ["launch", "launch"],
                "ad_set": ["a", "b"],
                "ad": ["x", "y"],
                "currency": ["EUR", "EUR"],
                "spend": [Decimal("10.00"), Decimal("30.00")],
            }
        ),
    )


def _set_identity(services: Services, brand: Brand, mode: str) -> None:
    with services.catalog.session() as session:
        for site in workspaces.get_workspace(session, brand.slug).sites:
            site.identity_mode = mode


@pytest.fixture
def token(services: Services, brand: Brand) -> str:
    _seed_with_spend(services, brand.workspace_id)
    return make_token(services, brand, [Scope.ANALYTICS_READ])


def test_api_reports_markov_by_platform_with_roas(
    live_server: str, services: Services, brand: Brand, token: str
) -> None:
    _set_identity(services, brand, "first_party_id")
    params = {
        "model": "markov",
        "order": "2",
        "by": "platform",
        "window": "30d",
        "credit": "per_journey",
    }
    with httpx.Client(base_url=live_server, headers={"Authorization": f"Bearer {token}"}) as client:
        body = client.get("/api/v1/attribution", params=params).json()
        by_visitor = client.get("/api/v1/attribution", params={"identity": "visitor"}).json()
        purchases = client.get("/api/v1/attribution", params={"conversion": "purchase"}).json()
    assert (by_visitor["identity"], by_visitor["journeys"]) == ("visitor", 6)  # v4 on its own
    assert purchases["conversions"] == 3  # v3's lead no longer counts
    assert body["model"] == "markov"
    assert body["order"] == 2
    assert body["credit"] == "per_journey"
    assert "per journey, per occurrence" in body["model_label"]
    assert body["journeys"] == 5
    assert body["conversions"] == 4
    assert Decimal(body["revenue"]) == Decimal("115.50")
    rows = {row["label"]: row for row in body["rows"]}
    assert sum(row["conversions"] for row in rows.values()) == pytest.approx(4)
    assert sum(Decimal(row["revenue"]) for row in rows.values()) == pytest.approx(
        Decimal("115.50"), abs=Decimal("0.02")
    )
    tiktok = rows["tiktok"]
    assert Decimal(tiktok["spend"]) == Decimal("10.00")
    assert tiktok["roas"] == pytest.approx(float(Decimal(tiktok["revenue"]) / 10))
    assert rows["Direct"]["spend"] is None
    assert body["notices"] == []
    assert "markov_pooled" in body["comparison_models"]
    assert "shapley" in body["comparison_models"]
    assert body["sessions_to_conversion"]["counts"] == [2, 0, 2, 0, 0, 0]
    assert body["top_paths"][0] == {
        "path": "instagram > Email > Direct",
        "conversions": 1,
        "revenue": "80.00",
    }


def test_api_rejects_bad_parameters_and_missing_scope(
    live_server: str, services: Services, brand: Brand, token: str
) -> None:
    with httpx.Client(base_url=live_server, headers={"Authorization": f"Bearer {token}"}) as client:
        bad = client.get("/api/v1/attribution", params={"window": "soon"})
        assert bad.status_code == 422
        assert bad.json()["error"]["location"] == "window"
        assert client.get("/api/v1/attribution", params={"model": "magic"}).status_code == 422
        assert client.get("/api/v1/attribution", params={"order": "5"}).status_code == 422
    other = make_token(services, brand, [Scope.CATALOG_READ])
    denied = httpx.get(
        f"{live_server}/api/v1/attribution", headers={"Authorization": f"Bearer {other}"}
    )
    assert denied.status_code == 403
    assert httpx.get(f"{live_server}/api/v1/attribution").status_code == 401


def test_api_says_when_sites_are_cookieless(live_server: str, brand: Brand, token: str) -> None:
    response = httpx.get(
        f"{live_server}/api/v1/attribution", headers={"Authorization": f"Bearer {token}"}
    )
    assert "only session-scoped last touch is valid" in response.json()["notices"][0]


def test_page_compares_models_with_a_chart(
    live_server: str, services: Services, brand: Brand
) -> None:
    _seed_with_spend(services, brand.workspace_id)
    with httpx.Client(base_url=live_server) as client:
        login(client, brand.email(), PASSWORD)
        page = client.get(
            "/attribution",
            params={"by": "campaign", "window": "30d", "start": "2026-03-01", "end": "2026-03-31"},
        )
    assert page.status_code == 200
    assert 'href="/attribution"' in page.text
    assert "only session-scoped last touch is valid" in page.text
    assert 'id="comparison-chart"' in page.text
    assert "/vendor/plotly.min.js" in page.text
    assert "launch" in page.text
    assert "Markov (per journey, distinct)" in page.text
    assert "markov_per_journey_distinct" not in page.text.split('data-figure="', 1)[0]
    figure = page.text.split('data-figure="', 1)[1].split('"', 1)[0]
    assert "&#34;barmode&#34;: &#34;group&#34;" in figure


def test_page_needs_login(live_server: str) -> None:
    response = httpx.get(f"{live_server}/attribution", follow_redirects=False)
    assert response.status_code in (302, 303, 307)


SRC = str(Path(__file__).resolve().parents[2] / "src")


def test_cli_table_json_and_csv(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    services = Services.open(make_settings(data_dir), upgrade=True)
    brand = make_brand(services)
    _seed_with_spend(services, brand.workspace_id)
    services.close()
    args = (
        "attribution",
        "--model",
        "markov",
        "--order",
        "2",
        "--by",
        "platform",
        "--window",
        "30d",
    )
    table = mercato(data_dir, *args, PYTHONPATH=SRC)
    assert table.returncode == 0, table.stderr
    assert "Markov chain, order 2" in table.stdout
    assert "TikTok" in table.stdout
    assert "4 conversions" in table.stdout
    as_json = json.loads(mercato(data_dir, *args, "--format", "json", PYTHONPATH=SRC).stdout)
    assert as_json["conversions"] == 4
    rows = list(
        csv.DictReader(
            io.StringIO(mercato(data_dir, *args, "--format", "csv", PYTHONPATH=SRC).stdout)
        )
    )
    assert sum(float(row["conversions"]) for row in rows) == pytest.approx(4)
    ranged = mercato(
        data_dir,
        *args,
        "--from",
        "2026-03-04",
        "--to",
        "2026-03-31",
        "--format",
        "json",
        PYTHONPATH=SRC,
    )
    assert json.loads(ranged.stdout)["conversions"] == 1
    bad = mercato(data_dir, "attribution", "--window", "forever", PYTHONPATH=SRC)
    assert bad.returncode == 2
    assert "window" in bad.stderr
    assert "Traceback" not in bad.stderr
