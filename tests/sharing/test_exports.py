"""Exports: every report page's tables as CSV/JSON at the page's own URL, the PDF of a view
drawn offline (its text, extracted with pypdf, carries the page's figures), and the same from
the CLI (`mercato report --format pdf --output FILE`)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader
from typer.testing import CliRunner

from mercato.catalog.models import Workspace
from mercato.cli.context import host
from mercato.cli.main import app as cli_app
from mercato.runtime import Services
from mercato.sharing.pdf import render_pdf
from mercato.sharing.pdf_fonts import find_fonts
from mercato.sharing.views import ReportView, Tile, ViewTable
from tests.sharing.support import RANGE, set_up, tiles

PAGES = {
    "/": ["channels"],
    "/funnel": ["kpis", "drill-down", "sessions-before-purchase", "page-outliers", "goals"],
    "/traffic": ["channels", "social", "landing-pages"],
    "/attribution": ["credits", "comparison", "top-paths"],
}


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@pytest.fixture
def hosted(services: Services) -> Iterator[Services]:
    host(services)
    yield services
    host(None)


def test_every_report_table_exports_as_csv_and_json(services: Services, live_server: str) -> None:
    owner = set_up(services, live_server)
    for path, tables in PAGES.items():
        page = owner.client.get(path, params=RANGE).text
        for table in tables:
            assert f'data-table="{table}"' in page or (path == "/funnel" and table == "kpis"), (
                path,
                table,
            )
            as_csv = owner.client.get(path, params={**RANGE, "format": "csv", "table": table})
            assert as_csv.status_code == 200, (path, table, as_csv.text)
            as_json = owner.client.get(
                path, params={**RANGE, "format": "json", "table": table}
            ).json()
            rows = list(csv.DictReader(io.StringIO(as_csv.text)))
            assert len(rows) == len(as_json), (path, table)
    channels = owner.client.get("/", params={**RANGE, "format": "json", "table": "channels"}).json()
    shown = owner.client.get("/", params=RANGE).text
    assert "Direct / none" in {row["Channel"] for row in channels}  # named, not "(none)"
    for row in channels:  # the page's table and the export agree cell by cell
        assert f'<td>{row["Channel"]}</td><td class="num">{row["Sessions"]}</td>' in shown
    whole = owner.client.get("/api/v1/views/funnel", params=RANGE).json()
    assert {"kpis", "drill-down", "goals"} <= set(whole["tables"])
    assert owner.client.get("/", params={"format": "csv", "table": "nope"}).status_code == 422


def test_pdf_of_a_view_carries_the_page_figures(services: Services, live_server: str) -> None:
    owner = set_up(services, live_server)
    shown = tiles(owner.client.get("/", params=RANGE).text)
    reply = owner.client.get("/", params={**RANGE, "format": "pdf"})
    assert reply.headers["content-type"] == "application/pdf"
    text = _pdf_text(reply.content)
    assert shown
    assert all(value in text for value in shown.values()), (shown, text[:500])
    traffic = tiles(owner.client.get("/traffic", params=RANGE).text)
    text = _pdf_text(owner.client.get("/traffic", params={**RANGE, "format": "pdf"}).content)
    assert all(value in text for value in traffic.values())


def test_cli_report_pdf_and_tables(hosted: Services, live_server: str, tmp_path: Path) -> None:
    owner = set_up(hosted, live_server)
    shown = tiles(owner.client.get("/", params=RANGE).text)
    out = tmp_path / "overview.pdf"
    args = ["report", "-w", owner.slug, "--from", RANGE["start"], "--to", RANGE["end"]]
    runner = CliRunner()
    done = runner.invoke(
        cli_app, [*args, "--view", "overview", "--format", "pdf", "--output", str(out)]
    )
    assert done.exit_code == 0, done.output
    assert all(value in _pdf_text(out.read_bytes()) for value in shown.values())
    funnel_pdf = tmp_path / "funnel.pdf"
    assert runner.invoke(cli_app, [*args, "--format", "pdf", "-o", str(funnel_pdf)]).exit_code == 0
    assert "Full funnel" in _pdf_text(funnel_pdf.read_bytes())
    as_json = runner.invoke(
        cli_app, [*args, "--view", "traffic", "--table", "channels", "--format", "json"]
    )
    assert as_json.exit_code == 0, as_json.output
    api = owner.client.get(
        "/traffic", params={**RANGE, "format": "json", "table": "channels"}
    ).json()
    assert json.loads(as_json.stdout) == api
    refused = runner.invoke(cli_app, [*args, "--format", "pdf"])
    assert refused.exit_code == 2
    assert "--output" in refused.output


def test_pdf_keeps_hostile_and_non_latin_text_readable() -> None:
    view = ReportView(
        "overview",
        "Overview",
        "Café <b>🙂",
        None,
        None,
        "UTC",
        tiles=[Tile("kpi-x", "Sessions", "1,234", 1234.0)],
        tables=[
            ViewTable(
                "t",
                "By channel",
                ["Channel", "Sessions"],
                [['=HYPERLINK("x")', "12"], ["日本", "3"]],
            )
        ],
    )
    text = _pdf_text(render_pdf(view))
    assert "1,234" in text
    assert "Café <b>?" in text  # no installed font draws the emoji: "?"
    assert '=HYPERLINK("x")' in text
    assert "日本" in text


def test_pdf_of_a_report_with_japanese_product_names_keeps_them() -> None:
    """Drawn with the machine's Unicode fonts (IPA Gothic for kana and kanji, installed by
    scripts/install-system-deps.sh): the extracted text holds the names as written."""
    fonts = find_fonts()
    assert fonts.cjk is not None, "install fonts-ipafont-gothic (scripts/install-system-deps.sh)"
    names = ["抹茶ラテ・オーツミルク", "ほうじ茶ティーバッグ20包入り", "京都の青磁マグカップ"]
    view = ReportView(
        "ugc_performance",
        "UGC performance",
        "青山ストア",
        date(2024, 3, 1),
        date(2024, 3, 31),
        "Asia/Tokyo",
        tiles=[Tile("kpi-impressions", "インプレッション", "12,345", 12345.0)],
        tables=[
            ViewTable(
                "products",
                "商品別",
                ["商品", "Impressions", "Influenced revenue"],
                [
                    [name, f"{1000 * (i + 1):,}", f"{98765.4 / (i + 1):,.2f}"]
                    for i, name in enumerate(names)
                ],
            )
        ],
        notes=["期間中に影響を受けた注文"],
    )
    text = _pdf_text(render_pdf(view))
    for name in [*names, "青山ストア", "インプレッション", "商品別", "期間中に影響を受けた注文"]:
        assert name in text, (name, text[:400])
    assert "98,765.40" in text
    assert "?" not in text  # every character was drawn


def test_pdf_export_of_a_japanese_workspace_over_http(services: Services, live_server: str) -> None:
    owner = set_up(services, live_server)
    with services.catalog.session() as session:
        session.get(Workspace, owner.workspace_id).name = "青山ストア"  # type: ignore[union-attr]
    shown = tiles(owner.client.get("/", params=RANGE).text)
    reply = owner.client.get("/", params={**RANGE, "format": "pdf"})
    assert reply.status_code == 200
    text = _pdf_text(reply.content)
    assert "青山ストア" in text
    assert all(value in text for value in shown.values())


def test_every_view_answers_over_the_api(services: Services, live_server: str) -> None:
    owner = set_up(services, live_server)
    expected = {
        "overview": {"channels"},
        "funnel": {"kpis", "drill-down", "sessions-before-purchase", "page-outliers", "goals"},
        "traffic": {"channels", "social", "landing-pages"},
        "attribution": {"credits", "comparison", "top-paths"},
        "ugc_performance": {"galleries", "items"},
        "goals": {"goals"},
    }
    for view, tables in expected.items():
        found = owner.client.get(f"/api/v1/views/{view}", params=RANGE)
        assert found.status_code == 200, (view, found.text)
        assert set(found.json()["tables"]) == tables
        assert (
            owner.client.get(f"/api/v1/views/{view}", params={"period": "last_7_days"}).status_code
            == 200
        )
        pdf = owner.client.get(f"/api/v1/views/{view}", params={**RANGE, "format": "pdf"})
        assert pdf.content.startswith(b"%PDF-")
    assert owner.client.get("/api/v1/views/experiments").status_code == 422
    bad = owner.client.get(
        "/api/v1/views/overview", params={"start": "2024-03-02", "end": "2024-03-01"}
    )
    assert bad.status_code == 422
