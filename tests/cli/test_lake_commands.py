"""`mercato warehouse compact-lake` and `lake-status` on the live lake, and their refusals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.test_report_engines import mercato, seeded  # noqa: F401


def test_lake_commands_without_a_lake_say_what_to_set(
    seeded: Path,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MERCATO_DATA_DIR", str(seeded))
    monkeypatch.setenv("MERCATO_SECRET_KEY", "k" * 40)
    monkeypatch.delenv("MERCATO_LAKE_DIR", raising=False)
    for command in ("compact-lake", "lake-status"):
        code, output = mercato("warehouse", command)
        assert code == 2
        assert "set lake_dir (MERCATO_LAKE_DIR)" in output


def test_sync_fills_the_lake_and_status_counts_it(
    seeded: Path,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MERCATO_DATA_DIR", str(seeded))
    monkeypatch.setenv("MERCATO_SECRET_KEY", "k" * 40)
    monkeypatch.setenv("MERCATO_LAKE_DIR", str(tmp_path / "lake"))
    code, output = mercato("warehouse", "lake-status", "--format", "json")
    assert code == 0, output
    assert {t["rows"] for t in json.loads(output)["tables"]} == {0}
    code, output = mercato("warehouse", "compact-lake", "--sync")
    assert code == 0, output
    assert "synced:" in output
    code, output = mercato("warehouse", "lake-status", "--format", "json")
    status = json.loads(output)
    assert status["last_batch"].startswith("sync-")
    orders = next(t for t in status["tables"] if t["table"] == "orders")
    assert orders["rows"] > 0
    assert orders["files"] == orders["partitions"]
    code, output = mercato("warehouse", "lake-status")
    assert code == 0
    assert "orders" in output
    assert "last batch: sync-" in output
