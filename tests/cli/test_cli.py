"""The `mercato` command as a user runs it: real subprocesses, clear errors, no tracebacks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


def mercato(data_dir: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith("MERCATO_")
    }
    environment.update({"MERCATO_DATA_DIR": str(data_dir), "COLUMNS": "200", **env})
    return subprocess.run(
        [sys.executable, "-m", "mercato.cli", *args],
        capture_output=True,
        text=True,
        env=environment,
        cwd=data_dir.parent,
        timeout=120,
        check=False,
    )


def test_admin_commands_end_to_end(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert mercato(data, "db", "upgrade").returncode == 0
    created = mercato(data, "workspaces", "create", "acme", "--name", "Acme Co")
    assert created.returncode == 0, created.stderr
    listed = mercato(data, "workspaces", "list")
    assert "Acme Co" in listed.stdout
    user = mercato(
        data, "users", "create", "ana@acme.example", "--workspace", "acme",
        "--role", "analyst", "--password", "long-enough-pw",
    )  # fmt: skip
    assert "analyst of acme" in user.stdout, user.stderr
    token = mercato(
        data, "tokens", "create", "--workspace", "acme", "--name", "bi",
        "--scopes", "analytics:read",
    )  # fmt: skip
    assert token.returncode == 0, token.stderr
    secret = token.stdout.strip().splitlines()[-1]
    assert secret.startswith("mct_")
    token_id = token.stdout.split()[1]
    tokens = mercato(data, "tokens", "list", "--workspace", "acme")
    assert token_id in tokens.stdout
    assert secret not in tokens.stdout
    assert mercato(data, "tokens", "revoke", token_id, "--workspace", "acme").returncode == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("workspaces", "create", "Bad Slug", "--name", "x"), "workspace.slug"),
        (
            ("tokens", "create", "--workspace", "acme", "--name", "x", "--scopes", "root"),
            "unknown scope(s) root",
        ),
        (("tokens", "list", "--workspace", "nope"), "no workspace 'nope'"),
        (
            ("users", "create", "x@y.example", "--workspace", "acme", "--password", "short"),
            "user.password",
        ),
    ],
)
def test_bad_input_is_a_message(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    data = tmp_path / "data"
    mercato(data, "db", "upgrade")
    mercato(data, "workspaces", "create", "acme", "--name", "Acme")
    result = mercato(data, *args)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_bad_setting_is_named(tmp_path: Path) -> None:
    result = mercato(tmp_path / "data", "db", "upgrade", MERCATO_TIME_ZONE="Moon/Base")
    assert result.returncode == 2
    assert "setting 'time_zone' (MERCATO_TIME_ZONE)" in result.stderr
    assert "Traceback" not in result.stderr


def test_corrupted_catalog_is_a_message(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "catalog.sqlite").write_bytes(b"garbage" * 1000)
    result = mercato(data, "workspaces", "list")
    assert result.returncode == 2
    assert "cannot be read" in result.stderr
    assert "Traceback" not in result.stderr


def test_corrupted_warehouse_is_a_message(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert mercato(data, "db", "upgrade").returncode == 0
    (data / "warehouse.duckdb").write_bytes(b"garbage" * 1000)
    result = mercato(data, "workspaces", "list")
    assert result.returncode == 2
    assert "warehouse file" in result.stderr
    assert "Traceback" not in result.stderr


def test_data_dir_that_is_a_file(tmp_path: Path) -> None:
    target = tmp_path / "data"
    target.write_text("not a directory")
    result = mercato(target, "db", "upgrade")
    assert result.returncode == 2
    assert "not a directory" in result.stderr


def test_unmigrated_catalog_asks_for_upgrade(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    result = mercato(data, "workspaces", "list")
    assert result.returncode == 2
    assert "mercato db upgrade" in result.stderr


def test_printed_snippets_use_base_url(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = {"MERCATO_BASE_URL": "https://mercato.acme.example/"}
    assert mercato(data, "db", "upgrade", **env).returncode == 0
    assert mercato(data, "workspaces", "create", "acme", "--name", "Acme", **env).returncode == 0
    created = mercato(data, "galleries", "create", "-w", "acme", "--name", "Home", **env)
    assert created.returncode == 0, created.stderr
    assert 'src="https://mercato.acme.example/gallery.js"' in created.stdout
    assert "localhost" not in created.stdout
    hook = mercato(
        data, "webhooks", "shopify-secret", "--workspace", "acme", "--secret", "s" * 24, **env
    )
    assert "webhook URL: https://mercato.acme.example/hooks/shopify/acme" in hook.stdout
