"""Six 100 MB bodies streamed at the real `mercato serve` (empty data dir) at once: each is
answered 413 while it is still being sent, and the server's memory stays bounded."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.support.postgres import free_port
from tests.support.streaming import stream_until_answer

ROOT = Path(__file__).resolve().parents[2]
BODY = 100 * 1024 * 1024
MAX_GROWTH = 120 * 1024 * 1024  # six 5 MiB limits plus socket buffers, far below 6 x 100 MB


def _rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def _serve(data: Path, port: int) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MERCATO_")}
    env.update({"MERCATO_DATA_DIR": str(data), "PYTHONPATH": str(ROOT / "src")})
    server = subprocess.Popen(
        [sys.executable, "-m", "mercato.cli", "serve", "--port", str(port)],
        env=env, cwd=data.parent, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 90
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code < 500:
                return server
        except httpx.HTTPError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            server.kill()
            raise RuntimeError("mercato serve did not start")
        time.sleep(0.2)


@pytest.mark.slow
def test_streamed_oversized_webhooks_keep_memory_bounded(tmp_path: Path) -> None:
    port = free_port()
    server = _serve(tmp_path / "data", port)
    try:
        before = _rss(server.pid)
        results: list[tuple[int, bytes]] = []
        headers = {"Content-Type": "application/json", "X-Shopify-Topic": "orders/create"}

        def post() -> None:
            base = f"http://127.0.0.1:{port}"
            preamble, filler = b'{"line_items": [', b"0," * 32768
            sent = stream_until_answer(base, "/hooks/shopify/acme", headers, preamble, filler, BODY)
            results.append(sent)

        threads = [threading.Thread(target=post) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        after = _rss(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert len(results) == 6
    for sent, answer in results:
        assert answer.startswith(b"HTTP/1.1 413"), answer[:100]
        assert sent < BODY // 2
    assert after - before < MAX_GROWTH, (before, after)
