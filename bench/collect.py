"""bench/collect: durable collection throughput against the real server over loopback.

* single events and batches of 100 posted to `POST /api/collect` by the same async load
  generator that also drives a no-op route (`POST /bench/noop`, mounted only by this bench's
  app factory, public and harmless: it reads the body and answers 202), so the ratio says what
  validation + enrichment + the fsynced WAL cost on top of HTTP;
* loader throughput (WAL payloads -> events + sessions in DuckDB) as a ratio to a bare Arrow
  insert of the same rows into the same table.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pyarrow as pa
from fastapi import Request
from fastapi.responses import JSONResponse

from mercato.collect.enrich import Hit, SiteConfig, event_row
from mercato.collect.identity import SaltStore
from mercato.collect.payload import TrackerEvent
from mercato.collect.store import EVENT_SCHEMA, EventStore, typed
from mercato.core.settings import load_settings
from mercato.warehouse.connection import Warehouse

DURATION_S = float(os.environ.get("BENCH_COLLECT_SECONDS", "8"))
CONCURRENCY = 32
CHROME = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36"
LOADER_ROWS = 60_000
CAMPAIGN = "utm_source=instagram&utm_medium=social"


def bench_app() -> Any:
    """`uvicorn --factory bench.collect:bench_app`: the production app plus the no-op route."""
    from mercato.web.app import create_app

    app = create_app(load_settings())

    @app.post("/bench/noop", tags=["public"], include_in_schema=False)
    async def bench_noop(request: Request) -> JSONResponse:
        await request.body()
        return JSONResponse({"accepted": 0, "filtered": 0}, status_code=202)

    return app


def _prepare(data_dir: Path) -> str:
    from mercato.catalog import workspaces
    from mercato.runtime import Services

    services = Services.open(load_settings(data_dir=data_dir), upgrade=True)
    with services.catalog.session() as session:
        workspace = workspaces.create_workspace(session, slug="bench", name="Bench")
        key = workspaces.add_site(session, workspace, domain="shop.example").public_key
    services.close()
    return key


def _start(data_dir: Path, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "MERCATO_DATA_DIR": str(data_dir),
        "MERCATO_SECRET_KEY": secrets.token_urlsafe(40),
        # One load generator on one address: the per-client budget would measure itself.
        "MERCATO_COLLECT_RATE_LIMIT_PER_MINUTE": "100000000",
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "bench.collect:bench_app",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        env=env,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("bench server did not start")


def _bodies(key: str, per_request: int, count: int) -> list[bytes]:
    bodies = []
    for n in range(count):
        events = [
            {
                "name": "pageview",
                "url": f"https://shop.example/products/p{i % 50}?{CAMPAIGN}",
                "referrer": "https://l.instagram.com/",
                "event_id": f"b{n}-{i}-{secrets.token_hex(4)}",
            }
            for i in range(per_request)
        ]
        document: dict[str, Any] = {"key": key, "events": events}
        if per_request == 1:
            document = {"key": key, **events[0]}
        bodies.append(json.dumps(document).encode())
    return bodies


async def _drive(base: str, path: str, bodies: list[bytes]) -> tuple[float, int]:
    """Requests per second over DURATION_S with CONCURRENCY requests in flight."""
    done = 0
    failed = 0
    stop_at = time.monotonic() + DURATION_S
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    headers = {"content-type": "text/plain", "user-agent": CHROME}
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:

        async def worker(offset: int) -> None:
            nonlocal done, failed
            index = offset
            while time.monotonic() < stop_at:
                response = await client.post(
                    path, content=bodies[index % len(bodies)], headers=headers
                )
                index += CONCURRENCY
                if response.status_code == 202:
                    done += 1
                else:
                    failed += 1
                    if failed == 1:
                        print(f"  {path}: {response.status_code} {response.text[:200]}")

        started = time.monotonic()
        await asyncio.gather(*(worker(i) for i in range(CONCURRENCY)))
        elapsed = time.monotonic() - started
    if failed:
        raise RuntimeError(f"{failed} requests to {path} were not accepted")
    return done / elapsed, done


def http_bench() -> dict[str, float]:
    from tests.support.postgres import free_port

    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "data"
        key = _prepare(data_dir)
        port = free_port()
        server = _start(data_dir, port)
        base = f"http://127.0.0.1:{port}"
        try:
            singles = _bodies(key, 1, 20_000)
            batches = _bodies(key, 100, 300)
            for label, path, bodies, size in (
                ("noop_single", "/bench/noop", singles, 1),
                ("collect_single", "/api/collect", singles, 1),
                ("noop_batch100", "/bench/noop", batches, 100),
                ("collect_batch100", "/api/collect", batches, 100),
            ):
                rate, _ = asyncio.run(_drive(base, path, bodies))
                results[f"{label}_rps"] = rate
                results[f"{label}_events_per_s"] = rate * size
                print(f"  {label:18s} {rate:9.0f} req/s  {rate * size:10.0f} events/s")
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=300)
    return results


def _wal_payloads(rows: int, per_payload: int = 100, prefix: str = "e") -> list[bytes]:
    site = SiteConfig("site_b", "ws_b", "shop.example", identity_mode="first_party_id")
    salts = SaltStore(None)
    start = time.time() - 3600
    payloads = []
    for first in range(0, rows, per_payload):
        batch = []
        for i in range(first, first + per_payload):
            event = TrackerEvent(
                name="pageview",
                url=f"https://shop.example/p/{i % 40}?utm_source=tiktok&utm_medium=paid",
                event_id=f"{prefix}{i}",
                visitor_id=f"v{i % 5000}",
            )
            hit = Hit("", CHROME, _at(start + i * 0.05))
            batch.append(event_row(event, site, hit, salts))
        payloads.append(json.dumps(batch).encode())
    return payloads


def _at(epoch: float) -> Any:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(epoch, UTC).replace(tzinfo=None)


def _timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def loader_bench() -> dict[str, float]:
    payloads = _wal_payloads(LOADER_ROWS)
    with tempfile.TemporaryDirectory() as tmp:
        loaded = Warehouse.open_duckdb(Path(tmp) / "loader.duckdb")
        store = EventStore(loaded)
        step = 200  # 200 payloads x 100 rows = the loader's 20k-row batch

        def load_all() -> None:
            for first in range(0, len(payloads), step):
                rows = [
                    row for payload in payloads[first : first + step] for row in json.loads(payload)
                ]
                store.store(rows)

        loader_s = _timed(load_all)
        bare = Warehouse.open_duckdb(Path(tmp) / "bare.duckdb")
        tables = [
            pa.Table.from_pylist(
                [typed(r) for p in payloads[f : f + step] for r in json.loads(p)],
                schema=EVENT_SCHEMA,
            ).add_column(0, "row_key", pa.nulls(step * 100, pa.string()))
            for f in range(0, len(payloads), step)
        ]
        bare_s = _timed(lambda: [bare.backend.insert("events", t) for t in tables])
        loaded.close()
        bare.close()
    results = {
        "loader_events_per_s": LOADER_ROWS / loader_s,
        "bare_insert_events_per_s": LOADER_ROWS / bare_s,
    }
    print(f"  loader (WAL -> events + sessions) {results['loader_events_per_s']:10.0f} events/s")
    print(
        f"  bare Arrow insert                 {results['bare_insert_events_per_s']:10.0f} events/s"
    )
    return results


def cpu_bench(key: str = "pk_bench") -> dict[str, float]:
    """Collector CPU per event (parse + validate + enrich + encode), without HTTP or fsync."""
    import tempfile as tmp
    from datetime import datetime as dt

    from mercato.collect.payload import parse_body
    from mercato.collect.pipeline import Collector

    collector = Collector(Path(tmp.mkdtemp()) / "wal", Warehouse.open_duckdb(":memory:"))
    site = SiteConfig("site_b", "ws_b", "shop.example")
    results = {}
    for label, bodies, size in (
        ("single", _bodies(key, 1, 5000), 1),
        ("batch100", _bodies(key, 100, 200), 100),
    ):
        started = time.process_time()
        for body in bodies:
            batch = parse_body(body)
            hit = Hit("10.1.2.3", CHROME, dt.now(), batch.sent_at)
            collector.prepare([(event, site, hit) for event in batch.events])
        per_event = (time.process_time() - started) / (len(bodies) * size)
        results[f"cpu_{label}_us_per_event"] = per_event * 1e6
        print(
            f"  collector CPU, {label:8s} {per_event * 1e6:6.1f} us/event "
            f"= {1 / per_event:8.0f} events/s per core"
        )
    return results


def main() -> None:
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}; "
        f"{DURATION_S:.0f} s per run, {CONCURRENCY} requests in flight"
    )
    cpu_bench()
    http = http_bench()
    single_ratio = http["collect_single_rps"] / http["noop_single_rps"]
    batch_ratio = http["collect_batch100_rps"] / http["noop_batch100_rps"]
    print(f"  durable single events: {single_ratio:.0%} of the no-op rate (target >= 50%)")
    print(
        f"  batches of 100: {http['collect_batch100_events_per_s']:.0f} events/s "
        f"({batch_ratio:.0%} of the no-op rate; target >= 50,000 events/s)"
    )
    loader = loader_bench()
    print(
        f"  loader: {loader['loader_events_per_s'] / loader['bare_insert_events_per_s']:.0%} "
        "of a bare Arrow insert of the same rows"
    )
