"""`mercato ugc ...` on a seeded data dir, in-process through Typer's runner (the admin
CLI tests already prove the real entry point; starting Python per command costs ~10 s here)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from typer.testing import CliRunner

from mercato.cli.main import app
from mercato.core.settings import Settings
from mercato.runtime import Services
from tests.support.brands import make_brand
from tests.ugc.support import add, context


def _seed(data: Path) -> list[str]:
    services = Services.open(Settings(data_dir=data, secret_key="k" * 40), upgrade=True)
    try:
        ws = make_brand(services).workspace_id
        with services.catalog.session() as s:
            ctx = context(services, ws)
            return [
                add(s, ctx, "p1", "[bold]beach[/] dress <b>", handle="ana").id,
                add(s, ctx, "p2", "mountain boots", handle="bo").id,
            ]
    finally:
        services.close()


def mercato(data: Path, *args: str) -> SimpleNamespace:
    result = CliRunner().invoke(
        app, list(args), env={"MERCATO_DATA_DIR": str(data), "COLUMNS": "200"}
    )
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return SimpleNamespace(returncode=result.exit_code, stdout=result.stdout, stderr=result.stderr)


def test_ugc_commands_end_to_end(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MERCATO_CONFIG", raising=False)
    data = tmp_path / "data"
    first, second = _seed(data)
    intake = mercato(data, "ugc", "intake", "-w", "acme")
    assert intake.returncode == 0, intake.stderr
    assert "added 0" in intake.stdout
    approved = mercato(data, "ugc", "approve", first, second, "-w", "acme")
    assert "2 item(s) approved" in approved.stdout
    rejected = mercato(data, "ugc", "reject", second, "-w", "acme")
    assert "1 item(s) rejected" in rejected.stdout
    asked = mercato(data, "ugc", "request-rights", first, "-w", "acme", "--channel", "dm")
    assert "#YesAcme" in asked.stdout
    assert "@ana" in asked.stdout
    found = mercato(data, "ugc", "search", "-w", "acme", "--text", "beach", "--status", "approved")
    assert found.returncode == 0, found.stderr
    assert "[bold]beach[/] dress" in found.stdout  # captions are printed, not interpreted
    assert "1 match(es)" in found.stdout
    assert mercato(data, "ugc", "rescore", "-w", "acme").returncode == 0
    missing = mercato(data, "ugc", "approve", "ugc_nope", "-w", "acme")
    assert missing.returncode == 2
    assert "no UGC item 'ugc_nope'" in missing.stderr
    bad_csv = tmp_path / "reviews.csv"
    bad_csv.write_text(
        "product_sku,rating,title,text,photo_urls,author,date\nNOPE,5,t,x,,a,2026-01-01\n"
    )
    imported = mercato(data, "ugc", "import-reviews", str(bad_csv), "-w", "acme")
    assert imported.returncode == 2
    assert "reviews.csv:2:product_sku: no product with SKU 'NOPE'" in imported.stderr
    private = mercato(data, "ugc", "add-url", "http://127.0.0.1:9/post", "-w", "acme")
    assert private.returncode == 0
    assert "refused" in private.stdout
    assert "Traceback" not in private.stderr + imported.stderr + missing.stderr
