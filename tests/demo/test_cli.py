"""`mercato demo seed` seeds the brand with progress and ends with a summary table."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mercato.cli.main import app


def test_demo_seed_command_prints_summary_and_writes_truth(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MERCATO_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("MERCATO_SECRET_KEY", "k" * 40)
    result = CliRunner().invoke(app, ["demo", "seed", "--seed", "4", "--visitors", "300"])
    assert result.exit_code == 0, result.output
    assert "Demo brand seeded (seed 4)" in result.output
    assert "conversion rate" in result.output
    assert "demo@mercato.local" in result.output
    truth = json.loads((tmp_path / "data" / "demo" / "ground_truth.json").read_text())
    assert truth["seed"] == 4
    assert truth["visitors"] == 300


def test_demo_seed_rejects_too_few_visitors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MERCATO_DATA_DIR", str(tmp_path / "data"))
    result = CliRunner().invoke(app, ["demo", "seed", "--visitors", "5"])
    assert result.exit_code == 2
    assert "visitors" in result.output.lower()
