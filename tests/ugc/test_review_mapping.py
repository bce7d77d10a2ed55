"""Reviews with other column names: `mercato ugc import-reviews --mapping --create-products`
from an empty data dir, and the API; duplicates in the file are duplicates, not "already in
the library", and the counts add up (pandas on the same file)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from mercato.catalog.models import FlaggedProduct, Product, ProductTag
from mercato.cli.main import app
from mercato.core.scopes import Scope
from mercato.runtime import Services
from tests.support.brands import Brand, make_token

MAPPING = {
    "product_sku": ["Product ID", "SKU"],
    "product_title": "Product name",
    "rating": "Stars",
    "title": "Headline",
    "text": "Review",
    "author": "Reviewer",
    "date": "Published",
}
KEY = ["Product ID", "Reviewer", "Published", "Headline", "Review"]


def _reviews() -> str:
    rows = [
        (
            "DR-1",
            "Linen dress",
            "5",
            "Love it",
            "Fits well 👗",
            "ana",
            "2026-04-01T09:15:02.123456+02:00",
        ),
        ("DR-1", "Linen dress", "4/5", "Good", "A bit long", "bo", "2026-04-02"),
        ("BT-7", "Trail boot", "5.0", "<script>alert(1)</script>", "Dry feet", "cy", "2026-04-03Z"),
        (
            "DR-1",
            "Linen dress",
            "5",
            "Love it",
            "Fits well 👗",
            "ana",
            "2026-04-01T09:15:02.123456+02:00",
        ),
        ("HT-2", "", "3", "", "ok", "di", "2026-04-04"),
    ]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "Product ID",
            "Product name",
            "Stars",
            "Headline",
            "Review",
            "Reviewer",
            "Published",
            "Images",
        ]
    )
    writer.writerows([(*row, "") for row in rows])
    return out.getvalue()


def _expected(content: str) -> dict[str, int]:
    frame = pd.read_csv(io.StringIO(content), dtype=str, keep_default_na=False)
    distinct = frame.drop_duplicates(KEY)
    return {
        "rows": len(frame),
        "distinct": len(distinct),
        "duplicates": len(frame) - len(distinct),
        "products": frame["Product ID"].nunique(),
    }


def _mercato(*args: str) -> Any:
    return CliRunner().invoke(app, list(args), env={"COLUMNS": "200"})


def test_cli_import_with_mapping_from_an_empty_data_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MERCATO_CONFIG", raising=False)
    monkeypatch.setenv("MERCATO_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("MERCATO_SECRET_KEY", "s" * 40)
    assert _mercato("db", "upgrade").exit_code == 0
    assert _mercato("workspaces", "create", "shop", "--name", "Shop").exit_code == 0
    content = _reviews()
    (tmp_path / "reviews.csv").write_text(content)
    (tmp_path / "map.json").write_text(json.dumps(MAPPING))
    args = ["ugc", "import-reviews", str(tmp_path / "reviews.csv"), "-w", "shop"]
    mapped = [*args, "--mapping", str(tmp_path / "map.json")]

    refused = _mercato(*mapped)
    assert refused.exit_code == 2
    assert "reviews.csv:2:Product ID: no product with SKU 'DR-1'" in refused.stderr
    assert "--create-products" in refused.stderr

    expected = _expected(content)
    done = _mercato(*mapped, "--create-products")
    assert done.exit_code == 0, done.output
    assert f"added {expected['distinct']}, already in the library 0" in done.stdout
    assert f"{expected['rows']} rows read: {expected['duplicates']} duplicate(s)" in done.stdout
    assert f"{expected['products']} product(s) created, flagged for review" in done.stdout
    again = _mercato(*mapped, "--create-products")
    assert f"added 0, already in the library {expected['distinct']}" in again.stdout

    entries = json.loads(_mercato("data-quality", "-w", "shop", "--format", "json").stdout)
    latest, first, refusal = entries["entries"]
    assert refusal["status"] == "refused"
    assert refusal["problems"][0]["line"] == 2
    assert first["outcomes"] == {"stored": expected["distinct"], "merged": expected["duplicates"]}
    assert first["flags"]["duplicates_in_file"] == expected["duplicates"]
    assert latest["outcomes"] == {"merged": expected["rows"]}
    assert sum(latest["outcomes"].values()) == latest["rows_read"] == expected["rows"]


def test_api_import_with_mapping_creates_flagged_products(
    services: Services, brand: Brand, live_server: str
) -> None:
    token = make_token(services, brand, [Scope.UGC_WRITE])
    body = {
        "name": "export.csv",
        "content": _reviews(),
        "mapping": MAPPING,
        "create_products": True,
    }
    with httpx.Client(base_url=live_server, timeout=120) as client:
        headers = {"Authorization": f"Bearer {token}"}
        bad = client.post(
            "/api/v1/ugc/reviews", headers=headers, json={**body, "mapping": {"stars": "x"}}
        )
        assert bad.status_code == 422
        assert "unknown field" in bad.json()["error"]["message"]
        done = client.post("/api/v1/ugc/reviews", headers=headers, json=body)
    assert done.status_code == 200, done.text
    result = done.json()
    expected = _expected(_reviews())
    assert result["added"] == expected["distinct"]
    assert result["duplicates"] == expected["duplicates"]
    assert result["skipped"] == 0
    assert sorted(result["products_created"]) == ["BT-7", "DR-1", "HT-2"]
    assert result["quality"]["outcomes"] == {
        "stored": expected["distinct"],
        "merged": expected["duplicates"],
    }
    with services.catalog.session() as session:
        products = {p.sku: p for p in session.scalars(select(Product))}
        flagged = {f.product_id for f in session.scalars(select(FlaggedProduct))}
        tags = session.scalars(select(ProductTag)).all()
    assert products["DR-1"].title == "Linen dress"
    assert products["HT-2"].title == "HT-2"
    assert flagged == {p.id for p in products.values()}
    assert len(tags) == expected["distinct"]
