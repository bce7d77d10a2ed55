"""`mercato import`, `mercato accounts`, `mercato sync` as a user runs them (subprocesses)."""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from mercato.connectors import accounts
from mercato.connectors.scheduler import SyncScheduler
from mercato.connectors.sync import accounts_to_sync
from mercato.runtime import Services
from tests.cli.test_cli import mercato
from tests.connectors import samples
from tests.connectors.conftest import LOOPBACK_ENV
from tests.connectors.fake_platforms import GOOD_TOKEN, IG_USER, FakePlatforms, build_app, ig_media
from tests.support.brands import Brand
from tests.support.server import serve_app


def test_import_and_accounts_commands(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert mercato(data, "db", "upgrade").returncode == 0
    assert mercato(data, "workspaces", "create", "acme", "--name", "Acme").returncode == 0
    orders = tmp_path / "orders_export.csv"
    orders.write_bytes(samples.shopify_orders_file())
    first = mercato(data, "import", "orders-shopify", str(orders), "--workspace", "acme")
    assert first.returncode == 0, first.stderr
    assert "4 rows read" in first.stdout
    assert "orders" in first.stdout
    broken = tmp_path / "broken.csv"
    broken.write_bytes(samples.shopify_orders_file().replace(b"120.00", b"12O.00", 1))
    bad = mercato(data, "import", "orders-shopify", str(broken), "--workspace", "acme")
    assert bad.returncode == 2
    assert "broken.csv:2:Subtotal" in bad.stderr
    assert "Traceback" not in bad.stderr
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps({"order_id": "Name", "placed_at": "Created at"}))
    missing = mercato(
        data, "import", "orders-csv", str(orders), "--workspace", "acme", "--mapping", str(mapping)
    )
    assert missing.returncode == 2
    assert "gross" in missing.stderr
    added = mercato(
        data,
        "accounts",
        "add",
        "instagram",
        "acme",
        "--workspace",
        "acme",
        "--external-id",
        "1784",
        "--options",
        '{"hashtags": ["acme"]}',
    )
    assert added.returncode == 0, added.stderr
    listed = mercato(data, "accounts", "list", "--workspace", "acme")
    assert "needs_token" in listed.stdout
    synced = mercato(data, "sync", "--workspace", "acme")
    assert synced.returncode == 1
    assert "no access token" in synced.stdout


@pytest.mark.slow
def test_sync_command_against_the_fake_platform(tmp_path: Path) -> None:
    state = FakePlatforms()
    state.ig_media = ig_media(3, datetime.utcnow() - timedelta(days=1))
    for media in state.ig_media:
        state.insights[media["id"]] = {"views": 10}
    data = tmp_path / "data"
    assert mercato(data, "db", "upgrade").returncode == 0
    assert mercato(data, "workspaces", "create", "acme", "--name", "Acme").returncode == 0
    with serve_app(build_app(state)) as base:
        added = mercato(
            data,
            "accounts",
            "add",
            "instagram",
            "acme",
            "--workspace",
            "acme",
            "--external-id",
            IG_USER,
            "--token",
            GOOD_TOKEN,
            "--base-url",
            base,
        )
        assert added.returncode == 0, added.stderr
        refused = mercato(data, "sync", "--account", "acme")
        synced = mercato(data, "sync", "--account", "acme", **LOOPBACK_ENV)
    assert refused.returncode == 1
    assert "refused '127.0.0.1'" in refused.stdout
    assert synced.returncode == 0, synced.stdout + synced.stderr
    assert "instagram" in synced.stdout
    assert " ok " in synced.stdout


def test_scheduler_round_syncs_every_account(services: Services, brand: Brand) -> None:
    with services.catalog.session() as session:
        accounts.add_account(session, brand.workspace_id, platform="tiktok", handle="t")
    assert len(accounts_to_sync(services.catalog, None)) == 1
    scheduler = SyncScheduler(services.catalog, services.warehouse, interval_s=3600)
    scheduler.start()
    try:
        for _ in range(200):
            if scheduler.rounds:
                break
            time.sleep(0.05)
    finally:
        scheduler.stop()
    assert scheduler.rounds == 1
    with services.catalog.session() as session:
        views = accounts.list_accounts(session, brand.workspace_id)
    assert views[0].status == "needs_token"
