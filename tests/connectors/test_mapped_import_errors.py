"""Mapped orders, products and reviews imports name a bad value in the FILE's words: file,
line and the column as the user's header spells it (never Mercato's field), through the CLI
from an empty data dir; nothing of a refused file is written."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from mercato.cli.main import app

ORDER_MAPPING = {
    "order_id": "Bestellnummer",
    "placed_at": "Zeitpunkt",
    "gross": "Summe",
    "currency": "Waehrung",
    "sku": "Artikel",
    "quantity": "Menge",
    "unit_price": "Stueckpreis",
}
ORDER_HEADER = "Bestellnummer,Zeitpunkt,Summe,Waehrung,Artikel,Menge,Stueckpreis"
ORDER_OK = "B-1,2025-03-04T05:06:07.123456+01:00,12.50,EUR,A-1,1,12.50"
# (a bad line 3, the column its error must name, a fragment of the reason)
BAD_ORDERS = [
    ("B-2,2025-03-04T05:06:07Z,12;50,EUR,A-1,1,12.50", "Summe", "got '12;50'"),
    ("B-2,gestern,12.50,EUR,A-1,1,12.50", "Zeitpunkt", "got 'gestern'"),
    ("B-2,2025-03-04T05:06:07Z,12.50,EUX,A-1,1,12.50", "Waehrung", "'EUX' is not an ISO 4217"),
    ("B-2,2025-03-04T05:06:07Z,12.50,EUR,A-1,zwei,12.50", "Menge", "got 'zwei'"),
    ("B-2,2025-03-04T05:06:07Z,12.50,EUR,A-1,1,gratis", "Stueckpreis", "got 'gratis'"),
    (",2025-03-04T05:06:07Z,12.50,EUR,A-1,1,12.50", "Bestellnummer", "an order id is required"),
]
PRODUCT_MAPPING = {"sku": "Artikel", "title": "Bezeichnung", "price": "Preis", "url": "Link"}
PRODUCT_HEADER = "Artikel,Bezeichnung,Preis,Link"
PRODUCT_OK = "A-1,Mantel,129.00,https://shop.example/a-1"
BAD_PRODUCTS = [
    ("A-2,Schal,teuer,", "Preis", "got 'teuer'"),
    ("A-2,,19.00,", "Bezeichnung", "a title is required"),
    (",Schal,19.00,", "Artikel", "a SKU is required"),
    ("A-2,Schal,19.00,javascript:alert(1)", "Link", "is not an http(s) URL"),
]
REVIEW_MAPPING = {
    "product_sku": ["SKU", "Artikelnummer"],
    "rating": "Sterne",
    "text": "Meinung",
    "author": "Verfasser",
    "date": "Datum",
}
REVIEW_HEADER = "Artikelnummer,Sterne,Meinung,Verfasser,Datum"
REVIEW_OK = "A-1,5,Warm,ana,2025-03-04"
BAD_REVIEWS = [
    ("A-1,fünf,Warm,bo,2025-03-04", "Sterne", "rating 'fünf' is not a whole number"),
    ("A-1,5,Warm,bo,gestern", "Datum", "date 'gestern' is not ISO 8601"),
    ("A-1,5,Warm,,2025-03-04", "Verfasser", "author is required"),
    ("Z-9,5,Warm,bo,2025-03-04", "Artikelnummer", "no product with SKU 'Z-9'"),
]


def _mercato(*args: str) -> Any:
    return CliRunner().invoke(app, list(args), env={"COLUMNS": "300"})


@pytest.fixture
def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("MERCATO_CONFIG", raising=False)
    monkeypatch.setenv("MERCATO_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("MERCATO_SECRET_KEY", "s" * 40)
    assert _mercato("db", "upgrade").exit_code == 0
    assert _mercato("workspaces", "create", "shop", "--name", "Shop").exit_code == 0
    return tmp_path


def _files(folder: Path, name: str, lines: list[str], mapping: dict[str, Any]) -> list[str]:
    (folder / name).write_text("\n".join(lines) + "\n")
    (folder / f"{name}.json").write_text(json.dumps(mapping))
    return [str(folder / name), "--mapping", str(folder / f"{name}.json")]


def _one_line(text: str) -> str:
    return " ".join(text.split())  # the console may wrap a long message


@pytest.mark.parametrize(("row", "column", "fragment"), BAD_ORDERS)
def test_orders_error_names_the_files_column(
    shop: Path, row: str, column: str, fragment: str
) -> None:
    files = _files(shop, "orders.csv", [ORDER_HEADER, ORDER_OK, row], ORDER_MAPPING)
    refused = _mercato("import", "orders-csv", *files, "--workspace", "shop")
    assert refused.exit_code != 0
    message = _one_line(refused.stderr)
    assert f"orders.csv:3:{column}: " in message, message
    assert fragment in message, message
    report = json.loads(_mercato("report", "-w", "shop", "--kpi", "transactions",
                                 "--from", "2025-03-01", "--to", "2025-03-31",
                                 "--format", "json").stdout)  # fmt: skip
    # A bad file writes nothing, not even its good line 2.
    assert [r["value"] for r in report if r["kpi"] == "transactions"] == [0]


@pytest.mark.parametrize(("row", "column", "fragment"), BAD_PRODUCTS)
def test_products_error_names_the_files_column(
    shop: Path, row: str, column: str, fragment: str
) -> None:
    files = _files(shop, "products.csv", [PRODUCT_HEADER, PRODUCT_OK, row], PRODUCT_MAPPING)
    refused = _mercato("import", "products-csv", *files, "--workspace", "shop", "--currency", "EUR")
    assert refused.exit_code != 0
    message = _one_line(refused.stderr)
    assert f"products.csv:3:{column}: " in message, message
    assert fragment in message, message


def test_reviews_errors_name_the_files_column(shop: Path) -> None:
    products = _files(shop, "products.csv", [PRODUCT_HEADER, PRODUCT_OK], PRODUCT_MAPPING)
    added = _mercato(
        "import", "products-csv", *products, "--workspace", "shop", "--currency", "EUR"
    )
    assert added.exit_code == 0, added.output
    for row, column, fragment in BAD_REVIEWS:
        files = _files(shop, "reviews.csv", [REVIEW_HEADER, REVIEW_OK, row], REVIEW_MAPPING)
        refused = _mercato("ugc", "import-reviews", files[0], "-w", "shop", *files[1:])
        assert refused.exit_code != 0, row
        message = _one_line(refused.stderr)
        assert f"reviews.csv:3:{column}: " in message, message
        assert fragment in message, message
