"""Crash test: `kill -9` the real server during a load; every acknowledged event survives once."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from mercato.runtime import Services
from mercato.warehouse.connection import Warehouse
from tests.collect.conftest import CHROME
from tests.conftest import make_settings
from tests.support.brands import make_brand
from tests.support.postgres import free_port

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


class Server:
    def __init__(self, data_dir: Path, secret: str) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {
            **os.environ,
            "MERCATO_DATA_DIR": str(data_dir),
            "MERCATO_SECRET_KEY": secret,
            "PYTHONPATH": str(ROOT / "src"),
            # Four load workers on one address: a per-client budget would throttle the load.
            "MERCATO_COLLECT_RATE_LIMIT_PER_MINUTE": "100000000",
        }
        self.process = subprocess.Popen(
            # One process, as before `--workers` (tests/collect/test_workers.py kills N).
            [
                sys.executable,
                "-m",
                "mercato.cli",
                "serve",
                "--port",
                str(self.port),
                "--workers",
                "1",
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            cwd=data_dir,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{self.base}/api/v1", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"server did not start: {self.process.stderr.read()!r}")  # type: ignore[union-attr]
            time.sleep(0.1)


def _load(base: str, key: str, stop: threading.Event, acked: set[str], worker: int) -> None:
    """Post singles and batches of 20 until told to stop; remember what got a 202."""
    with httpx.Client(base_url=base, headers={"user-agent": CHROME}, timeout=5) as client:
        n = 0
        while not stop.is_set():
            n += 1
            ids = [f"w{worker}-{n}-{i}" for i in range(1 if n % 2 else 20)]
            events = [
                {
                    "name": "pageview",
                    "url": f"https://acme.example/p/{i}",
                    "event_id": i,
                    "visitor_id": f"v{worker}",
                    "consent": True,
                }
                for i in ids
            ]
            try:
                response = client.post("/api/collect", json={"key": key, "events": events})
            except httpx.HTTPError:
                continue  # the server died mid-request: nothing was acknowledged
            if response.status_code == 202:
                acked.update(ids)


def test_kill_9_during_load_loses_no_acknowledged_event(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    secret = secrets.token_urlsafe(40)
    services = Services.open(make_settings(data_dir), upgrade=True)
    key = make_brand(services).site_public_key
    services.close()
    acked: set[str] = set()
    for round_number in range(3):
        server = Server(data_dir, secret)
        stop = threading.Event()
        workers = [
            threading.Thread(target=_load, args=(server.base, key, stop, acked, w))
            for w in range(4)
        ]
        for worker in workers:
            worker.start()
        time.sleep(1.5 + round_number * 0.5)
        server.process.send_signal(signal.SIGKILL)
        server.process.wait(timeout=30)
        stop.set()
        for worker in workers:
            worker.join(timeout=30)
    assert len(acked) > 100
    # A last start replays what the loader had not checkpointed; a clean stop drains it.
    server = Server(data_dir, secret)
    server.process.send_signal(signal.SIGTERM)
    # Uvicorn shuts down gracefully (lifespan: the loader drains), then re-raises SIGTERM.
    assert server.process.wait(timeout=120) in (0, -signal.SIGTERM)
    warehouse = Warehouse.open_duckdb(data_dir / "warehouse.duckdb")
    events = warehouse.raw_table("events")
    counts = warehouse.backend.to_pyarrow(events.group_by("event_id").aggregate(n=events.count()))
    stored = dict(zip(counts["event_id"].to_pylist(), counts["n"].to_pylist(), strict=True))
    warehouse.close()
    assert acked - stored.keys() == set()  # nothing acknowledged is lost
    assert set(stored.values()) == {1}  # and nothing is stored twice
