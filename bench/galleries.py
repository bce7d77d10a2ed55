"""bench/galleries: gallery delivery under 100 concurrent clients over loopback.

A real `mercato serve` process holds a brand with 24 publishable items; an async httpx client
in this process keeps 100 requests in flight against the JSON endpoint, the HTML fragment
endpoint and the same server's trivial public route `GET /api/v1` (the no-op baseline). It
reports p50/p99 latency and requests/s for each, the ratio of each to the baseline, the
uncached build time of one delivery, and gallery.js gzipped.
"""

from __future__ import annotations

import asyncio
import gzip
import io
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import httpx
import numpy as np
from PIL import Image

from mercato.catalog import workspaces
from mercato.catalog.models import Product, Site
from mercato.core.settings import Settings
from mercato.galleries.cache import DeliveryCache, invalidate
from mercato.galleries.definitions import GalleryDraft, create_gallery
from mercato.galleries.delivery import deliver
from mercato.galleries.selection import PageContext
from mercato.runtime import Services
from mercato.ugc import rights
from mercato.ugc.items import IntakeContext, NewItem, add_item, set_status
from mercato.ugc.tagging import set_tag

CLIENTS = 100
REQUESTS = 2000  # per endpoint
TIME_LIMIT_S = 20.0  # per endpoint, whichever comes first
ITEMS = 24
GALLERY_JS = Path(__file__).parents[1] / "src/mercato/galleries/gallery.js"


def _picture(seed: int) -> bytes:
    pixels = np.random.default_rng(seed).integers(0, 255, size=(30, 40, 3), dtype=np.uint8)
    out = io.BytesIO()
    Image.fromarray(pixels).resize((640, 480)).save(out, "JPEG")
    return out.getvalue()


def _seed(services: Services) -> str:
    with services.catalog.session() as s:
        ws = workspaces.create_workspace(s, slug="bench", name="Bench Co")
        s.add(Site(workspace_id=ws.id, domain="shop.example", public_key="pk_bench"))
        dress = Product(
            workspace_id=ws.id,
            sku="DR-1",
            title="Linen Dress",
            price=Decimal("89.00"),
            currency="EUR",
            url="https://shop.example/p/dr-1",
            product_line="Summer",
        )
        s.add(dress)
        s.flush()
        context = IntakeContext(workspace_id=ws.id, media_dir=services.settings.media_dir)
        for n in range(ITEMS):
            item = add_item(
                s,
                context,
                NewItem(
                    source="mention",
                    platform="instagram",
                    external_id=f"p{n}",
                    caption=f"Look {n} in the linen dress <3 #summer",
                    creator_handle=f"fan{n}",
                    media_files=[_picture(n)],
                ),
            )
            assert item is not None
            set_tag(s, item, dress.id, "accepted")
            set_status(s, ws.id, [item.id], "approved")
            rights.grant(s, item, channel="comment", evidence="#yesbench")
        return create_gallery(s, ws.id, GalleryDraft(name="Home", max_items=ITEMS)).id


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _serve(data_dir: Path, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "MERCATO_DATA_DIR": str(data_dir)}
    src = str(Path(__file__).parents[1] / "src")
    env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
    process = subprocess.Popen(
        [sys.executable, "-m", "mercato.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("mercato serve did not start")


async def _load(base: str, path: str, total: int = REQUESTS) -> tuple[list[float], float, int]:
    """Latencies of successful requests, elapsed seconds, and how many failed (dropped
    connections on an overloaded machine are counted, not fatal)."""
    latencies: list[float] = []
    remaining, failed = [total], [0]
    limits = httpx.Limits(max_connections=CLIENTS, max_keepalive_connections=CLIENTS)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
        started = time.perf_counter()

        async def worker() -> None:
            while remaining[0] > 0 and time.perf_counter() - started < TIME_LIMIT_S:
                remaining[0] -= 1
                sent = time.perf_counter()
                try:
                    response = await client.get(path)
                    response.raise_for_status()
                except httpx.HTTPError:
                    failed[0] += 1
                    continue
                latencies.append(time.perf_counter() - sent)

        await asyncio.gather(*(worker() for _ in range(CLIENTS)))
        return latencies, time.perf_counter() - started, failed[0]


def _row(name: str, latencies: list[float], elapsed: float, failed: int) -> dict[str, float]:
    ordered = sorted(latencies)
    stats = {
        "p50_ms": statistics.median(ordered) * 1000,
        "p99_ms": ordered[int(len(ordered) * 0.99) - 1] * 1000,
        "rps": len(ordered) / elapsed,
    }
    print(
        f"{name:<18} n={len(ordered):>5}  p50 {stats['p50_ms']:7.1f} ms  "
        f"p99 {stats['p99_ms']:7.1f} ms  {stats['rps']:8.0f} req/s"
    )
    return stats


def _cold_build_ms(services: Services, gallery_id: str) -> float:
    cache, timings = DeliveryCache(), []
    for _ in range(30):
        invalidate()
        started = time.perf_counter()
        deliver(services.catalog, cache, gallery_id, PageContext(), "json", "http://x")
        timings.append(time.perf_counter() - started)
    return statistics.median(timings) * 1000


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "data"
        services = Services.open(Settings(data_dir=data_dir), upgrade=True)
        gallery_id = _seed(services)
        cold = _cold_build_ms(services, gallery_id)
        services.close()
        port = _free_port()
        server = _serve(data_dir, port)
        try:
            base = f"http://127.0.0.1:{port}"
            results = {}
            for name, path in (
                ("no-op GET /api/v1", "/api/v1"),
                ("gallery JSON", f"/g/{gallery_id}.json"),
                ("gallery HTML", f"/g/{gallery_id}.html"),
            ):
                asyncio.run(_load(base, path, 300))  # warm-up fills caches and connections
                results[name] = _row(name, *asyncio.run(_load(base, path)))
        finally:
            server.terminate()
            server.wait(timeout=10)
    baseline = results["no-op GET /api/v1"]
    for name in ("gallery JSON", "gallery HTML"):
        row = results[name]
        print(
            f"{name}: {row['rps'] / baseline['rps']:.2f}x the no-op's req/s, "
            f"p50 {row['p50_ms'] / baseline['p50_ms']:.2f}x, "
            f"p99 {row['p99_ms'] / baseline['p99_ms']:.2f}x"
        )
    print(f"uncached build of one JSON delivery ({ITEMS} items): p50 {cold:.1f} ms")
    size = len(gzip.compress(GALLERY_JS.read_bytes(), 9))
    print(f"gallery.js: {GALLERY_JS.stat().st_size} bytes, {size} bytes gzipped (-9)")
