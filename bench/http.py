"""bench/http: the request path under wrk, the load generator on one core, the server on the other.

One `uvicorn` process (uvloop + httptools, Mercato's production stack, no access log: the
`access_log` default) serves the production app plus two no-op routes mounted only by this
bench's factory (`GET /bench/noop`, `POST /bench/noop`: public, harmless, they read the body and
answer a small JSON). wrk (C, one thread, 32 connections, `--latency`) drives, pinned with
`taskset` to CPU 0; the server is pinned to CPU 1. Pairs, each measured in the same run:

* `GET /api/v1` against a bare FastAPI app with the same route on the same stack (the
  framework's own cost: target >= 0.6x, p99 <= 25 ms);
* gallery JSON and HTML against the same server's no-op GET (target >= 0.9x, p99 <= 25 ms);
* `POST /api/collect` single events and batches of 100 (each request new event ids, so the
  loader stores every event) against the no-op POST with the same bodies (targets 0.7x, 0.5x).
"""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from mercato.web.routes.root_api import ApiRootPublic

DURATION_S = int(os.environ.get("BENCH_HTTP_SECONDS", "4"))
ROUNDS = int(os.environ.get("BENCH_HTTP_ROUNDS", "3"))
CONNECTIONS = 32
LOAD_CPU, SERVER_CPU = "0", "1"
CHROME = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36"
ROOT = Path(__file__).parents[1]


def bench_app() -> Any:
    """`uvicorn --factory bench.http:bench_app`: the production app plus the no-op routes."""
    from mercato.core.settings import load_settings
    from mercato.web.app import create_app

    app = create_app(load_settings())

    @app.get("/bench/noop", tags=["public"], include_in_schema=False)
    async def bench_noop_get() -> JSONResponse:
        return JSONResponse({"ok": True})

    @app.post("/bench/noop", tags=["public"], include_in_schema=False)
    async def bench_noop_post(request: Request) -> JSONResponse:
        await request.body()
        return JSONResponse({"accepted": 0, "filtered": 0, "clamped": 0}, status_code=202)

    # First in the route list: the baseline pays the middleware, not the route matching.
    noops = app.router.routes[-2:]
    app.router.routes[:] = [*noops, *app.router.routes[:-2]]
    return app


def bare_app() -> Any:
    """A bare FastAPI app with Mercato's `GET /api/v1` route and nothing else."""
    app = FastAPI()

    @app.get("/api/v1")
    async def api_root() -> ApiRootPublic:
        return ApiRootPublic(name="Mercato", version="0", openapi="/o", docs="/d")

    return app


def _serve(factory: str, data_dir: Path, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}",
        "MERCATO_DATA_DIR": str(data_dir),
        "MERCATO_SECRET_KEY": "b" * 48,
        # One load generator on one address: the per-client budget would measure itself.
        "MERCATO_COLLECT_RATE_LIMIT_PER_MINUTE": "1000000000",
    }
    command = ["taskset", "-c", SERVER_CPU, sys.executable, "-m", "uvicorn", "--factory"]
    command += [factory, "--port", str(port), "--log-level", "warning", "--no-access-log"]
    process = subprocess.Popen(command, env=env)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"{factory} did not start")


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    process.wait(timeout=120)


def _post_script(directory: Path, body: str) -> Path:
    """A wrk Lua script posting `body` with `@N@` replaced by a per-request counter."""
    script = directory / f"post{abs(hash(body))}.lua"
    template = body.replace("\\", "\\\\").replace('"', '\\"')
    script.write_text(
        "counter = 0\n"
        f'template = "{template}"\n'
        "request = function()\n"
        "  counter = counter + 1\n"
        '  local body = template:gsub("@N@", tostring(counter))\n'
        '  return wrk.format("POST", nil, {["Content-Type"] = "text/plain", '
        f'["User-Agent"] = "{CHROME}"}}, body)\n'
        "end\n"
    )
    return script


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}


def _wrk(url: str, script: Path | None = None) -> dict[str, float]:
    """Requests/s, p50 and p99 (ms) of one wrk run, after a short warm-up."""
    base = ["taskset", "-c", LOAD_CPU, "wrk", "-t1", f"-c{CONNECTIONS}", "--latency"]
    if script is not None:
        base += ["-s", str(script)]
    subprocess.run([*base, "-d1s", url], check=True, capture_output=True)  # warm-up
    out = subprocess.run(
        [*base, f"-d{DURATION_S}s", url], check=True, capture_output=True, text=True
    ).stdout
    # Timeouts (2 s) on an overloaded machine show in p99; refused or wrong answers fail.
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+)", out)
    if "Non-2xx" in out or (errors and any(int(n) for n in errors.groups())):
        raise RuntimeError(f"wrk saw failures on {url}:\n{out}")
    found = {
        key: re.search(rf"^\s+{key}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M) for key in ("50", "99")
    }
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if rps is None or not all(found.values()):
        raise RuntimeError(f"cannot read wrk's output:\n{out}")
    latency = {k: float(m.group(1)) * _UNITS[m.group(2)] for k, m in found.items() if m}
    return {"rps": float(rps.group(1)), "p50_ms": latency["50"], "p99_ms": latency["99"]}


def _collect_body(key: str, events: int) -> str:
    rows = [
        {
            "name": "pageview",
            "url": f"https://shop.example/products/p{i % 50}?utm_source=instagram",
            "referrer": "https://l.instagram.com/",
            "event_id": f"r@N@-{i}",
        }
        for i in range(events)
    ]
    document: dict[str, Any] = {"key": key, "events": rows}
    if events == 1:
        document = {"key": key, **rows[0]}
    return json.dumps(document)


def _pair(
    label: str, url: str, baseline_label: str, baseline_url: str, script: Path | None = None
) -> None:
    """Interleaved runs (baseline, subject, ...) on a shared machine; medians of each."""
    runs: dict[str, list[dict[str, float]]] = {baseline_label: [], label: []}
    for _ in range(ROUNDS):
        runs[baseline_label].append(_wrk(baseline_url, script))
        runs[label].append(_wrk(url, script))
    base, subject = (
        {key: statistics.median(run[key] for run in runs[name]) for key in runs[name][0]}
        for name in (baseline_label, label)
    )
    for name, result, ratio in ((baseline_label, base, ""), (label, subject, "x")):
        share = f"{result['rps'] / base['rps']:5.2f}x" if ratio else "   --"
        print(
            f"  {name:24s} {result['rps']:8.0f} req/s  {share}  "
            f"p50 {result['p50_ms']:6.1f} ms  p99 {result['p99_ms']:6.1f} ms"
        )


def _seed(data_dir: Path) -> tuple[str, str]:
    """A brand with a 24-item gallery and a site: (gallery id, site key)."""
    from bench.galleries import _seed as seed_gallery
    from mercato.core.settings import Settings
    from mercato.runtime import Services

    services = Services.open(Settings(data_dir=data_dir), upgrade=True)
    try:
        return seed_gallery(services), "pk_bench"
    finally:
        services.close()


def main() -> None:
    from tests.support.postgres import free_port

    if shutil.which("wrk") is None or shutil.which("taskset") is None:
        raise SystemExit(
            "bench/http needs wrk and taskset: bash scripts/install-system-deps.sh bench"
        )
    print(f"  {platform.machine()}, {os.cpu_count()} CPUs, {ROUNDS} x {DURATION_S} s interleaved")
    with tempfile.TemporaryDirectory() as tmp:
        data_dir, scripts = Path(tmp) / "data", Path(tmp)
        gallery, key = _seed(data_dir)
        bare_port, port = free_port(), free_port()
        servers = [
            _serve("bench.http:bare_app", data_dir, bare_port),
            _serve("bench.http:bench_app", data_dir, port),
        ]
        base = f"http://127.0.0.1:{port}"
        try:
            bare = f"http://127.0.0.1:{bare_port}/api/v1"
            _pair("GET /api/v1", f"{base}/api/v1", "bare FastAPI /api/v1", bare)
            for fmt in ("json", "html"):
                _pair(
                    f"gallery {fmt}", f"{base}/g/{gallery}.{fmt}", "no-op GET", f"{base}/bench/noop"
                )
            for events in (1, 100):
                script = _post_script(scripts, _collect_body(key, events))
                _pair(
                    f"collect x{events}",
                    f"{base}/api/collect",
                    f"no-op POST x{events}",
                    f"{base}/bench/noop",
                    script,
                )
        finally:
            for server in servers:
                _stop(server)
