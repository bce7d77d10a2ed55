"""A post permalink that is no http(s) link is neutralised at intake, not only at render: the
post and its metrics are stored, the link is not, and the data-quality view and the import
summary say which posts lost it and why. Through the CLI from an empty data dir, and the
platform-sync path (`store_social`) on a real warehouse."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from mercato.cli.main import app
from mercato.connectors.results import ImportSummary
from mercato.connectors.social import (
    UNSAFE_PERMALINKS,
    MetricValue,
    Post,
    PostSnapshot,
    store_social,
)
from mercato.warehouse.connection import Warehouse

MAPPING = {
    "platform": "pinterest",
    "post_id": "Pin ID",
    "posted_at": "Created at",
    "permalink": "Pin link",
    "metrics": {"Impressions": "views"},
}
# post id -> (the export's link, what may be stored)
LINKS = {
    "p1": ("https://pinterest.com/pin/p1/", "https://pinterest.com/pin/p1/"),
    "p2": ("javascript:alert(document.cookie)", ""),
    "p3": ("JaVaScRiPt:alert(1)", ""),
    "p4": ("data:text/html,<script>alert(1)</script>", ""),
    "p5": ("/pin/p5/", ""),  # relative: it would resolve against Mercato's own origin
    "p6": ("  https://pinterest.com/pin/p6/  ", "https://pinterest.com/pin/p6/"),
    "p7": ("", ""),
}
UNSAFE = {"p2", "p3", "p4", "p5"}


def _export() -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Pin ID", "Created at", "Pin link", "Impressions"])
    for n, (post_id, (link, _stored)) in enumerate(LINKS.items()):
        writer.writerow([post_id, f"2025-03-0{n + 1} 10:00", link, str(100 * (n + 1))])
    writer.writerow(["p2", "2025-03-02 10:00", LINKS["p2"][0], "200"])  # the same post again
    return out.getvalue()


def _mercato(*args: str) -> Any:
    return CliRunner().invoke(app, list(args), env={"COLUMNS": "300"})


def _stored_posts(data: Path) -> dict[str, str]:
    warehouse = Warehouse.open_duckdb(data / "warehouse.duckdb")
    try:
        rows = warehouse.backend.to_pyarrow(warehouse.raw_table("social_posts")).to_pylist()
    finally:
        warehouse.close()
    return {row["post_id"]: row["permalink"] for row in rows}


def test_import_stores_posts_without_unsafe_links_and_reports_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    monkeypatch.delenv("MERCATO_CONFIG", raising=False)
    monkeypatch.setenv("MERCATO_DATA_DIR", str(data))
    monkeypatch.setenv("MERCATO_SECRET_KEY", "s" * 40)
    assert _mercato("db", "upgrade").exit_code == 0
    assert _mercato("workspaces", "create", "shop", "--name", "Shop").exit_code == 0
    (tmp_path / "pins.csv").write_text(_export())
    (tmp_path / "map.json").write_text(json.dumps(MAPPING))
    done = _mercato(
        "import", "generic", str(tmp_path / "pins.csv"), "--workspace", "shop",
        "--mapping", str(tmp_path / "map.json"),
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    output = " ".join(done.stdout.split())
    for post_id in sorted(UNSAFE):
        assert f"pinterest post {post_id}: permalink" in output
        assert "is not an http(s) link; stored without it" in output
    assert output.count("pinterest post p2: permalink") == 1  # one note per post

    entries = json.loads(_mercato("data-quality", "-w", "shop", "--format", "json").stdout)
    entry = entries["entries"][0]
    assert entry["source"] == "import:generic"
    assert entry["flags"][UNSAFE_PERMALINKS] == len(UNSAFE)
    rows = len(LINKS) + 1
    assert entry["rows_read"] == rows == sum(entry["outcomes"].values())
    assert entry["outcomes"]["stored"] == len(LINKS)

    stored = _stored_posts(data)
    assert stored == {post_id: kept for post_id, (_link, kept) in LINKS.items()}


def test_sync_path_drops_unsafe_links_too(tmp_path: Path) -> None:
    warehouse = Warehouse.open_duckdb(tmp_path / "w.duckdb")
    now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    snapshots = [
        PostSnapshot(
            Post("instagram", "acct", post_id, now, permalink=link),
            now,
            "v21.0",
            (MetricValue("views", 10.0, "views"),),
        )
        for post_id, link in (("i1", "vbscript:msgbox(1)"), ("i2", "https://instagram.com/p/i2/"))
    ]
    summary = ImportSummary(kind="sync:instagram")
    try:
        store_social(warehouse, "ws", summary, snapshots)
        rows = warehouse.backend.to_pyarrow(warehouse.raw_table("social_posts")).to_pylist()
    finally:
        warehouse.close()
    assert {row["post_id"]: row["permalink"] for row in rows} == {
        "i1": "",
        "i2": "https://instagram.com/p/i2/",
    }
    assert summary.flags[UNSAFE_PERMALINKS] == 1
    assert summary.notes == [
        "instagram post i1: permalink 'vbscript:msgbox(1)' is not an http(s) link; "
        "stored without it"
    ]
