"""A sync killed mid-way (kill -9) leaves its run "running"; the next server start marks it
failed with the reason, and the API shows it so."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from mercato.catalog import tokens, workspaces
from mercato.connectors.run_history import INTERRUPTED
from mercato.core.scopes import Scope
from mercato.runtime import Services
from mercato.web.app import create_app
from tests.cli.test_cli import mercato
from tests.conftest import make_settings
from tests.connectors.conftest import LOOPBACK_ENV
from tests.connectors.fake_platforms import GOOD_TOKEN, IG_USER
from tests.support.server import serve_app


def _running_runs(data: Path) -> int:
    engine = sa.create_engine(f"sqlite:///{data / 'catalog.sqlite'}")
    try:
        with engine.connect() as connection:
            query = sa.text("SELECT count(*) FROM sync_runs WHERE status = 'running'")
            return int(connection.execute(query).scalar_one())
    finally:
        engine.dispose()


def _killed_mid_sync(data: Path) -> None:
    """Start `mercato sync` against a platform that never answers, kill -9 it mid-run."""
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # accepts connections, never answers
    base = f"http://127.0.0.1:{silent.getsockname()[1]}"
    added = mercato(
        data, "accounts", "add", "instagram", "acme", "--workspace", "acme",
        "--external-id", IG_USER, "--token", GOOD_TOKEN, "--base-url", base,
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    env = {k: v for k, v in os.environ.items() if not k.startswith("MERCATO_")}
    env.update({"MERCATO_DATA_DIR": str(data), **LOOPBACK_ENV})
    sync = subprocess.Popen(
        [sys.executable, "-m", "mercato.cli", "sync", "--account", "acme"],
        env=env, cwd=data.parent, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while _running_runs(data) == 0:
            assert time.monotonic() < deadline, "the sync never started"
            time.sleep(0.2)
    finally:
        sync.kill()
        sync.wait(timeout=30)
        silent.close()


@pytest.mark.slow
def test_runs_killed_mid_way_are_marked_failed_at_start_up(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert mercato(data, "db", "upgrade").returncode == 0
    assert mercato(data, "workspaces", "create", "acme", "--name", "Acme").returncode == 0
    _killed_mid_sync(data)
    assert _running_runs(data) == 1
    services = Services.open(make_settings(data), upgrade=True)
    try:
        with services.catalog.session() as session:
            workspace = workspaces.get_workspace(session, "acme")
            secret = tokens.issue_token(session, workspace, name="t", scopes=[Scope.ADMIN]).secret
        with serve_app(create_app(services=services)) as base:
            runs = httpx.get(f"{base}/api/v1/syncs", headers={"Authorization": f"Bearer {secret}"})
    finally:
        services.close()
    assert runs.status_code == 200
    [run] = runs.json()
    assert run["status"] == "failed"
    assert run["error"] == INTERRUPTED
    assert run["finished_at"] is not None
    assert _running_runs(data) == 0
