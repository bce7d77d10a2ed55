"""Every `mercato` command gives the same result with a live `mercato serve` on its data dir
as without one (ADR 1500): the same script runs on two fresh data dirs, one served."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from mercato.cli.channel import socket_path
from tests.cli.test_cli import mercato
from tests.connectors import samples
from tests.support.postgres import free_port

PASSWORD = "long-enough-pw"

# One command (at least) of every sub-app but `demo` (its seed loads the embedding model and
# takes minutes; it goes through the same channel), in the README's order. Files are named
# relative to the command's working directory, which the server does not share.
SCRIPT: list[tuple[str, ...]] = [
    ("--version",),
    ("db", "upgrade"),
    ("workspaces", "create", "acme", "--name", "Acme Co", "--time-zone", "Europe/Berlin"),
    ("workspaces", "list"),
    ("users", "create", "ana@acme.example", "--workspace", "acme", "--role", "owner",
     "--password", PASSWORD),
    ("tokens", "create", "--workspace", "acme", "--name", "bi", "--scopes", "analytics:read"),
    ("tokens", "list", "--workspace", "acme"),
    ("tokens", "create", "--workspace", "acme"),  # a usage error, shown the same way
    ("import", "orders-shopify", "exports/orders_export.csv", "--workspace", "acme"),
    ("import", "orders-shopify", "exports/missing.csv", "--workspace", "acme"),
    ("report", "-w", "acme", "--from", "2024-09-01", "--to", "2024-09-30", "--kpi",
     "gross_revenue", "--kpi", "orders", "--format", "csv"),
    ("goals", "list", "--workspace", "acme"),
    ("metrics", "docs", "--path", "kpis.md"),
    ("galleries", "list", "-w", "acme"),
    ("segments", "list", "-w", "acme"),
    ("ugc", "search", "-w", "acme"),
    ("accounts", "list", "--workspace", "acme"),
    ("webhooks", "shopify-secret", "--workspace", "acme", "--secret", "s3cret-signing-key"),
    ("sync", "--workspace", "acme"),
    ("attribution", "--workspace", "acme", "--from", "2024-09-01", "--to", "2024-09-30"),
    ("warehouse", "export", "lake", "--workspace", "acme"),
]  # fmt: skip

_VOLATILE = [
    (re.compile(r"\b([a-z]{2,5})_[0-9a-z]{26}\b"), r"\1_<id>"),  # ULID-style ids
    (re.compile(r"mct_[A-Za-z0-9_\-]+"), "mct_<secret>"),
    (re.compile(r"\d+(\.\d+)?s\b"), "<seconds>"),
    (re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?"), "<timestamp>"),
]


def normalised(text: str, root: Path) -> str:
    # Rich wraps a long path inside a table title: match it across the line breaks too.
    text = re.sub(r"\s*".join(map(re.escape, str(root))), "<root>", text)
    for pattern, replacement in _VOLATILE:
        text = pattern.sub(replacement, text)
    return text


def prepared(root: Path) -> Path:
    """A work folder with the export files the script imports, and an empty data dir."""
    (root / "exports").mkdir(parents=True)
    (root / "exports" / "orders_export.csv").write_bytes(samples.shopify_orders_file())
    return root / "data"


@contextmanager
def live_server(data: Path) -> Iterator[subprocess.Popen[str]]:
    """A real `mercato serve` on `data`, as a user starts it in another terminal."""
    assert mercato(data, "db", "upgrade").returncode == 0
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MERCATO_")}
    env["MERCATO_DATA_DIR"] = str(data)
    server = subprocess.Popen(
        [sys.executable, "-m", "mercato.cli", "serve", "--port", str(port)],
        env=env,
        cwd=data.parent.parent,  # not the clients' folder: their relative paths must still work
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1", timeout=2).status_code == 200:
                break
        except httpx.TransportError:
            pass
        assert server.poll() is None, server.stdout.read() if server.stdout else ""
        assert time.monotonic() < deadline, "mercato serve did not start"
        time.sleep(0.2)
    try:
        yield server
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def run_script(data: Path) -> list[tuple[int, str, str]]:
    results = []
    for args in SCRIPT:
        done = mercato(data, *args)
        root = data.parent
        results.append(
            (done.returncode, normalised(done.stdout, root), normalised(done.stderr, root))
        )
    return results


@pytest.mark.slow
@pytest.mark.timeout(1500)
def test_every_command_gives_the_same_result_with_a_live_server(tmp_path: Path) -> None:
    direct_data = prepared(tmp_path / "direct")
    served_data = prepared(tmp_path / "served")
    with ThreadPoolExecutor(1) as pool:
        # The two data dirs share nothing, so the run without a server goes on meanwhile.
        direct_run = pool.submit(run_script, direct_data)
        with live_server(served_data):
            assert socket_path(served_data).exists()
            served = run_script(served_data)
            # The server holds the warehouse the whole time: a direct open would have failed.
            refused = mercato(served_data, "serve", "--port", str(free_port()))
        direct = direct_run.result()

    for args, want, got in zip(SCRIPT, direct, served, strict=True):
        assert got == want, f"`mercato {' '.join(args)}` differs with a live server"
    assert [code for code, _, _ in direct].count(0) >= len(SCRIPT) - 5
    assert "Acme Co" in direct[3][1]
    assert "4 rows read" in direct[8][1]
    assert "missing.csv" in direct[9][2]
    assert refused.returncode == 2
    assert "already serves data dir" in refused.stderr
    assert not socket_path(served_data).exists()  # removed when the server stopped
    assert (served_data.parent / "kpis.md").exists()  # written in the client's folder
    assert (served_data.parent / "lake").is_dir()


def test_prompted_values_reach_the_server(tmp_path: Path) -> None:
    data = prepared(tmp_path)
    with live_server(data):
        assert mercato(data, "workspaces", "create", "acme", "--name", "Acme").returncode == 0
        created = mercato_with_input(
            data, f"{PASSWORD}\n{PASSWORD}\n", "users", "create", "ben@acme.example",
            "--workspace", "acme", "--role", "analyst",
        )  # fmt: skip
    assert created.returncode == 0, created.stderr
    assert "created user ben@acme.example as analyst of acme" in created.stdout


def mercato_with_input(data: Path, text: str, *args: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("MERCATO_")}
    environment.update({"MERCATO_DATA_DIR": str(data), "COLUMNS": "200"})
    return subprocess.run(
        [sys.executable, "-m", "mercato.cli", *args],
        input=text,
        capture_output=True,
        text=True,
        env=environment,
        cwd=data.parent,
        timeout=120,
        check=False,
    )


def test_a_lock_held_by_another_program_is_named_without_advice_to_move_the_store(
    tmp_path: Path,
) -> None:
    data = prepared(tmp_path)
    assert mercato(data, "db", "upgrade").returncode == 0
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb,sys,time; held = duckdb.connect(sys.argv[1]); "
         "print('ready', flush=True); time.sleep(120)", str(data / "warehouse.duckdb")],
        stdout=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "ready"
        result = mercato(data, "workspaces", "list")
    finally:
        holder.kill()
        holder.wait()
    assert result.returncode == 2
    assert f"(PID {holder.pid})" in result.stderr
    assert "in use by" in result.stderr
    assert "No Mercato server answers for this data dir" in result.stderr
    assert "aside" not in result.stderr
    assert "Traceback" not in result.stderr
