"""Goals' forecast, the social revenue target and UGC influenced revenue in the workspace
currency's own precision (JPY none, KWD three decimals), through the API and the CLI, against
an exact computation (fractions, pandas) on the same fixture."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import httpx
import pandas as pd
import pyarrow as pa
import pytest

from mercato.catalog import workspaces
from mercato.connectors.imports import ImportOptions, run_import
from mercato.core.scopes import Scope
from mercato.runtime import Services
from mercato.warehouse.loader import load
from tests.cli.test_cli import mercato
from tests.conftest import make_settings
from tests.metrics import fixture
from tests.metrics.test_surfaces import RANGE, load_fixture_rows
from tests.support.brands import Brand, make_brand, make_token

STEP = {"JPY": Decimal(1), "KWD": Decimal("0.001")}
# Order totals in each currency's own decimals; their sums x 7/3 and the sessions' sums below
# fall between cents, so rounding to cents would show.
GROSS = {"JPY": ["12800", "4500", "999"], "KWD": ["12.345", "7.505", "0.995"]}
SESSION_REVENUE = {"JPY": ["12800", "4501"], "KWD": ["0.995", "7.500"]}
FORECAST = {"JPY": "1000003", "KWD": "1234.567"}
TOO_FINE = {"JPY": "1000003.5", "KWD": "1234.5675"}  # more decimals than the currency has
MAPPING = {"order_id": "Order", "placed_at": "Placed", "currency": "Currency", "gross": "Total"}


def _rounded(value: Fraction, currency: str) -> Decimal:
    """An exact fraction rounded half-even to the currency's unit (no binary, no context)."""
    units = value / Fraction(STEP[currency])
    return Decimal(round(units)) * STEP[currency]  # round() on a Fraction is half-even


def _today() -> date:
    return datetime.now(UTC).date()


def _orders_csv(currency: str) -> bytes:
    """One order a day, the last one today (the goal's period has run three days)."""
    lines = ["Order,Placed,Currency,Total"]
    for back, total in enumerate(reversed(GROSS[currency])):
        placed = datetime.combine(_today() - timedelta(days=back), datetime.min.time(), UTC)
        lines.append(f"O-{back},{placed.isoformat(timespec='microseconds')},{currency},{total}")
    return ("\n".join(lines) + "\n").encode()


def _expected_forecast(currency: str) -> Decimal:
    """pandas reads the file as text; the forecast counts complete days only (today is still
    running): their total ÷ 2 days x 7, exactly."""
    frame = pd.read_csv(io.BytesIO(_orders_csv(currency)), dtype=str)
    complete = frame[pd.to_datetime(frame["Placed"]).dt.date < _today()]
    actual = sum((Fraction(total) for total in complete["Total"]), Fraction(0))
    return _rounded(actual / 2 * 7, currency)


def _shop(services: Services, currency: str) -> Brand:
    """A workspace in `currency`: its orders imported, its UGC interactions stored."""
    slug = f"shop-{currency.lower()}"
    brand = make_brand(services, slug)
    with services.catalog.session() as session:
        workspaces.get_workspace(session, slug).currency = currency
    options = ImportOptions(brand.workspace_id, mapping=MAPPING)
    files = [(f"orders-{currency}.csv", _orders_csv(currency))]
    run_import(services.catalog, services.warehouse, "orders-csv", files, options)
    _store_ugc(services, brand.workspace_id, currency)
    return brand


def _store_ugc(services: Services, workspace_id: str, currency: str) -> None:
    when = datetime.now(UTC).replace(tzinfo=None) - timedelta(days=1)
    events = [
        {
            "workspace_id": workspace_id,
            "event_id": f"ugc-event-{n}",
            "ts": when + timedelta(minutes=n),
            "name": "ugc_click",
            "session_id": f"ugc-visit-{n}",
            "ugc_id": "u1",
            "gallery_id": "g1",
        }
        for n in range(len(SESSION_REVENUE[currency]))
    ]
    sessions = [
        {
            "workspace_id": workspace_id,
            "session_id": f"ugc-visit-{n}",
            "started_at": when,
            "orders": 1,
            "revenue": Decimal(revenue),
            "currency": currency,
        }
        for n, revenue in enumerate(SESSION_REVENUE[currency])
    ]
    load(services.warehouse, "events", pa.Table.from_pylist(events))
    load(services.warehouse, "sessions", pa.Table.from_pylist(sessions))


def _influenced(currency: str) -> Decimal:
    return _rounded(sum((Fraction(v) for v in SESSION_REVENUE[currency]), Fraction(0)), currency)


def _goal() -> dict[str, str]:
    today = _today()
    return {
        "kpi_id": "revenue_gross",
        "period_start": (today - timedelta(days=2)).isoformat(),
        "period_end": (today + timedelta(days=4)).isoformat(),
        "target": "100000",
    }


@pytest.mark.parametrize("currency", list(STEP))
def test_api_money_in_the_workspace_currency(
    services: Services, live_server: str, currency: str
) -> None:
    brand = _shop(services, currency)
    load_fixture_rows(services, fixture.WORKSPACE, brand.workspace_id)  # social sessions
    token = make_token(services, brand, [Scope.ADMIN, Scope.ANALYTICS_READ, Scope.UGC_READ])
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=live_server, headers=headers, timeout=60) as client:
        assert client.post("/api/v1/kpi-goals", json=_goal()).status_code == 201
        goals = client.get("/api/v1/kpi-goals").json()
        forecast = {
            "period_start": RANGE["start"],
            "period_end": RANGE["end"],
            "amount": FORECAST[currency],
            "currency": currency.lower(),
        }
        created = client.post("/api/v1/revenue-forecasts", json=forecast)
        listed = client.get("/api/v1/revenue-forecasts").json()
        too_fine = client.post(
            "/api/v1/revenue-forecasts", json={**forecast, "amount": TOO_FINE[currency]}
        )
        other = "EUR" if currency != "EUR" else "USD"
        foreign = client.post("/api/v1/revenue-forecasts", json={**forecast, "currency": other})
        report = client.get(
            "/api/v1/kpis",
            params={**RANGE, "kpi": ["social_revenue_share", "social_revenue_target"]},
        ).json()
        performance = client.get("/api/v1/galleries/performance", params={"grain": "ugc"})
    assert goals[0]["forecast"] == str(_expected_forecast(currency))  # exact, in its precision
    assert created.status_code == 201, created.text
    assert [(row["amount"], row["currency"]) for row in listed] == [(FORECAST[currency], currency)]
    assert too_fine.status_code == 422
    assert "more decimals than" in too_fine.text
    # A forecast in another currency would be summed with this one: refused, saying why.
    assert foreign.status_code == 422
    assert f"the workspace reports in {currency}" in foreign.text
    values = {row["kpi"]: row["value"] for row in report["rows"]}
    share = Fraction(str(values["social_revenue_share"]))
    target = _rounded(share * Fraction(FORECAST[currency]), currency)
    assert values["social_revenue_target"] == str(target)  # the string shows the precision
    rows = {row["key"]: row for row in performance.json()}
    assert rows["u1"]["influenced_revenue"] == str(_influenced(currency))


@pytest.mark.slow
@pytest.mark.parametrize("currency", list(STEP))
def test_cli_money_in_the_workspace_currency(tmp_path: Path, currency: str) -> None:
    data = tmp_path / "data"
    services = Services.open(make_settings(data), upgrade=True)
    brand = _shop(services, currency)
    services.close()
    goal = _goal()
    created = mercato(
        data,
        *("goals", "set", "--workspace", brand.slug, "--kpi", goal["kpi_id"]),
        *("--from", goal["period_start"], "--to", goal["period_end"], "--target", "100000"),
    )
    assert created.returncode == 0, created.stderr
    listed = mercato(data, "goals", "list", "--workspace", brand.slug)
    assert listed.returncode == 0, listed.stderr
    assert f"{_expected_forecast(currency):,f}" in listed.stdout
    performance = mercato(
        data, "galleries", "performance", "--workspace", brand.slug, "--by", "ugc"
    )
    assert performance.returncode == 0, performance.stderr
    row = next(line for line in performance.stdout.splitlines() if "u1" in line)
    assert row.split("│")[-2].strip() == str(_influenced(currency))
