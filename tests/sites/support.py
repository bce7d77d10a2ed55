"""A real `mercato serve` subprocess on an empty data dir, and a shop on another port."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.support.postgres import free_port

# A shopper's browser: the collector rightly drops HeadlessChrome as a bot.
SHOPPER_AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)


def mercato_env(data_dir: Path) -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("MERCATO_")}
    environment.update(
        {
            "MERCATO_DATA_DIR": str(data_dir),
            "MERCATO_SECRET_KEY": secrets.token_urlsafe(40),
            "COLUMNS": "200",
        }
    )
    return environment


def mercato(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """One `mercato` command, as a user types it."""
    return subprocess.run(
        [sys.executable, "-m", "mercato.cli", *args],
        capture_output=True,
        text=True,
        env=mercato_env(data_dir),
        cwd=data_dir.parent,
        timeout=120,
        check=False,
    )


@contextmanager
def mercato_serve(data_dir: Path, log_path: Path | None = None) -> Iterator[str]:
    """`mercato serve` in its own process; yields its base URL once /healthz answers.
    Its output goes to `log_path` (default: beside the data dir)."""
    port = free_port()
    log_path = log_path or data_dir.parent / "serve.log"
    log = log_path.open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "mercato.cli", "serve", "--port", str(port)],
        env=mercato_env(data_dir),
        cwd=data_dir.parent,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if process.poll() is not None:
                raise RuntimeError("mercato serve exited: " + log_path.read_text())
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("mercato serve did not answer /healthz")
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        log.close()
