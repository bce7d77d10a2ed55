"""Shop order uploads keep colliding order ids apart and say what happened to each row; the
data-quality API and page show it (real server over loopback, real Chromium)."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pandas as pd
import pytest

from mercato.connectors.csvfile import read_table
from mercato.connectors.orders import store_orders
from mercato.connectors.results import ImportSummary
from mercato.connectors.service import import_files, import_options
from mercato.connectors.shopify_orders import parse_shopify_orders
from mercato.core.scopes import Role, Scope
from mercato.runtime import Services
from tests.connectors import samples
from tests.support.brands import PASSWORD, Brand, make_token

MAPPING = {
    "order_id": "Order No",
    "placed_at": "Date",
    "gross": "Amount",
    "customer_id": "Customer",
    "sku": "Article",
    "quantity": "Qty",
    "unit_price": "Unit price",
    "defaults": {"currency": "EUR"},
}
HOSTILE_NAME = "<img src=x onerror=alert(1)>.csv"


def _orders_file() -> bytes:
    """Line-level export: order 1001 is two customers' (a reused id), 1002 has no customer."""
    rows = [
        (
            "1001",
            "2024-09-14T14:03:22.512000+02:00",
            "50.00",
            "alice@example.com",
            "A-1",
            "1",
            "30.00",
        ),
        ("1001", "2024-09-14T14:03:22.512000+02:00", "", "alice@example.com", "A-2", "1", "20.00"),
        (
            "1001",
            "2024-09-15T09:00:00.000001-05:00",
            "80.00",
            "bob@example.com",
            "B-9",
            "2",
            "40.00",
        ),
        ("1002", "2024-09-16T10:00:00Z", "12.50", "", "C-3", "1", "12.50"),
    ]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Order No", "Date", "Amount", "Customer", "Article", "Qty", "Unit price"])
    writer.writerows(rows)
    return out.getvalue().encode()


def _expected_gross(data: bytes) -> Decimal:
    """Independent: one order per (id, customer), its amount on its first row."""
    frame = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False)
    heads = frame[frame["Amount"] != ""].drop_duplicates(["Order No", "Customer"])
    return sum((Decimal(v) for v in heads["Amount"]), Decimal("0"))


def _upload(client: httpx.Client, token: str, data: bytes) -> httpx.Response:
    return client.post(
        "/api/v1/imports/orders-csv",
        headers={"Authorization": f"Bearer {token}"},
        files=[("files", (HOSTILE_NAME, data, "text/csv"))],
        data={"mapping": json.dumps(MAPPING)},
    )


def _stored(services: Services, brand: Brand) -> list[dict[str, Any]]:
    scoped = services.warehouse.for_workspace(brand.workspace_id)
    frame = scoped.execute(scoped.table("orders").order_by("order_id"))
    return list(frame[["order_id", "gross", "customer_id"]].to_dict("records"))


def test_upload_keeps_colliding_orders_and_reports_every_row(
    services: Services, brand: Brand, live_server: str
) -> None:
    importer = make_token(services, brand, [Scope.IMPORTS_WRITE])
    reader = {"Authorization": f"Bearer {make_token(services, brand, [Scope.ANALYTICS_READ])}"}
    data = _orders_file()
    with httpx.Client(base_url=live_server, timeout=30) as client:
        first = _upload(client, importer, data)
        assert first.status_code == 200, first.text
        quality = first.json()["quality"]
        assert quality["rows_read"] == 4
        assert quality["outcomes"] == {"stored": 3, "merged": 1}  # the second line of 1001
        assert quality["flags"]["kept_apart"] == 1
        again = _upload(client, importer, data).json()["quality"]
        assert again["outcomes"] == {"updated": 3, "merged": 1}
        assert sum(again["outcomes"].values()) == again["rows_read"]
        stored = _stored(services, brand)
        assert len(stored) == 3
        assert sum(Decimal(str(o["gross"])) for o in stored) == _expected_gross(data)
        ids = [o["order_id"] for o in stored]
        assert ids[0] == "1001"
        assert ids[1].startswith("1001~")
        assert ids[2] == "1002"

        bad = _upload(client, importer, data.replace(b"12.50,,C-3", b"12.5x,,C-3"))
        assert bad.status_code == 422, bad.text
        assert client.get("/api/v1/data-quality").status_code == 401
        assert (
            client.get(
                "/api/v1/data-quality", headers={"Authorization": f"Bearer {importer}"}
            ).status_code
            == 403
        )
        report = client.get("/api/v1/data-quality", headers=reader)
        assert report.status_code == 200, report.text
        body = report.json()
        statuses = [e["status"] for e in body["entries"]]
        assert statuses == ["refused", "ok", "ok"]
        refused = body["entries"][0]["problems"][0]
        assert refused["line"] == 5
        assert refused["field"] == "Amount"
        (day,) = body["days"]
        assert day["entries"] == 3
        assert day["rows_read"] == 8
        assert day["outcomes"] == {"stored": 3, "updated": 3, "merged": 2}
        assert day["flags"]["kept_apart"] == 2
        today = datetime.now(UTC).date()
        wide = {"start": str(today - timedelta(days=3000)), "end": str(today + timedelta(days=1))}
        widened = client.get("/api/v1/data-quality", params=wide, headers=reader).json()
        assert widened["entries"] == body["entries"]
        assert (
            client.get("/api/v1/data-quality?start=1900-01-01", headers=reader).status_code == 422
        )


@pytest.mark.browser
def test_viewer_finds_the_data_quality_page(
    services: Services, brand: Brand, live_server: str, browser: Any
) -> None:
    token = make_token(services, brand, [Scope.IMPORTS_WRITE])
    with httpx.Client(base_url=live_server, timeout=30) as client:
        assert _upload(client, token, _orders_file()).status_code == 200
    page = browser.new_page()
    dialogs: list[str] = []

    def dismiss(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", dismiss)
    try:
        page.goto(f"{live_server}/login")
        page.fill("input[name=email]", brand.email(Role.VIEWER))
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server}/")
        page.click("nav >> text=Data quality")
        page.wait_for_url(f"{live_server}/data-quality")
        entry = page.locator("#quality-entries tr.entry").first
        assert HOSTILE_NAME in entry.inner_text()  # shown as text, never run
        assert "stored 3" in entry.inner_text()
        assert "kept apart 1" in entry.inner_text()
        assert page.locator("#quality-days tbody tr").count() == 1
        assert dialogs == []
    finally:
        page.close()


def test_merged_shopify_exports_keep_a_reused_order_name_apart(
    services: Services, brand: Brand
) -> None:
    """Two shops' exports in one file, without the `Id` column: `#1001` is two orders."""
    rows = samples.shopify_order(
        "#1001",
        "",
        "2024-09-14 14:03:22.250000 -0400",
        [("A-1", 1, "60.00"), ("A-2", 1, "10.00")],
        subtotal="70.00",
        email="ann@example.com",
    ) + samples.shopify_order(
        "#1001",
        "",
        "2024-09-15 09:00:00 +0000",
        [("B-1", 2, "20.00")],
        subtotal="40.00",
        email="Bob@Example.com",
    )
    data = samples.csv_bytes(samples.SHOPIFY_ORDER_HEADER, rows, bom=True)
    options = import_options(services.catalog, brand.slug)
    for _run in range(2):  # the second run lands on the same keys
        summary = import_files(
            services.catalog, services.warehouse, "orders-shopify", [("merged.csv", data)], options
        )
    assert summary.quality is not None
    assert summary.quality.rows_read == 3
    assert dict(summary.quality.outcomes) == {"updated": 2, "merged": 1}
    assert summary.quality.flags["kept_apart"] == 1
    stored = _stored(services, brand)
    ids = [o["order_id"] for o in stored]
    assert ids[0] == "#1001"
    assert ids[1].startswith("#1001~")
    assert sorted(Decimal(str(o["gross"])) for o in stored) == [Decimal("40.00"), Decimal("70.00")]


def test_a_shopify_webhook_after_the_export_updates_the_same_order(
    services: Services, brand: Brand
) -> None:
    """The export names the customer by e-mail, the webhook by numeric id: not a collision."""
    rows = samples.shopify_order(
        "#1001", "5001", "2024-09-14 14:03:22 -0400", [("A-1", 1, "60.00")], subtotal="60.00"
    )
    data = samples.csv_bytes(samples.SHOPIFY_ORDER_HEADER, rows, bom=True)
    options = import_options(services.catalog, brand.slug)
    import_files(services.catalog, services.warehouse, "orders-shopify", [("o.csv", data)], options)
    (exported,) = parse_shopify_orders(read_table(data, "o.csv"))
    webhook = replace(exported, customer_id="115310627314723954", refunds=Decimal("10.00"))
    summary = ImportSummary(kind="webhook")
    store_orders(services.catalog, services.warehouse, brand.workspace_id, [webhook], summary)
    assert "kept_apart" not in summary.flags
    (stored,) = _stored(services, brand)
    assert stored["order_id"] == "5001"
    assert stored["customer_id"] == "115310627314723954"
