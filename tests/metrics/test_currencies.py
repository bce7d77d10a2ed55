"""Money in its currency's own precision, end to end: an orders CSV in JPY, KWD or BHD is
imported into an empty data dir, stored exactly, and reported (KPI engine, API JSON and CSV)
in that currency's minor unit, equal to an exact pandas computation on the file."""

from __future__ import annotations

import csv
import io
from decimal import ROUND_HALF_EVEN, Decimal

import httpx
import pandas as pd
import pytest

from mercato.connectors.imports import ImportOptions, run_import
from mercato.core.errors import ValidationFailed
from mercato.core.scopes import Scope
from mercato.metrics.compiler import Slice
from mercato.metrics.evaluate import evaluate
from mercato.runtime import Services
from tests.metrics.fixture import FIRST
from tests.support.brands import Brand, make_brand, make_token

MAPPING = {
    "order_id": "Order",
    "placed_at": "Placed",
    "currency": "Currency",
    "gross": "Total",
    "refunds": "Refunded",
}
# Lines 2.. of each shop's export; amounts carry the currency's own decimals (and a stray
# fourth decimal where a shop system computed a tax share).
ORDERS = {
    "JPY": [("J-1", "12800", "0"), ("J-2", "4500", "1200"), ("J-3", "999", "0")],
    "KWD": [("K-1", "12.345", "0.000"), ("K-2", "7.5005", "1.125"), ("K-3", "0.995", "0")],
    "BHD": [("B-1", "105.250", "5.125"), ("B-2", "3.003", "0.000")],
}
DAYS = {"start": FIRST.isoformat(), "end": FIRST.isoformat()}
KPIS = ["revenue_gross", "revenue_net", "aov_gross", "aov_net"]


def _csv(currency: str) -> bytes:
    lines = ["Order,Placed,Currency,Total,Refunded"]
    for number, (order, total, refunded) in enumerate(ORDERS[currency]):
        placed = f"{FIRST.isoformat()}T0{number}:15:00.123456+00:00"
        lines.append(f"{order},{placed},{currency.lower()},{total},{refunded}")
    return ("\n".join(lines) + "\n").encode()


def _expected(currency: str) -> dict[str, Decimal]:
    """pandas over the file as text, with exact Decimals rounded once to the minor unit."""
    frame = pd.read_csv(io.BytesIO(_csv(currency)), dtype=str)
    step = {"JPY": Decimal("1"), "KWD": Decimal("0.001"), "BHD": Decimal("0.001")}[currency]

    def exact(column: str) -> pd.Series:
        return frame[column].map(lambda v: Decimal(v).quantize(step, ROUND_HALF_EVEN))

    gross, refunded = exact("Total"), exact("Refunded")
    net = gross - refunded
    count = Decimal(len(frame))
    return {
        "revenue_gross": gross.sum(),
        "revenue_net": net.sum(),
        "aov_gross": (gross.sum() / count).quantize(step, ROUND_HALF_EVEN),
        "aov_net": (net.sum() / count).quantize(step, ROUND_HALF_EVEN),
    }


def _shop(services: Services, currency: str) -> Brand:
    brand = make_brand(services, f"shop-{currency.lower()}")
    options = ImportOptions(brand.workspace_id, currency=currency, mapping=MAPPING)
    files = [(f"orders-{currency}.csv", _csv(currency))]
    run_import(services.catalog, services.warehouse, "orders-csv", files, options)
    return brand


@pytest.mark.parametrize("currency", list(ORDERS))
def test_amounts_keep_their_precision_from_import_to_report(
    services: Services, currency: str
) -> None:
    brand = _shop(services, currency)
    stored = services.warehouse.execute(
        services.warehouse.for_workspace(brand.workspace_id).table("orders")
    ).sort_values("order_id")
    totals = [Decimal(total) for _order, total, _refund in ORDERS[currency]]
    step = Decimal(1) if currency == "JPY" else Decimal("0.001")
    assert sorted(stored.gross) == sorted(t.quantize(step, ROUND_HALF_EVEN) for t in totals)
    results = evaluate(
        services.warehouse.for_workspace(brand.workspace_id), Slice(FIRST, FIRST), KPIS
    )
    for kpi_id, wanted in _expected(currency).items():
        value = results[kpi_id].total.value  # type: ignore[union-attr]
        assert value == wanted, kpi_id
        assert isinstance(value, Decimal)
        assert value.as_tuple().exponent == step.as_tuple().exponent, kpi_id


def test_api_reads_kwd_in_three_decimals(services: Services, live_server: str) -> None:
    brand = _shop(services, "KWD")
    token = make_token(services, brand, [Scope.ANALYTICS_READ])
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=live_server, headers=headers, timeout=60) as client:
        body = client.get("/api/v1/kpis", params={**DAYS, "kpi": KPIS}).json()
        as_csv = client.get("/api/v1/kpis", params={**DAYS, "kpi": KPIS, "format": "csv"}).text
    wanted = _expected("KWD")
    rows = {row["kpi"]: row for row in body["rows"]}
    assert {k: rows[k]["value"] for k in KPIS} == {k: str(v) for k, v in wanted.items()}
    assert rows["revenue_gross"]["display"] == f"{wanted['revenue_gross']:,f}"
    assert rows["revenue_gross"]["display"].count(".") == 1
    assert len(rows["revenue_gross"]["display"].split(".")[1]) == 3
    listed = {row["kpi"]: row["value"] for row in csv.DictReader(io.StringIO(as_csv))}
    assert listed == {k: str(v) for k, v in wanted.items()}


def test_three_letters_that_are_no_currency_are_refused(services: Services) -> None:
    brand = make_brand(services, "shop-bad")
    bad = _csv("KWD").replace(b"kwd", b"kwx", 1)
    options = ImportOptions(brand.workspace_id, mapping=MAPPING)
    with pytest.raises(ValidationFailed) as refused:
        run_import(services.catalog, services.warehouse, "orders-csv", [("o.csv", bad)], options)
    assert refused.value.location == "o.csv:2:Currency"
    assert "'KWX' is not an ISO 4217 currency code" in str(refused.value)
